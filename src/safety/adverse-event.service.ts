import { randomUUID } from 'node:crypto';
import type { AuditInput } from '../audit/audit.schema.ts';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import { codeAdverseEventTerm } from '../coding/verbatim-sources.ts';
import { type Entries, type FieldInput, isBlank, sameEntry } from '../crf/entries.ts';
import { checkForm, type SoftFailure } from '../crf/form-checks.ts';
import { syncEditCheckQueries } from '../crf/query.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize, canAccessSite } from '../kernel/permissions.ts';
import { reconsentWarning } from '../participants/reconsent.queries.ts';
import { writableParticipant } from '../participants/writable.ts';
import type { AdverseEventItemRole, Protocol } from '../protocol/schema.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import {
  type AdverseEventRow,
  aeForm,
  aeQueryTarget,
  siteZones,
  toAdverseEventView,
  viewContext,
} from './adverse-event.views.ts';
import { aeItemId, ruleValues } from './ae-summary.ts';
import { parseClinicalTime } from './clocks.ts';
import { applyStoppingRules } from './pause.service.ts';
import type {
  AdverseEventView,
  CreateAdverseEventRequest,
  UpdateAdverseEventRequest,
} from './safety.schema.ts';
import { notifyAdverseEvent } from './safety-notifications.ts';

type SaveResult = AdverseEventView & {
  warnings: SoftFailure[];
  trippedRules: string[];
  reconsent: Awaited<ReturnType<typeof reconsentWarning>>;
};

/** Items only an investigator (or the safety officer) may judge: causality and expectedness. */
/** The meanings only an investigator assesses (`safety.assess`); the rest anyone reporting may enter. */
const ASSESSED_ROLES: readonly AdverseEventItemRole[] = ['causality', 'expected'];

export async function findAdverseEvent(db: Db, studyId: string, aeId: string, forUpdate = false) {
  let query = db
    .selectFrom('adverse_event')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('ae_id', '=', aeId);
  if (forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound(`Adverse event ${aeId}`);
  return row;
}

async function viewOne(db: Db, studyId: string, row: AdverseEventRow): Promise<AdverseEventView> {
  const { protocol } = await protocolVersion(db, studyId, row.protocol_version);
  return toAdverseEventView(row, await viewContext(db, studyId, [row], protocol));
}

export async function getAdverseEvent(
  db: Db,
  studyId: string,
  caller: Caller,
  aeId: string,
): Promise<AdverseEventView> {
  const row = await findAdverseEvent(db, studyId, aeId);
  authorize(caller.user, 'safety.read', { siteId: row.site_id });
  return viewOne(db, studyId, row);
}

export async function listAdverseEvents(
  db: Db,
  studyId: string,
  caller: Caller,
  filter: {
    participantId?: string;
    serious?: 'true' | 'false';
    related?: 'true' | 'false' | 'not-assessed';
    grade?: number;
    limit: number;
    offset: number;
  },
): Promise<{ items: AdverseEventView[]; total: number }> {
  authorize(caller.user, 'safety.read');
  let query = db.selectFrom('adverse_event').selectAll().where('study_id', '=', studyId);
  if (filter.participantId) query = query.where('participant_id', '=', filter.participantId);
  const rows = (await query.orderBy('created_at', 'desc').execute()).filter((row) =>
    canAccessSite(caller.user, row.site_id),
  );
  const context = await viewContext(db, studyId, rows);
  const views = rows
    .map((row) => toAdverseEventView(row, context))
    .filter(
      (view) =>
        (filter.serious === undefined || String(view.summary.serious === true) === filter.serious) &&
        (filter.grade === undefined || view.summary.grade === filter.grade) &&
        (filter.related === undefined ||
          (filter.related === 'not-assessed'
            ? view.summary.related === null
            : view.summary.related === (filter.related === 'true'))),
    );
  return { items: views.slice(filter.offset, filter.offset + filter.limit), total: views.length };
}

/**
 * The form's checks plus what reporting needs: a serious event carries the time the site became aware
 * (its clocks start there), which cannot be in the future, and neither can the onset.
 */
function checkEvent(protocol: Protocol, merged: Record<string, FieldInput>, timeZone: string) {
  const check = checkForm(protocol, aeForm(protocol), merged);
  if (check.hard.length > 0) {
    throw validationFailed(
      check.hard.map((problem) => ({
        field: problem.item,
        message: problem.message.en,
        messages: problem.message,
      })),
      'Some values cannot be saved; nothing was saved.',
    );
  }
  const problems: Array<{ field: string; message: string }> = [];
  const now = Date.now() + 60_000;
  const times = (['onsetAt', 'awareAt', 'resolvedAt'] as const).flatMap(
    (role) => aeItemId(protocol, role) ?? [],
  );
  for (const item of times) {
    const value = merged[item]?.value;
    if (typeof value !== 'string') continue;
    const at = parseClinicalTime(value, timeZone);
    if (at && at.getTime() > now) problems.push({ field: item, message: `${item} cannot be in the future.` });
  }
  const serious = aeItemId(protocol, 'serious');
  const awareAt = aeItemId(protocol, 'awareAt') ?? '';
  if (serious !== undefined && merged[serious]?.value === true && isBlank(merged[awareAt])) {
    problems.push({
      field: awareAt,
      message:
        'A serious event needs the time the site became aware of it: the reporting clocks start there.',
    });
  }
  if (problems.length > 0) throw validationFailed(problems);
  return check;
}

function requireAssessmentRight(protocol: Protocol, caller: Caller, changed: string[], siteId: string): void {
  const assessedItems = new Set(ASSESSED_ROLES.flatMap((role) => aeItemId(protocol, role) ?? []));
  const assessed = changed.filter((item) => assessedItems.has(item));
  if (assessed.length > 0) authorize(caller.user, 'safety.assess', { siteId });
  if (changed.some((item) => !assessedItems.has(item))) authorize(caller.user, 'safety.report', { siteId });
}

export async function createAdverseEvent(
  database: Database,
  studyId: string,
  caller: Caller,
  participantId: string,
  request: CreateAdverseEventRequest,
): Promise<SaveResult> {
  return database.transaction((trx) => createAdverseEventIn(trx, studyId, caller, participantId, request));
}

/** `createAdverseEvent` in a transaction the caller holds (a laboratory proposal accepted with it). */
export async function createAdverseEventIn(
  trx: Tx,
  studyId: string,
  caller: Caller,
  participantId: string,
  request: CreateAdverseEventRequest,
): Promise<SaveResult> {
  const participant = await writableParticipant(trx, studyId, participantId, {
    caller,
    permission: 'safety.report',
  });
  if (!participant.consented) {
    throw conflict(`No informed consent is recorded for ${participant.screening_number}.`);
  }
  const { protocol, versionNo } = await protocolVersion(trx, studyId, participant.currentProtocolVersion);
  const zones = await siteZones(trx, studyId);
  const changed = Object.keys(request.entries).filter((item) => !isBlank(request.entries[item]));
  requireAssessmentRight(protocol, caller, changed, participant.site_id);
  const check = checkEvent(
    protocol,
    request.entries,
    zones.get(participant.site_id) ?? protocol.study.timeZone,
  );
  if (request.administrationId)
    await assertAdministration(trx, studyId, participantId, request.administrationId);
  const last = await trx
    .selectFrom('adverse_event')
    .select((eb) => eb.fn.max('ae_number').as('last'))
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .executeTakeFirst();
  const entries: Entries = {};
  for (const item of changed) entries[item] = storedEntry(request.entries[item], 1);
  const now = new Date();
  const row = await trx
    .insertInto('adverse_event')
    .values({
      study_id: studyId,
      ae_id: randomUUID(),
      participant_id: participantId,
      site_id: participant.site_id,
      ae_number: Number(last?.last ?? 0) + 1,
      entries: JSON.stringify(entries),
      term_code: request.termCode ?? null,
      administration_id: request.administrationId ?? null,
      protocol_version: versionNo,
      created_at: now,
      created_by: caller.actor.label,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const label = `AE ${row.ae_number} of ${participant.study_number ?? participant.screening_number}`;
  await recordParticipantAudit(trx, studyId, caller.actor, participant, [
    {
      action: 'safety.ae.create',
      entityType: 'adverse_event',
      entityId: row.ae_id,
      newValue: { participantId, number: row.ae_number, administrationId: row.administration_id },
    },
    ...changed.map(
      (item): AuditInput => ({
        action: 'safety.ae.value.enter',
        entityType: 'adverse_event',
        entityId: row.ae_id,
        field: `AE${row.ae_number}.${item}`,
        newValue: entries[item] ?? null,
      }),
    ),
    ...(row.term_code
      ? [
          {
            action: 'safety.ae.value.enter',
            entityType: 'adverse_event',
            entityId: row.ae_id,
            field: `AE${row.ae_number}.termCode`,
            newValue: row.term_code,
          } satisfies AuditInput,
        ]
      : []),
  ]);
  await syncEditCheckQueries(trx, studyId, caller, aeQueryTarget(protocol, row), check.soft);
  await codeAdverseEventTerm(trx, studyId, caller.actor, row, aeItemId(protocol, 'term'));
  const trippedRules = await applyStoppingRules(trx, studyId, caller, protocol, {
    aeId: row.ae_id,
    participantId,
    values: ruleValues(protocol, entries),
    label,
  });
  const view = await viewOne(trx, studyId, row);
  await notifyAdverseEvent(trx, studyId, caller, view);
  return {
    ...view,
    warnings: check.soft,
    trippedRules,
    reconsent: await reconsentWarning(trx, studyId, participant),
  };
}

export async function updateAdverseEvent(
  database: Database,
  studyId: string,
  caller: Caller,
  aeId: string,
  request: UpdateAdverseEventRequest,
): Promise<SaveResult> {
  return database.transaction(async (trx) => {
    const existing = await findAdverseEvent(trx, studyId, aeId);
    authorize(caller.user, 'safety.read', { siteId: existing.site_id });
    const participant = await writableParticipant(trx, studyId, existing.participant_id);
    const row = await findAdverseEvent(trx, studyId, aeId, true);
    const { protocol } = await protocolVersion(trx, studyId, row.protocol_version);
    if (row.version !== request.version) {
      throw conflict(
        `This adverse event was changed by someone else (now version ${row.version}, yours ${request.version}).`,
        {
          current: await viewOne(trx, studyId, row),
        },
      );
    }
    const old = row.entries as Entries;
    const merged: Record<string, FieldInput> = { ...old, ...request.entries };
    const changed = Object.keys(merged).filter((item) => !sameEntry(old[item], merged[item]));
    const termCodeChanged = request.termCode !== undefined && (request.termCode || null) !== row.term_code;
    requireAssessmentRight(
      protocol,
      caller,
      termCodeChanged ? [...changed, 'termCode'] : changed,
      row.site_id,
    );
    const zones = await siteZones(trx, studyId);
    const check = checkEvent(protocol, merged, zones.get(row.site_id) ?? protocol.study.timeZone);
    const revised = changed.filter((item) => !isBlank(old[item]));
    if ((revised.length > 0 || (termCodeChanged && row.term_code)) && !request.reason) {
      throw validationFailed([
        {
          field: 'reason',
          message: `Give a reason for changing ${[...revised, ...(termCodeChanged && row.term_code ? ['termCode'] : [])].join(', ')}, which had been saved before.`,
        },
      ]);
    }
    const reconsent = await reconsentWarning(trx, studyId, participant);
    if (changed.length === 0 && !termCodeChanged) {
      return { ...(await viewOne(trx, studyId, row)), warnings: check.soft, trippedRules: [], reconsent };
    }
    const entries: Entries = { ...old };
    for (const item of changed) entries[item] = storedEntry(merged[item], (old[item]?.revision ?? 0) + 1);
    const updated = await trx
      .updateTable('adverse_event')
      .set((eb) => ({
        entries: JSON.stringify(entries),
        term_code: termCodeChanged ? request.termCode || null : row.term_code,
        updated_at: new Date(),
        version: eb('version', '+', 1),
      }))
      .where('study_id', '=', studyId)
      .where('ae_id', '=', aeId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordParticipantAudit(trx, studyId, caller.actor, row, [
      ...changed.map(
        (item): AuditInput => ({
          action: isBlank(old[item]) ? 'safety.ae.value.enter' : 'safety.ae.value.change',
          entityType: 'adverse_event',
          entityId: aeId,
          field: `AE${row.ae_number}.${item}`,
          oldValue: old[item] ?? null,
          newValue: entries[item] ?? null,
          reason: isBlank(old[item]) ? undefined : request.reason,
        }),
      ),
      ...(termCodeChanged
        ? [
            {
              action: 'safety.ae.value.change',
              entityType: 'adverse_event',
              entityId: aeId,
              field: `AE${row.ae_number}.termCode`,
              oldValue: row.term_code,
              newValue: updated.term_code,
              reason: request.reason,
            } satisfies AuditInput,
          ]
        : []),
    ]);
    await syncEditCheckQueries(trx, studyId, caller, aeQueryTarget(protocol, updated), check.soft);
    await codeAdverseEventTerm(trx, studyId, caller.actor, updated, aeItemId(protocol, 'term'));
    const trippedRules = await applyStoppingRules(trx, studyId, caller, protocol, {
      aeId,
      participantId: row.participant_id,
      values: ruleValues(protocol, entries),
      label: `AE ${row.ae_number} of ${participant.study_number ?? participant.screening_number}`,
    });
    const view = await viewOne(trx, studyId, updated);
    await notifyAdverseEvent(trx, studyId, caller, view);
    return { ...view, warnings: check.soft, trippedRules, reconsent };
  });
}

function storedEntry(input: FieldInput | undefined, revision: number) {
  return {
    value: input?.missing ? null : (input?.value ?? null),
    ...(input?.missing ? { missing: input.missing, missingReason: input.missingReason } : {}),
    revision,
  };
}

async function assertAdministration(
  trx: Tx,
  studyId: string,
  participantId: string,
  administrationId: string,
) {
  const administration = await trx
    .selectFrom('dosing_administration')
    .select(['participant_id'])
    .where('study_id', '=', studyId)
    .where('administration_id', '=', administrationId)
    .executeTakeFirst();
  if (!administration || administration.participant_id !== participantId) {
    throw validationFailed([{ field: 'administrationId', message: "Not a dose of this participant's." }]);
  }
}
