import { useQuery } from '@tanstack/react-query';
import type { DoseSchedule } from '../../../../src/dosing/dosing.schema.ts';
import type { AdverseEventView, Dashboard } from '../../../../src/safety/safety.schema.ts';
import { api } from '../../api/client.ts';

export type { AdverseEventView, Dashboard, DoseSchedule };

export const useDashboard = () =>
  useQuery({ queryKey: ['safety', 'dashboard'], queryFn: () => api<Dashboard>('GET', '/safety/dashboard') });

export const useAdverseEvents = (participantId?: string) =>
  useQuery({
    queryKey: ['safety', 'events', participantId ?? 'all'],
    queryFn: () =>
      api<{ items: AdverseEventView[]; total: number }>(
        'GET',
        `/adverse-events${participantId ? `?participantId=${participantId}` : ''}`,
      ),
  });

export const useDoseSchedule = (participantId: string | null) =>
  useQuery({
    queryKey: ['dosing', participantId],
    enabled: participantId !== null,
    queryFn: () => api<DoseSchedule>('GET', `/participants/${participantId}/doses`),
  });

export const useParticipants = () =>
  useQuery({
    queryKey: ['participants', 'enrolled'],
    queryFn: () =>
      api<{
        items: Array<{
          participantId: string;
          studyNumber: string | null;
          screeningNumber: string;
          day1Date: string | null;
        }>;
      }>('GET', '/participants?limit=500'),
  });

/** Site wall-clock text for a datetime-local input: YYYY-MM-DDTHH:MM in the browser's zone. */
export function localNow(): string {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}
