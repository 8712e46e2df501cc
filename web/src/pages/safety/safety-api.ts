import { useQuery } from '@tanstack/react-query';
import type { DoseSchedule, DosingOverview } from '../../../../src/dosing/dosing.schema.ts';
import type { ParticipantList } from '../../../../src/participants/participant.schema.ts';
import type {
  AdverseEventList,
  AdverseEventListQueryInput,
  AdverseEventView,
  AeHistoryEntry,
  ClockView,
  Dashboard,
  SubmissionView,
} from '../../../../src/safety/safety.schema.ts';
import { api, queryText } from '../../api/client.ts';

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

/** The list's filters, as the page keeps them in its address (a grade is text there, as in the query). */
export type EventFilter = Pick<AdverseEventListQueryInput, 'participantId' | 'serious' | 'related'> & {
  grade?: string;
};

export const useAdverseEvents = (filter: EventFilter = {}) =>
  useQuery({
    queryKey: ['safety', 'events', filter],
    queryFn: () => {
      const params = queryText<AdverseEventListQueryInput>({ limit: 500, ...filter });
      return api<AdverseEventList>('GET', `/adverse-events?${params}`);
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
    queryFn: () => api<ParticipantList>('GET', '/participants?limit=500'),
  });
