import type { Selectable } from 'kysely';
import { namesByLabel } from '../auth/user-names.ts';
import type { QueryView } from '../crf/crf.schema.ts';
import type { Entries } from '../crf/entries.ts';
import { checkForm } from '../crf/form-checks.ts';
import { toQueryViews } from '../crf/form-record.queries.ts';
import { adverseEventTarget, type QueryTarget } from '../crf/query.service.ts';
import type { Db } from '../db/connection.ts';
import type { AdverseEventTable, SafetySubmissionTable } from '../db/schema-safety.ts';
import { notFound } from '../kernel/errors.ts';
import type { Protocol, ProtocolForm } from '../protocol/schema.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { aeFormId, eventClocks, summarize } from './ae-summary.ts';
import { versionLabel } from './report.ts';
import type { AdverseEventView, SubmissionView } from './safety.schema.ts';

// How an adverse event is shown: its summary, checks, clocks, submissions and queries.

export type AdverseEventRow = Selectable<AdverseEventTable>;

export function aeForm(protocol: Protocol): ProtocolForm {
  const form = protocol.forms.find((entry) => entry.id === aeFormId(protocol));
  if (!form) throw notFound(`The protocol's adverse-event form '${aeFormId(protocol)}'`);
  return form;
}

export interface ViewContext {
  protocol: Protocol;
  siteZones: Map<string, string>;
  labels: Map<string, string>;
  submissions: SubmissionView[];
  queries: QueryView[];
  now: Date;
}

export async function siteZones(db: Db, studyId: string): Promise<Map<string, string>> {
  const sites = await db
    .selectFrom('site')
    .select(['site_id', 'time_zone'])
    .where('study_id', '=', studyId)
    .execute();
  return new Map(sites.map((site) => [site.site_id, site.time_zone]));
}

export async function participantLabels(
  db: Db,
  studyId: string,
  ids: string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('participant')
    .select(['participant_id', 'study_number', 'screening_number'])
    .where('study_id', '=', studyId)
    .where('participant_id', 'in', ids)
    .execute();
  return new Map(rows.map((row) => [row.participant_id, row.study_number ?? row.screening_number]));
}

/** A submission row as the API shows it. */
export function submissionView(
  row: Selectable<SafetySubmissionTable>,
  recordedByName: string,
): SubmissionView {
  return {
    submissionId: row.submission_id,
    aeId: row.ae_id,
    clockId: row.clock_id,
    kind: row.kind,
    recipient: row.recipient,
    submittedAt: new Date(row.submitted_at).toISOString(),
    reference: row.reference,
    note: row.note,
    payloadSha256: row.payload_sha256,
    recordedAt: new Date(row.recorded_at).toISOString(),
    recordedBy: row.recorded_by,
    recordedByName,
    signerName: row.signer_name,
    signatureMeaning: row.signature_meaning,
    followUpNumber: row.follow_up_number,
    version: row.follow_up_number === null ? null : versionLabel(row.follow_up_number),
    documentSha256: row.document_sha256,
    documentLanguage: row.document_language,
  };
}

export async function submissionsOf(db: Db, studyId: string, aeIds: string[]): Promise<SubmissionView[]> {
  if (aeIds.length === 0) return [];
  const rows = await db
    .selectFrom('safety_submission')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('ae_id', 'in', aeIds)
    .orderBy('submitted_at')
    .execute();
  const names = await namesByLabel(
    db,
    studyId,
    rows.map((row) => row.recorded_by),
  );
  return rows.map((row) => submissionView(row, names.get(row.recorded_by) ?? row.recorded_by));
}

/**
 * Where the data queries of an adverse event live: soft-check findings on its fields open queries as
 * they do on a form record, named by the event's id, the protocol's adverseEvent form and `AE n` in
 * place of a visit, so the query inbox lists them and they are answered and closed the same way.
 */
export function aeQueryTarget(protocol: Protocol, row: AdverseEventRow): QueryTarget {
  return adverseEventTarget(row, aeFormId(protocol));
}

export async function queriesOf(db: Db, studyId: string, aeIds: string[]): Promise<QueryView[]> {
  if (aeIds.length === 0) return [];
  const rows = await db
    .selectFrom('data_query')
    .selectAll()
    .where('study_id', '=', studyId)
    // Adverse events' ids are their own (UUIDs no form record shares), whatever the form is named.
    .where('record_id', 'in', aeIds)
    .orderBy('raised_at')
    .execute();
  return toQueryViews(db, studyId, rows);
}

export function toAdverseEventView(row: AdverseEventRow, context: ViewContext): AdverseEventView {
  const entries = row.entries as Entries;
  const { protocol } = context;
  const summary = summarize(protocol, entries);
  const check = checkForm(protocol, aeForm(protocol), entries);
  const submissions = context.submissions.filter((entry) => entry.aeId === row.ae_id);
  const clocks = eventClocks(
    protocol,
    summary,
    submissions.map((entry) => ({ ...entry, submittedAt: new Date(entry.submittedAt) })),
    { site: context.siteZones.get(row.site_id) ?? protocol.study.timeZone, sponsor: protocol.study.timeZone },
    context.now,
  );
  return {
    aeId: row.ae_id,
    participantId: row.participant_id,
    participantLabel: context.labels.get(row.participant_id) ?? row.participant_id,
    siteId: row.site_id,
    number: row.ae_number,
    entries,
    termCode: row.term_code,
    administrationId: row.administration_id,
    summary,
    complete: check.incomplete.length === 0,
    incomplete: check.incomplete,
    clocks,
    submissions,
    queries: context.queries.filter((query) => query.recordId === row.ae_id),
    protocolVersion: row.protocol_version,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    version: row.version,
  };
}

export async function viewContext(
  db: Db,
  studyId: string,
  rows: AdverseEventRow[],
  protocol?: Protocol,
): Promise<ViewContext> {
  return {
    protocol: protocol ?? (await currentProtocol(db, studyId)).protocol,
    siteZones: await siteZones(db, studyId),
    labels: await participantLabels(db, studyId, [...new Set(rows.map((row) => row.participant_id))]),
    submissions: await submissionsOf(
      db,
      studyId,
      rows.map((row) => row.ae_id),
    ),
    queries: await queriesOf(
      db,
      studyId,
      rows.map((row) => row.ae_id),
    ),
    now: new Date(),
  };
}
