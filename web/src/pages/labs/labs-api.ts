import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  AcceptProposalRequest,
  DismissProposalRequest,
  LabAeProposalList,
  LabAeProposalView,
  LabFlagList,
  LabFlagView,
  RangeImportRequest,
  ReferenceRangeList,
  SignificanceRequest,
} from '../../../../src/labs/lab.schema.ts';
import { api } from '../../api/client.ts';

export function useLabRanges(siteId: string | null) {
  return useQuery({
    queryKey: ['lab-ranges', siteId],
    queryFn: () => api<ReferenceRangeList>('GET', `/sites/${encodeURIComponent(siteId ?? '')}/lab-ranges`),
    enabled: siteId !== null && siteId !== '',
  });
}

export function useImportRanges(siteId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: RangeImportRequest) =>
      api<ReferenceRangeList, RangeImportRequest>(
        'POST',
        `/sites/${encodeURIComponent(siteId)}/lab-ranges/import`,
        request,
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ['lab-ranges', siteId] }),
  });
}

export function useLabFlags(participantId: string, enabled = true) {
  return useQuery({
    queryKey: ['lab-flags', participantId],
    queryFn: () => api<LabFlagList>('GET', `/participants/${participantId}/lab-flags`),
    enabled,
  });
}

export function useLabProposals(participantId: string, enabled: boolean) {
  return useQuery({
    queryKey: ['lab-ae-proposals', participantId],
    queryFn: () => api<LabAeProposalList>('GET', `/participants/${participantId}/lab-ae-proposals`),
    enabled,
  });
}

export function useMarkSignificance(participantId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ flag, significant }: { flag: LabFlagView; significant: boolean }) =>
      api<LabFlagView, SignificanceRequest>(
        'PUT',
        `/participants/${participantId}/lab-flags/${flag.recordId}/${flag.itemId}/significance`,
        { revision: flag.revision, significant },
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ['lab-flags', participantId] }),
  });
}

export function useDecideProposal(participantId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ proposalId, reason }: { proposalId: string; reason?: string }) =>
      reason === undefined
        ? api<LabAeProposalView, AcceptProposalRequest>('POST', `/lab-ae-proposals/${proposalId}/accept`, {
            entries: {},
          })
        : api<LabAeProposalView, DismissProposalRequest>('POST', `/lab-ae-proposals/${proposalId}/dismiss`, {
            reason,
          }),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ['lab-ae-proposals', participantId] });
      client.invalidateQueries({ queryKey: ['adverse-events'] });
    },
  });
}
