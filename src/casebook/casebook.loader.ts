import type { Selectable } from 'kysely';
import { namesById, namesByLabel } from '../auth/user-names.ts';
import { participantValues } from '../crf/record-values.ts';
import type { Db } from '../db/connection.ts';
import type { AuditEventTable } from '../db/schema.ts';
import type {
  ConsentTable,
  DataQueryTable,
  FieldSdvTable,
  FormRecordTable,
  SignatureTable,
} from '../db/schema-participants.ts';
import type { AdverseEventTable, DosingAdministrationTable } from '../db/schema-safety.ts';
import type { ParticipantRow } from '../participants/participant.queries.ts';
import type { RuleInputValue } from '../protocol/rules/ast.ts';
import type { Protocol } from '../protocol/schema.ts';
import { siteProtocols } from '../protocol/site-version.ts';

// Everything a participant's casebook prints, read in one go: the rows as stored, the protocol that
// labels them, and the names of the people who acted (records keep account ids or sign-in emails).

export interface CasebookSource {
  /** The version the participant's site works under: the schedule the casebook walks. */
  protocol: Protocol;
  protocolVersion: number;
  /** The version a record (or adverse event) was entered under: the form its values are printed with. */
  versionOf(record: { protocol_version: number }): { protocol: Protocol; versionNo: number };
  /** Every version's forms and items at once, to name the fields of audit events from any version. */
  allVersions: Protocol;
  participant: ParticipantRow;
  site: { code: string; name: { en: string; zh: string }; timeZone: string };
  records: Selectable<FormRecordTable>[];
  sdv: Selectable<FieldSdvTable>[];
  queries: Selectable<DataQueryTable>[];
  signatures: Selectable<SignatureTable>[];
  consents: Array<Selectable<ConsentTable> & { obtainedByName: string }>;
  doses: Selectable<DosingAdministrationTable>[];
  adverseEvents: Selectable<AdverseEventTable>[];
  audit: Array<Selectable<AuditEventTable> & { personName: string }>;
  /** The participant's values as the edit checks and skip logic see them. */
  ruleContext: Record<string, RuleInputValue>;
}

/** The participant's audit events: about the participant itself, or carrying it in their context. */
function auditOf(db: Db, studyId: string, participantId: string) {
  return db
    .selectFrom('audit_event')
    .selectAll()
    .where('study_id', '=', studyId)
    .where((eb) =>
      eb.or([
        eb.and([eb('entity_type', '=', 'participant'), eb('entity_id', '=', participantId)]),
        eb(eb.ref('context', '->>').key('participantId'), '=', participantId),
      ]),
    )
    .orderBy('seq')
    .execute();
}

export async function loadCasebook(
  db: Db,
  studyId: string,
  participant: ParticipantRow,
): Promise<CasebookSource> {
  const id = participant.participant_id;
  const [
    protocols,
    site,
    records,
    sdv,
    queries,
    signatures,
    consents,
    doses,
    adverseEvents,
    audit,
    ruleContext,
  ] = await Promise.all([
    siteProtocols(db, studyId),
    db
      .selectFrom('site')
      .select(['code', 'name', 'time_zone'])
      .where('study_id', '=', studyId)
      .where('site_id', '=', participant.site_id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('form_record')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('participant_id', '=', id)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('field_sdv as s')
      .innerJoin('form_record as r', (join) =>
        join.onRef('r.study_id', '=', 's.study_id').onRef('r.record_id', '=', 's.record_id'),
      )
      .selectAll('s')
      .where('s.study_id', '=', studyId)
      .where('r.participant_id', '=', id)
      .execute(),
    db
      .selectFrom('data_query')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('participant_id', '=', id)
      .orderBy('raised_at')
      .execute(),
    db
      .selectFrom('signature')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('participant_id', '=', id)
      .orderBy('signed_at')
      .execute(),
    db
      .selectFrom('consent')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('participant_id', '=', id)
      .orderBy('consented_at')
      .execute(),
    db
      .selectFrom('dosing_administration')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('participant_id', '=', id)
      .orderBy('dose_number')
      .execute(),
    db
      .selectFrom('adverse_event')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('participant_id', '=', id)
      .orderBy('ae_number')
      .execute(),
    auditOf(db, studyId, id),
    participantValues(db, studyId, id),
  ]);
  const [idNames, labelNames] = await Promise.all([
    namesById(db, studyId, [
      ...consents.map((consent) => consent.obtained_by),
      ...audit.flatMap((event) => (event.actor_id ? [event.actor_id] : [])),
    ]),
    namesByLabel(
      db,
      studyId,
      audit.map((event) => event.actor_label),
    ),
  ]);
  const version = protocols.forSite(participant.site_id);
  return {
    protocol: version.protocol,
    protocolVersion: version.versionNo,
    versionOf: (record) => protocols.byNumber(record.protocol_version),
    allVersions: protocols.union(),
    participant,
    site: { code: site.code, name: site.name as { en: string; zh: string }, timeZone: site.time_zone },
    records,
    sdv,
    queries,
    signatures,
    consents: consents.map((consent) => ({
      ...consent,
      obtainedByName: idNames.get(consent.obtained_by) ?? consent.obtained_by,
    })),
    doses,
    adverseEvents,
    ruleContext,
    audit: audit.map((event) => ({
      ...event,
      personName:
        (event.actor_id && idNames.get(event.actor_id)) ||
        labelNames.get(event.actor_label) ||
        event.actor_label,
    })),
  };
}
