import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { DoseSchedule } from '../../../../src/dosing/dosing.schema.ts';
import type { ParticipantList } from '../../../../src/participants/participant.schema.ts';
import type { InventoryView, inventoryQuerySchema } from '../../../../src/product/inventory.schema.ts';
import type {
  DispensingView,
  ExcursionView,
  LotView,
  ProposalView,
  ReadingsView,
  readingsQuerySchema,
  StorageUnitView,
  VialList,
  VialView,
} from '../../../../src/product/product.schema.ts';
import { BLINDED_LOT } from '../../../../src/product/product.schema.ts';
import { ApiError, api, queryText } from '../../api/client.ts';

// Typed reads of the investigational product API for the product pages; the types come from the
// server's zod schemas.

export type {
  DispensingView,
  DoseSchedule,
  ExcursionView,
  InventoryView,
  LotView,
  ProposalView,
  ReadingsView,
  StorageUnitView,
  VialView,
};

export const productKeys = {
  all: ['product'] as const,
  inventory: (days: number) => ['product', 'inventory', days] as const,
  readings: (unitId: string) => ['product', 'readings', unitId] as const,
  lot: (lotId: string) => ['product', 'lot', lotId] as const,
  vials: (filter: string) => ['product', 'vials', filter] as const,
};

export const useInventory = (expiringWithinDays: number) =>
  useQuery({
    queryKey: productKeys.inventory(expiringWithinDays),
    queryFn: () =>
      api<InventoryView>(
        'GET',
        `/product/inventory?${queryText<z.input<typeof inventoryQuerySchema>>({ expiringWithinDays })}`,
      ),
  });

export const useReadings = (unitId: string) =>
  useQuery({
    queryKey: productKeys.readings(unitId),
    queryFn: () =>
      api<ReadingsView>(
        'GET',
        `/product/storage-units/${unitId}/readings?${queryText<z.input<typeof readingsQuerySchema>>({ points: 600 })}`,
      ),
  });

export const useLot = (lotId: string) =>
  useQuery({
    queryKey: productKeys.lot(lotId),
    queryFn: () => api<LotView>('GET', `/product/lots/${lotId}`),
  });

export const useVials = (filter: string) =>
  useQuery({
    queryKey: productKeys.vials(filter),
    queryFn: () => api<VialList>('GET', `/product/vials?${filter}&limit=1000`),
  });

export const useEnrolled = () =>
  useQuery({
    queryKey: ['participants', 'enrolled'],
    queryFn: () => api<ParticipantList>('GET', '/participants?limit=500'),
    select: (body) => body.items.filter((entry) => entry.day1Date),
  });

export const useDoses = (participantId: string | null) =>
  useQuery({
    queryKey: ['dosing', participantId],
    enabled: participantId !== null,
    queryFn: () => api<DoseSchedule>('GET', `/participants/${participantId}/doses`),
  });

export const useDispensings = (participantId: string | null) =>
  useQuery({
    queryKey: ['product', 'dispensings', participantId],
    enabled: participantId !== null,
    queryFn: () => api<DispensingView[]>('GET', `/product/participants/${participantId}/dispensings`),
  });

/** The refusal reason the API sends as `details.reason` with a 409 (or 404 for an unknown code). */
export function refusalReason(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  const reason = error.body.details?.reason;
  return typeof reason === 'string' ? reason : null;
}

/** Whether a lot is the one a blinded reader sees for every kit lot (no page of its own). */
export const isBlindedLot = (lotNumber: string) => lotNumber === BLINDED_LOT.lotNumber;

/** A lot number as shown: the blinded kit lot in the reader's language. */
export const lotName = (t: (key: string) => string, lotNumber: string) =>
  isBlindedLot(lotNumber) ? t('product.blindedLot') : lotNumber;
