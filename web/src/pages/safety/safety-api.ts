import { useQuery } from '@tanstack/react-query';
import type { DoseSchedule, DosingOverview } from '../../../../src/dosing/dosing.schema.ts';
import type {
  AdverseEventView,
  AeHistoryEntry,
  ClockView,
  Dashboard,
  SubmissionView,
} from '../../../../src/safety/safety.schema.ts';
import { api } from '../../api/client.ts';

export type {
  AdverseEventView,
  AeHistoryEntry,
  ClockView,
  Dashboard,
  DoseSchedule,
  DosingOverview,
  SubmissionView,
};

export const useDashboard = () =>
  useQuery({ queryKey: ['safety', 'dashboard'], queryFn: () => api<Dashboard>('GET', '/safety/dashboard') });

export interface EventFilter {
  participantId?: string;
  grade?: string;
  serious?: 'true' | 'false';
  related?: 'true' | 'false' | 'not-assessed';
}

export const useAdverseEvents = (filter: EventFilter = {}) =>
  useQuery({
    queryKey: ['safety', 'events', filter],
    queryFn: () => {
      const params = new URLSearchParams({ limit: '500' });
      for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
      return api<{ items: AdverseEventView[]; total: number }>('GET', `/adverse-events?${params}`);
    },
  });

export const useAdverseEvent = (aeId: string) =>
  useQuery({
    queryKey: ['safety', 'event', aeId],
    queryFn: () => api<AdverseEventView>('GET', `/adverse-events/${aeId}`),
  });

export const useEventHistory = (aeId: string) =>
  useQuery({
    queryKey: ['safety', 'event', aeId, 'history'],
    queryFn: () => api<AeHistoryEntry[]>('GET', `/adverse-events/${aeId}/history`),
  });

export const useDosingOverview = () =>
  useQuery({
    queryKey: ['dosing', 'overview'],
    queryFn: () => api<DosingOverview>('GET', '/dosing/overview'),
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
