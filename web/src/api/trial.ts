import { useQuery } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type {
  Casebook,
  CasebookCell,
  CellState,
  CheckValuesView,
  checkValuesQuerySchema,
  FormRecordView,
  instanceQuerySchema,
  QueryView,
  SaveFormResponse,
} from '../../../src/crf/crf.schema.ts';
import type { valuesForChecks } from '../../../src/crf/values.service.ts';
import { can, type Permission } from '../../../src/kernel/permissions.ts';
import { isRole } from '../../../src/kernel/roles.ts';
import type {
  Consort,
  EligibilityView,
  ParticipantDetail,
  ParticipantStatus,
  ParticipantSummary,
} from '../../../src/participants/participant.schema.ts';
import type { ProtocolVersion } from '../../../src/protocol/protocol-version.schema.ts';
import type { Protocol } from '../../../src/protocol/schema.ts';
import type { SiteView, StudyOverview } from '../../../src/study/study.schema.ts';
import { formatOwnDateTime } from '../format.ts';
import { ApiError, api, queryText } from './client.ts';
import { useSession } from './session.ts';

// Typed reads of the participant and eCRF API, shared by the participant, form, query and SDV pages.
// The types come from the server's zod schemas, so the UI and the API cannot drift apart.

export type {
  CasebookCell,
  CellState,
  Consort,
  EligibilityView,
  FormRecordView,
  ParticipantDetail,
  ParticipantStatus,
  ParticipantSummary,
  QueryView,
  SaveFormResponse,
};

/** A site as `GET /study` lists it. */
export type StudySite = SiteView;

/**
 * The participant's recorded values for rules that reach across forms. The route declares them as a
 * record of anything; the service that computes them says what each value is.
 */
type CheckValues = Omit<CheckValuesView, 'values'> & { values: Awaited<ReturnType<typeof valuesForChecks>> };

/** The user's language as a key of a localized text. */
export function useLanguage(): 'en' | 'zh' {
  const { i18n } = useTranslation();
  return i18n.language === 'zh' ? 'zh' : 'en';
}

/** Whether the signed-in user holds a permission (the server's one role table decides). */
export function useCan(): (permission: Permission) => boolean {
  const session = useSession();
  const roles = (session.data?.user.roles ?? []).filter(isRole);
  return (permission) => can({ roles }, permission);
}

export const participantKeys = {
  all: ['participants'] as const,
  one: (participantId: string) => ['participants', participantId] as const,
};

export function useStudySites() {
  return useQuery({
    queryKey: ['study'],
    queryFn: () => api<StudyOverview>('GET', '/study'),
    select: (study) => study.sites,
    staleTime: 300_000,
  });
}

export function useProtocol() {
  return useQuery({
    queryKey: ['protocol'],
    queryFn: async () => {
      const body = await api<ProtocolVersion>('GET', '/protocol');
      return { ...body, protocol: body.protocol as Protocol };
    },
    staleTime: 300_000,
  });
}

/** One protocol version (versions never change once loaded, so it is fetched once). */
export function useProtocolVersion(versionNo: number | undefined) {
  return useQuery({
    queryKey: ['protocol', 'version', versionNo],
    queryFn: async () => {
      const body = await api<ProtocolVersion>('GET', `/protocol/versions/${versionNo}`);
      return { ...body, protocol: body.protocol as Protocol };
    },
    enabled: versionNo !== undefined && versionNo > 0,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useParticipant(participantId: string) {
  return useQuery({
    queryKey: participantKeys.one(participantId),
    queryFn: () => api<ParticipantDetail>('GET', `/participants/${participantId}`),
  });
}

export function useEligibility(participantId: string) {
  return useQuery({
    queryKey: [...participantKeys.one(participantId), 'eligibility'],
    queryFn: () => api<EligibilityView>('GET', `/participants/${participantId}/eligibility`),
  });
}

export function useCasebook(participantId: string) {
  return useQuery({
    queryKey: [...participantKeys.one(participantId), 'casebook'],
    queryFn: () => api<Casebook>('GET', `/participants/${participantId}/casebook`),
  });
}

export const formUrl = (participantId: string, visitKey: string, formId: string, instance: number) =>
  `/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/${formId}?${queryText<z.input<typeof instanceQuerySchema>>({ instance })}`;

export function useFormRecord(participantId: string, visitKey: string, formId: string, instance: number) {
  return useQuery({
    queryKey: [...participantKeys.one(participantId), 'form', visitKey, formId, instance],
    queryFn: () => api<FormRecordView>('GET', formUrl(participantId, visitKey, formId, instance)),
  });
}

/** The web address of a form of a visit (`visit` or `visit/timepoint`). */
export const formPagePath = (participantId: string, visitKey: string, formId: string, instance = 1) =>
  `/participants/${participantId}/forms/${formId}?visit=${encodeURIComponent(visitKey)}&instance=${instance}`;

/**
 * A message for people about an API error, in their language: edit-check failures carry both languages
 * (`messages: {en, zh}`), known codes have a translation, anything else shows the API's own message.
 */
export function apiErrorText(
  t: TFunction,
  language: 'en' | 'zh',
  error: unknown,
  /** The page's labels of the fields it sends, to name a field as the page does (never by its key). */
  labels: Record<string, string> = {},
): string {
  if (error instanceof ApiError) {
    const body = error.body;
    const fields = body.details?.fields;
    if (fields?.length) {
      return fields
        .map((field) => {
          const name = field.field.replace(/^(body|query|params)\./, '');
          const message = field.messages?.[language] ?? field.message;
          const label = labels[name];
          return label ? `${label}: ${message}` : message;
        })
        .join(' ');
    }
    // A wrong password at a signature is a 401 about the signature, not the end of the session.
    if (body.error === 'unauthenticated' && /signature/.test(body.message)) return t('crf.wrongPassword');
    if (body.error === 'forbidden' || body.error === 'csrf_failed' || body.error === 'rate_limited') {
      return t(`errors.${body.error}`);
    }
    if (body.error === 'unauthenticated') return t('errors.sessionEnded');
    // The signer's account is locked after too many wrong passwords (not a locked record).
    const lockedUntil = body.details?.lockedUntil;
    if (body.error === 'locked' && lockedUntil) {
      return t('errors.locked', { until: formatOwnDateTime(lockedUntil, language) });
    }
    return body.message;
  }
  if (error instanceof TypeError) return t('errors.network');
  return t('errors.unknown', { message: error instanceof Error ? error.message : String(error) });
}

/** Per-field messages of a validation error, keyed by item id, in the user's language. */
export function fieldErrors(error: unknown, language: 'en' | 'zh'): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const fields = error.body.details?.fields ?? [];
  return Object.fromEntries(
    fields.map((field) => [field.field.replace(/^body\./, ''), field.messages?.[language] ?? field.message]),
  );
}

/** The participant's other recorded values (`form.item`), so rules reaching across forms run in the browser too. */
export function useCheckContext(participantId: string, visitKey: string) {
  return useQuery({
    queryKey: [...participantKeys.one(participantId), 'values', visitKey],
    queryFn: () =>
      api<CheckValues>(
        'GET',
        `/participants/${participantId}/values?${queryText<z.input<typeof checkValuesQuerySchema>>({ visitKey })}`,
      ),
    select: (body) => body.values,
  });
}
