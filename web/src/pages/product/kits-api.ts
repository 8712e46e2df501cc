import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ShipmentView } from '../../../../src/product/product.schema.ts';
import type { ResupplyNeed, ResupplyShipmentRequest } from '../../../../src/product/resupply.schema.ts';
import type {
  GenerateKitListRequest,
  KitListQuery,
  KitListStatus,
  KitListView,
  SealKitListRequest,
} from '../../../../src/randomisation/kit-list.schema.ts';
import { api, queryText } from '../../api/client.ts';

const keys = {
  status: ['kits'] as const,
  list: ['kits', 'list'] as const,
  resupply: ['product', 'resupply'] as const,
};

export function useKitListStatus() {
  return useQuery({ queryKey: keys.status, queryFn: () => api<KitListStatus>('GET', '/kits') });
}

/**
 * A page of the list with its kit types: asked for only by a user whose role may see arms (the server
 * refuses others). The page shown stays while the next one loads.
 */
export function useKitList(enabled: boolean, page: KitListQuery) {
  return useQuery({
    queryKey: [...keys.list, page.limit, page.offset],
    queryFn: () => api<KitListView>('GET', `/kits/list?${queryText<KitListQuery>(page)}`),
    enabled,
    placeholderData: keepPreviousData,
  });
}

function useKitListChange<Request>(path: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: Request) => api<KitListStatus, Request>('POST', path, request),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.status }),
  });
}

export const useGenerateKits = () => useKitListChange<GenerateKitListRequest>('/kits/list');
export const useExtendKits = () => useKitListChange<GenerateKitListRequest>('/kits/list/extend');
export const useSealKits = () => useKitListChange<SealKitListRequest>('/kits/list/seal');

/** Sites to resupply with the shipment proposed: unblinded roles only. */
export function useResupply(enabled: boolean) {
  return useQuery({
    queryKey: keys.resupply,
    queryFn: () => api<ResupplyNeed[]>('GET', '/product/resupply'),
    enabled,
  });
}

export function useSendResupply() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: ResupplyShipmentRequest) =>
      api<ShipmentView, ResupplyShipmentRequest>('POST', '/product/resupply/shipments', request),
    onSuccess: () => client.invalidateQueries({ queryKey: ['product'] }),
  });
}
