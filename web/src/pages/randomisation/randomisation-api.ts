import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  GenerateListRequest,
  RandomisationListView,
  RandomisationStatus,
  SealListRequest,
} from '../../../../src/randomisation/randomisation.schema.ts';
import { api } from '../../api/client.ts';

const keys = { status: ['randomisation'] as const, list: ['randomisation', 'list'] as const };

export function useRandomisationStatus() {
  return useQuery({
    queryKey: keys.status,
    queryFn: () => api<RandomisationStatus>('GET', '/randomisation'),
  });
}

/** The list with its arms: asked for only by a user whose role may see it (the server refuses others). */
export function useRandomisationList(enabled: boolean) {
  return useQuery({
    queryKey: keys.list,
    queryFn: () => api<RandomisationListView>('GET', '/randomisation/list'),
    enabled,
  });
}

export function useGenerateList() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: GenerateListRequest) =>
      api<RandomisationStatus, GenerateListRequest>('POST', '/randomisation/list', request),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.status }),
  });
}

export function useSealList() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: SealListRequest) =>
      api<RandomisationStatus, SealListRequest>('POST', '/randomisation/list/seal', request),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.status }),
  });
}
