import { useQuery } from '@tanstack/react-query';
import type { Protocol } from '../../../../src/protocol/schema.ts';
import { api } from '../../api/client.ts';

export interface ProtocolResponse {
  versionNo: number;
  label: string;
  protocol: Protocol;
}

export interface ProtocolVersionSummary {
  versionNo: number;
  label: string;
  loadedAt: string;
  loadedBy: string | null;
  loadedByName: string | null;
  current: boolean;
}

export const useProtocol = () =>
  useQuery({
    queryKey: ['protocol'],
    queryFn: () => api<ProtocolResponse>('GET', '/protocol'),
    staleTime: 60_000,
  });

export const useProtocolVersions = () =>
  useQuery({
    queryKey: ['protocol', 'versions'],
    queryFn: () => api<ProtocolVersionSummary[]>('GET', '/protocol/versions'),
  });

/** The YAML source of a version: the protocol's source of truth. */
export async function fetchProtocolSource(versionNo: number): Promise<string> {
  const response = await fetch(`/api/v1/protocol/versions/${versionNo}/source`, {
    credentials: 'same-origin',
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
}
