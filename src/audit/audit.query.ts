import { type ExpressionBuilder, sql } from 'kysely';
import type { UserView } from '../auth/auth.schema.ts';
import { namesById } from '../auth/user-names.ts';
import type { Database, Db } from '../db/connection.ts';
import type { Schema } from '../db/schema.ts';
import { authorize, studyWideRoles } from '../kernel/permissions.ts';
import type { AuditEventView, AuditPage, AuditQuery } from './audit-query.schema.ts';
import { AuditChainVerifier, type StoredAuditEvent, type VerifyResult } from './verify.ts';

type AuditExpression = ExpressionBuilder<Schema, 'audit_event'>;

const likeEscape = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);
const startOf = (value: string) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
const endOf = (value: string) =>
  value.length === 10 ? new Date(new Date(`${value}T00:00:00Z`).getTime() + 86_400_000) : new Date(value);
const siteOf = sql<string>`context->>'siteId'`;

/**
 * Events that belong to one of the sites: marked with `context.siteId`, or about a participant of
 * the site (the participant itself, or a record whose `context.participantId` names one).
 */
function ofSites(eb: AuditExpression, studyId: string, siteIds: string[]) {
  const participantsOfSites = eb
    .selectFrom('participant')
    // participant_id is a uuid, entity ids are text.
    .select(sql<string>`participant.participant_id::text`.as('participant_id'))
    .where('participant.study_id', '=', studyId)
    .where('participant.site_id', 'in', siteIds);
  return eb.or([
    eb(siteOf, 'in', siteIds),
    eb.and([eb('entity_type', '=', 'participant'), eb('entity_id', 'in', participantsOfSites)]),
    eb(sql<string>`context->>'participantId'`, 'in', participantsOfSites),
  ]);
}

/**
 * The WHERE clause of a filtered trail. Readers bound to sites see only events of their sites
 * (see `ofSites`).
 */
function matching(studyId: string, query: AuditQuery, reader: UserView) {
  return (eb: AuditExpression) => {
    const conditions = [eb('study_id', '=', studyId)];
    if (query.entityType) conditions.push(eb('entity_type', '=', query.entityType));
    if (query.entityId) conditions.push(eb('entity_id', '=', query.entityId));
    if (query.participantId) {
      conditions.push(
        eb.or([
          eb.and([eb('entity_type', '=', 'participant'), eb('entity_id', '=', query.participantId)]),
          eb(sql<string>`context->>'participantId'`, '=', query.participantId),
        ]),
      );
    }
    if (query.actor) {
      conditions.push(
        eb.or([
          eb('actor_id', '=', query.actor),
          eb(eb.fn('lower', ['actor_label']), '=', query.actor.toLowerCase()),
          eb(eb.fn('lower', ['actor_label']), 'like', `${likeEscape(query.actor.toLowerCase())} (token %`),
        ]),
      );
    }
    if (query.action?.endsWith('.*')) {
      conditions.push(eb('action', 'like', `${likeEscape(query.action.slice(0, -1))}%`));
    } else if (query.action) {
      conditions.push(eb('action', '=', query.action));
    }
    if (query.from) conditions.push(eb('occurred_at', '>=', startOf(query.from)));
    if (query.to) conditions.push(eb('occurred_at', '<', endOf(query.to)));
    if (query.siteId) conditions.push(ofSites(eb, studyId, [query.siteId]));
    if (!reader.roles.some((role) => studyWideRoles.has(role))) {
      conditions.push(reader.siteIds.length > 0 ? ofSites(eb, studyId, reader.siteIds) : eb.lit(false));
    }
    return eb.and(conditions);
  };
}

export function toEventView(
  row: StoredAuditEvent,
  names: Map<string, string> = new Map(),
): Omit<AuditEventView, 'protocolVersion'> {
  return {
    seq: Number(row.seq),
    eventId: row.event_id,
    occurredAt: new Date(row.occurred_at).toISOString(),
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    actorName: (row.actor_id && names.get(row.actor_id)) ?? null,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    field: row.field,
    oldValue: row.old_value ?? null,
    newValue: row.new_value ?? null,
    reason: row.reason,
    context: row.context ?? null,
  };
}

/** One page of the trail, newest first. */
export async function listAuditEvents(
  db: Db,
  studyId: string,
  query: AuditQuery,
  reader: UserView,
): Promise<AuditPage> {
  if (query.siteId) authorize(reader, 'audit.read', { siteId: query.siteId });
  const where = matching(studyId, query, reader);
  let page = db.selectFrom('audit_event').selectAll().where(where);
  if (query.beforeSeq) page = page.where('seq', '<', query.beforeSeq);
  const [rows, count] = await Promise.all([
    page
      .orderBy('seq', 'desc')
      .limit(query.limit + 1)
      .execute(),
    db
      .selectFrom('audit_event')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where(where)
      .executeTakeFirstOrThrow(),
  ]);
  const shown = rows.slice(0, query.limit);
  const names = await namesById(
    db,
    studyId,
    shown.flatMap((row) => (row.actor_id ? [row.actor_id] : [])),
  );
  const versions = await enteredVersions(db, studyId, shown);
  const events = shown.map((row) => ({
    ...toEventView(row, names),
    protocolVersion: versions.get(row.entity_id) ?? null,
  }));
  const last = events.at(-1);
  return {
    events,
    total: Number(count.count),
    nextBeforeSeq: rows.length > query.limit && last ? last.seq : null,
  };
}

/**
 * The protocol version each form record or adverse event among these events was entered under, so
 * the trail names a field as that version does (even one a later amendment removed).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function enteredVersions(db: Db, studyId: string, rows: StoredAuditEvent[]) {
  const idsOf = (type: string) => [
    ...new Set(
      rows.filter((row) => row.entity_type === type && UUID.test(row.entity_id)).map((row) => row.entity_id),
    ),
  ];
  const records = idsOf('form_record');
  const events = idsOf('adverse_event');
  const [recordVersions, eventVersions] = await Promise.all([
    records.length === 0
      ? []
      : db
          .selectFrom('form_record')
          .select(['record_id as id', 'protocol_version'])
          .where('study_id', '=', studyId)
          .where('record_id', 'in', records)
          .execute(),
    events.length === 0
      ? []
      : db
          .selectFrom('adverse_event')
          .select(['ae_id as id', 'protocol_version'])
          .where('study_id', '=', studyId)
          .where('ae_id', 'in', events)
          .execute(),
  ]);
  return new Map([...recordVersions, ...eventVersions].map((row) => [row.id, row.protocol_version]));
}

const PAGE = 1000;

/** Every event of the study in seq order, a page at a time (for export and verification). */
export async function* auditEventPages(
  database: Database,
  studyId: string,
): AsyncGenerator<StoredAuditEvent[]> {
  let after = 0;
  for (;;) {
    const rows = await database.read((db) =>
      db
        .selectFrom('audit_event')
        .selectAll()
        .where('study_id', '=', studyId)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(PAGE)
        .execute(),
    );
    if (rows.length === 0) return;
    yield rows as StoredAuditEvent[];
    after = Number(rows.at(-1)?.seq ?? after);
    if (rows.length < PAGE) return;
  }
}

/** Recomputes a study's whole chain from the database. */
export async function verifyStudyChain(database: Database, studyId: string): Promise<VerifyResult> {
  const verifier = new AuditChainVerifier();
  pages: for await (const rows of auditEventPages(database, studyId)) {
    for (const row of rows) if (!verifier.add(row)) break pages;
  }
  const head = await database.read((db) =>
    db
      .selectFrom('audit_chain_head')
      .select(['seq', 'hash'])
      .where('study_id', '=', studyId)
      .executeTakeFirst(),
  );
  return verifier.finish(head ?? null);
}
