import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  AssignRequest,
  DismissRequest,
  LabResultList,
  LabResultView,
} from '../../../../src/lab-interface/lab-interface.schema.ts';
import { api } from '../../api/client.ts';

export type { LabResultView };

export function useLabReviewQueue() {
  return useQuery({
    queryKey: ['lab-results', 'review'],
    queryFn: () => api<LabResultList>('GET', '/lab-results?status=review'),
  });
}

export function useAssignLabResult() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ resultId, request }: { resultId: string; request: AssignRequest }) =>
      api<LabResultView, AssignRequest>('POST', `/lab-results/${resultId}/assign`, request),
    onSuccess: () => client.invalidateQueries({ queryKey: ['lab-results'] }),
  });
}

export function useDismissLabResult() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ resultId, reason }: { resultId: string; reason: string }) =>
      api<LabResultView, DismissRequest>('POST', `/lab-results/${resultId}/dismiss`, { reason }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['lab-results'] }),
  });
}
