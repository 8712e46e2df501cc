import { randomUUID } from 'node:crypto';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize, studyWideRoles } from '../kernel/permissions.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import type { QueryView } from './crf.schema.ts';
import type { SoftFailure } from './form-checks.ts';
import { type FormRecordRow, findRecordById, toQueryViews } from './form-record.queries.ts';
import { notifyQuery } from './query-notifications.ts';

type Message = { at: string; by: string; kind: string; text: string };
/**
 * What a query is raised on: a form record, or a record that holds a form's items outside a visit (an
 * adverse event: its id as record_id, the form adverseEvent, `AE n` in place of the visit).
 */
export type QueryTarget = Pick<
  FormRecordRow,
  'record_id' | 'participant_id' | 'site_id' | 'visit_id' | 'form_id'
>;

const message = (by: string, kind: string, text: string): Message => ({
  at: new Date().toISOString(),
  by,
  kind,
  text,
});

/**
 * After a save: a failing soft check opens a query (once per check), and an edit-check query whose
 * check now passes is closed by the system, with a note in its thread.
 */
export async function syncEditCheckQueries(
  trx: Tx,
  studyId: string,
  caller: Caller,
  record: QueryTarget,
  failures: SoftFailure[],
  options: { created?: boolean } = {},
): Promise<void> {
  // A record created in this transaction has no queries yet.
  const existing = options.created
    ? []
    : await trx
        .selectFrom('data_query')
        .selectAll()
        .where('study_id', '=', studyId)
        .where('record_id', '=', record.record_id)
        .where('origin', '=', 'edit_check')
        .where('status', '!=', 'closed')
        .execute();
  const failing = new Set(failures.map((failure) => failure.checkKey));
  const now = new Date();
  for (const query of existing) {
    if (query.check_key && failing.has(query.check_key)) continue;
    const messages = [
      ...(query.messages as Message[]),
      message('system', 'close', 'The edit check passes after the correction.'),
    ];
    await trx
      .updateTable('data_query')
      .set((eb) => ({
        status: 'closed',
        messages: JSON.stringify(messages),
        updated_at: now,
        version: eb('version', '+', 1),
      }))
      .where('study_id', '=', studyId)
      .where('query_id', '=', query.query_id)
      .execute();
    await recordParticipantAudit(trx, studyId, caller.actor, query, {
      action: 'query.close',
      entityType: 'query',
      entityId: query.query_id,
      field: 'status',
      oldValue: query.status,
      newValue: 'closed',
      reason: 'edit check passes',
    });
  }
  const open = new Set(existing.map((query) => query.check_key));
  for (const failure of failures) {
    if (open.has(failure.checkKey)) continue;
    await insertQuery(trx, studyId, caller, record, {
      itemId: failure.item,
      origin: 'edit_check',
      checkKey: failure.checkKey,
      text: `${failure.message.en} / ${failure.message.zh}`,
      by: 'system',
    });
  }
}

async function insertQuery(
  trx: Tx,
  studyId: string,
  caller: Caller,
  record: QueryTarget,
  query: {
    itemId: string;
    origin: 'edit_check' | 'manual';
    checkKey: string | null;
    text: string;
    by: string;
  },
): Promise<string> {
  const queryId = randomUUID();
  const now = new Date();
  await trx
    .insertInto('data_query')
    .values({
      study_id: studyId,
      query_id: queryId,
      record_id: record.record_id,
      participant_id: record.participant_id,
      site_id: record.site_id,
      visit_id: record.visit_id,
      form_id: record.form_id,
      item_id: query.itemId,
      origin: query.origin,
      check_key: query.checkKey,
      status: 'open',
      messages: JSON.stringify([message(query.by, 'raise', query.text)]),
      raised_by: query.by,
      raised_at: now,
      updated_at: now,
    })
    .execute();
  await recordParticipantAudit(trx, studyId, caller.actor, record, {
    action: 'query.raise',
    entityType: 'query',
    entityId: queryId,
    newValue: { recordId: record.record_id, itemId: query.itemId, origin: query.origin, text: query.text },
  });
  return queryId;
}

/** An adverse event as a query target: its id, the adverseEvent form, `AE n` in place of a visit. */
export function adverseEventTarget(
  event: { ae_id: string; participant_id: string; site_id: string; ae_number: number },
  /** The protocol's adverse-event form (`safety.adverseEvents.form`), whose items the event holds. */
  formId: string,
): QueryTarget {
  return {
    record_id: event.ae_id,
    participant_id: event.participant_id,
    site_id: event.site_id,
    visit_id: `AE ${event.ae_number}`,
    form_id: formId,
  };
}

/** A form record, or an adverse event (which holds the items of the protocol's adverse-event form), to raise a query on. */
async function queryable(trx: Tx, studyId: string, recordId: string) {
  const record = await findRecordById(trx, studyId, recordId);
  if (record) return record;
  if (!/^[0-9a-f-]{36}$/i.test(recordId)) return undefined;
  const event = await trx
    .selectFrom('adverse_event')
    .select(['ae_id', 'participant_id', 'site_id', 'ae_number', 'entries', 'protocol_version'])
    .where('study_id', '=', studyId)
    .where('ae_id', '=', recordId)
    .executeTakeFirst();
  if (!event) return undefined;
  const { protocol } = await protocolVersion(trx, studyId, event.protocol_version);
  return { ...adverseEventTarget(event, protocol.safety.adverseEvents.form), entries: event.entries };
}

/** A monitor or data manager raises a query on a field (of a form record or an adverse event). */
export async function raiseQuery(
  database: Database,
  studyId: string,
  caller: Caller,
  input: { recordId: string; itemId: string; text: string },
): Promise<QueryView> {
  return database.transaction(async (trx) =>
    getQuery(trx, studyId, await raiseQueryIn(trx, studyId, caller, input)),
  );
}

/** `raiseQuery` in the caller's transaction (a coder's query commits with the coding item it holds); returns its id. */
export async function raiseQueryIn(
  trx: Tx,
  studyId: string,
  caller: Caller,
  input: { recordId: string; itemId: string; text: string },
): Promise<string> {
  const record = await queryable(trx, studyId, input.recordId);
  if (!record) throw notFound(`Form record or adverse event ${input.recordId}`);
  authorize(caller.user, 'query.raise', { siteId: record.site_id });
  if (!(input.itemId in (record.entries as Record<string, unknown>))) {
    throw validationFailed([{ field: 'itemId', message: `The form has no saved item ${input.itemId}.` }]);
  }
  const queryId = await insertQuery(trx, studyId, caller, record, {
    itemId: input.itemId,
    origin: 'manual',
    checkKey: null,
    text: input.text,
    by: caller.user.name,
  });
  await notifyQuery(trx, studyId, caller, 'opened', {
    queryId,
    participantId: record.participant_id,
    siteId: record.site_id,
    visitId: record.visit_id,
    formId: record.form_id,
    itemId: input.itemId,
    text: input.text,
    version: 1,
  });
  return queryId;
}

async function getQuery(db: Db, studyId: string, queryId: string): Promise<QueryView> {
  const row = /^[0-9a-f-]{36}$/i.test(queryId)
    ? await db
        .selectFrom('data_query')
        .selectAll()
        .where('study_id', '=', studyId)
        .where('query_id', '=', queryId)
        .executeTakeFirst()
    : undefined;
  if (!row) throw notFound(`Query ${queryId}`);
  const [view] = await toQueryViews(db, studyId, [row]);
  return view as QueryView;
}

const transitions = {
  answer: { permission: 'query.answer', from: ['open'], to: 'answered' },
  close: { permission: 'query.close', from: ['open', 'answered'], to: 'closed' },
  reopen: { permission: 'query.raise', from: ['answered', 'closed'], to: 'open' },
} as const;

/** Site staff answer; monitors and data managers close or re-open. Each step adds to the thread. */
export async function actOnQuery(
  database: Database,
  studyId: string,
  caller: Caller,
  queryId: string,
  action: keyof typeof transitions,
  input: { text: string; version: number },
): Promise<QueryView> {
  const rule = transitions[action];
  return database.transaction(async (trx) => {
    const row = /^[0-9a-f-]{36}$/i.test(queryId)
      ? await trx
          .selectFrom('data_query')
          .selectAll()
          .where('study_id', '=', studyId)
          .where('query_id', '=', queryId)
          .forUpdate()
          .executeTakeFirst()
      : undefined;
    if (!row) throw notFound(`Query ${queryId}`);
    authorize(caller.user, rule.permission, { siteId: row.site_id });
    if (row.version !== input.version) {
      throw conflict(`The query changed since you loaded it (now version ${row.version}).`, {
        current: (await toQueryViews(trx, studyId, [row]))[0],
      });
    }
    if (!(rule.from as readonly string[]).includes(row.status)) {
      throw conflict(
        `A query that is ${row.status} cannot be ${action === 'reopen' ? 're-opened' : `${action}ed`}.`,
      );
    }
    const messages = [...(row.messages as Message[]), message(caller.user.name, action, input.text)];
    await trx
      .updateTable('data_query')
      .set((eb) => ({
        status: rule.to,
        messages: JSON.stringify(messages),
        updated_at: new Date(),
        version: eb('version', '+', 1),
      }))
      .where('study_id', '=', studyId)
      .where('query_id', '=', queryId)
      .execute();
    await recordParticipantAudit(trx, studyId, caller.actor, row, {
      action: `query.${action}`,
      entityType: 'query',
      entityId: queryId,
      field: 'status',
      oldValue: row.status,
      newValue: rule.to,
      reason: input.text,
    });
    if (action !== 'close') {
      await notifyQuery(trx, studyId, caller, action === 'answer' ? 'answered' : 'opened', {
        queryId,
        participantId: row.participant_id,
        siteId: row.site_id,
        visitId: row.visit_id,
        formId: row.form_id,
        itemId: row.item_id,
        text: input.text,
        version: row.version + 1,
      });
    }
    return getQuery(trx, studyId, queryId);
  });
}

/** The query inbox, limited to the caller's sites; with counts per status. */
export async function listQueries(
  db: Db,
  studyId: string,
  caller: Caller,
  filter: {
    status?: 'open' | 'answered' | 'closed';
    siteId?: string;
    participantId?: string;
    formId?: string;
    limit: number;
    offset: number;
  },
): Promise<{ items: QueryView[]; total: number }> {
  authorize(caller.user, 'crf.read', filter.siteId ? { siteId: filter.siteId } : undefined);
  let query = db.selectFrom('data_query').where('study_id', '=', studyId);
  if (!caller.user.roles.some((role) => studyWideRoles.has(role))) {
    query = query.where('site_id', 'in', caller.user.siteIds.length ? caller.user.siteIds : ['']);
  }
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.siteId) query = query.where('site_id', '=', filter.siteId);
  if (filter.participantId) query = query.where('participant_id', '=', filter.participantId);
  if (filter.formId) query = query.where('form_id', '=', filter.formId);
  const [rows, count] = await Promise.all([
    query.selectAll().orderBy('raised_at', 'desc').limit(filter.limit).offset(filter.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items: await toQueryViews(db, studyId, rows), total: Number(count.total) };
}
