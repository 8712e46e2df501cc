import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { recordAudit } from '../audit/audit.service.ts';
import { namesByLabel } from '../auth/user-names.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { DosingPauseTable } from '../db/schema-safety.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import type { Localized } from '../notifications/messages.ts';
import type { Protocol } from '../protocol/schema.ts';
import { ruleValues } from './ae-summary.ts';
import type { PauseView } from './safety.schema.ts';
import { notifyPause, notifyResume } from './safety-notifications.ts';
import { evaluateEventRule, evaluateRateRule, type RuleEvent } from './stopping-rules.ts';

type PauseRow = Selectable<DosingPauseTable>;

/** A pause as the API shows it; `names` gives the people's names by actor label (see `pauseViews`). */
const toPauseView = (row: PauseRow, names: ReadonlyMap<string, string>): PauseView => ({
  pauseId: row.pause_id,
  ruleId: row.rule_id,
  aeId: row.ae_id,
  reason: row.reason,
  trigger: (row.trigger as Record<string, unknown> | null) ?? null,
  pausedAt: new Date(row.paused_at).toISOString(),
  pausedBy: row.paused_by,
  pausedByName: names.get(row.paused_by) ?? row.paused_by,
  resumedAt: row.resumed_at ? new Date(row.resumed_at).toISOString() : null,
  resumedBy: row.resumed_by,
  resumedByName: row.resumed_by ? (names.get(row.resumed_by) ?? row.resumed_by) : null,
  resumeReason: row.resume_reason,
  version: row.version,
});

/** Pauses as the API shows them, with the names of who paused and who resumed (not their sign-in labels). */
export async function pauseViews(db: Db, studyId: string, rows: PauseRow[]): Promise<PauseView[]> {
  const labels = rows.flatMap((row) => (row.resumed_by ? [row.paused_by, row.resumed_by] : [row.paused_by]));
  const names = await namesByLabel(db, studyId, labels);
  return rows.map((row) => toPauseView(row, names));
}

const pauseView = async (db: Db, studyId: string, row: PauseRow): Promise<PauseView> => {
  const [view] = await pauseViews(db, studyId, [row]);
  if (!view) throw new Error('a pause view is missing');
  return view;
};

export async function openPauses(db: Db, studyId: string): Promise<PauseRow[]> {
  return db
    .selectFrom('dosing_pause')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('resumed_at', 'is', null)
    .orderBy('paused_at')
    .execute();
}

/**
 * Why dosing is paused study-wide, or null when it may go on. For the modules that dispense and
 * administer the product: call it inside your transaction (pass `trx`) and refuse with 409 and this
 * text when it is not null. A pause ends only when the safety officer resumes it.
 */
export async function dosingPauseReason(db: Db, studyId: string): Promise<string | null> {
  const pauses = await openPauses(db, studyId);
  if (pauses.length === 0) return null;
  const reasons = pauses.map(
    (pause) =>
      `since ${new Date(pause.paused_at).toISOString().slice(0, 16).replace('T', ' ')} UTC: ${pause.reason}`,
  );
  return `Dosing is paused study-wide until the safety officer resumes it (${reasons.join('; ')}).`;
}

/** Throws 409 with the reason when dosing is paused. */
export async function assertDosingAllowed(db: Db, studyId: string): Promise<void> {
  const reason = await dosingPauseReason(db, studyId);
  if (reason) throw conflict(reason, { dosingPaused: true });
}

/** Participants who received at least one dose (completed or interrupted), in the order of their first. */
export async function safetyPopulation(db: Db, studyId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('dosing_administration')
    .select(['participant_id'])
    .select((eb) => eb.fn.min('started_at').as('first_dose'))
    .where('study_id', '=', studyId)
    .where('status', '!=', 'not-given')
    .groupBy('participant_id')
    .orderBy('first_dose')
    .orderBy('participant_id')
    .execute();
  return rows.map((row) => row.participant_id);
}

export async function ruleEvents(db: Db, studyId: string, protocol: Protocol): Promise<RuleEvent[]> {
  const rows = await db
    .selectFrom('adverse_event')
    .select(['ae_id', 'participant_id', 'entries'])
    .where('study_id', '=', studyId)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({
    aeId: row.ae_id,
    participantId: row.participant_id,
    values: ruleValues(protocol, row.entries as never),
  }));
}

/**
 * After an adverse event is saved (same transaction): each `pause-dosing` event rule that the event
 * trips pauses dosing, once per rule and event (resuming is the safety officer's decision, and saving
 * the same event again does not undo it); a `pause-dosing` rate rule pauses when it trips with more
 * events than at its last pause. Returns the ids of the rules tripped by this save.
 */
export async function applyStoppingRules(
  trx: Tx,
  studyId: string,
  caller: Caller,
  protocol: Protocol,
  event: RuleEvent & { label: string },
): Promise<string[]> {
  const tripped: string[] = [];
  const previous = await trx
    .selectFrom('dosing_pause')
    .select(['rule_id', 'ae_id', 'trigger'])
    .where('study_id', '=', studyId)
    .where('rule_id', 'is not', null)
    .execute();
  for (const rule of protocol.safety.stoppingRules) {
    if (rule.kind === 'event') {
      if (!evaluateEventRule(rule, [event]).tripped) continue;
      tripped.push(rule.id);
      if (rule.action !== 'pause-dosing') continue;
      if (previous.some((pause) => pause.rule_id === rule.id && pause.ae_id === event.aeId)) continue;
      await insertPause(trx, studyId, caller, {
        ruleId: rule.id,
        aeId: event.aeId,
        reason: `stopping rule ${rule.id} tripped by ${event.label}: ${rule.description.en}`,
        trigger: null,
        description: rule.description,
      });
      continue;
    }
    const status = evaluateRateRule(
      rule,
      await ruleEvents(trx, studyId, protocol),
      await safetyPopulation(trx, studyId),
    );
    if (!status.tripped) continue;
    tripped.push(rule.id);
    if (rule.action !== 'pause-dosing') continue;
    const pausedAt = previous
      .filter((pause) => pause.rule_id === rule.id)
      .map((pause) => Number((pause.trigger as { events?: number } | null)?.events ?? 0));
    if (pausedAt.some((events) => events >= status.events)) continue;
    await insertPause(trx, studyId, caller, {
      ruleId: rule.id,
      aeId: event.aeId,
      reason: `stopping rule ${rule.id} tripped: P(rate > ${rule.rateThreshold}) = ${status.probabilityAbove.toFixed(3)} with ${status.events} of ${status.participants} participants; ${rule.description.en}`,
      trigger: {
        events: status.events,
        participants: status.participants,
        probabilityAbove: status.probabilityAbove,
      },
      description: rule.description,
    });
  }
  return tripped;
}

async function insertPause(
  trx: Tx,
  studyId: string,
  caller: Caller,
  pause: {
    ruleId: string | null;
    aeId: string | null;
    reason: string;
    trigger: Record<string, unknown> | null;
    /** The tripped rule's description, for the notification in each reader's language. */
    description?: Localized;
  },
): Promise<PauseRow> {
  const row = await trx
    .insertInto('dosing_pause')
    .values({
      study_id: studyId,
      pause_id: randomUUID(),
      rule_id: pause.ruleId,
      ae_id: pause.aeId,
      reason: pause.reason,
      trigger: pause.trigger ? JSON.stringify(pause.trigger) : null,
      paused_at: new Date(),
      paused_by: caller.actor.label,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, studyId, caller.actor, {
    action: 'safety.dosing.pause',
    entityType: 'dosing_pause',
    entityId: row.pause_id,
    newValue: { ruleId: pause.ruleId, aeId: pause.aeId, reason: pause.reason },
    reason: pause.reason,
  });
  await notifyPause(trx, studyId, caller, {
    pauseId: row.pause_id,
    ruleId: pause.ruleId,
    reason: pause.reason,
    ruleDescription: pause.description ?? null,
  });
  return row;
}

export async function listPauses(db: Db, studyId: string, caller: Caller): Promise<PauseView[]> {
  authorize(caller.user, 'safety.read');
  const rows = await db
    .selectFrom('dosing_pause')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('paused_at', 'desc')
    .execute();
  return pauseViews(db, studyId, rows);
}

/** The safety officer pauses dosing study-wide (e.g. on a signal no rule foresaw). */
export async function pauseDosing(
  database: Database,
  studyId: string,
  caller: Caller,
  reason: string,
): Promise<PauseView> {
  authorize(caller.user, 'safety.decide');
  return database.transaction(async (trx) =>
    pauseView(
      trx,
      studyId,
      await insertPause(trx, studyId, caller, { ruleId: null, aeId: null, reason, trigger: null }),
    ),
  );
}

/** The safety officer's decision to resume dosing after a pause; the decision and its grounds are kept. */
export async function resumeDosing(
  database: Database,
  studyId: string,
  caller: Caller,
  pauseId: string,
  request: { version: number; reason: string },
): Promise<PauseView> {
  authorize(caller.user, 'safety.decide');
  return database.transaction(async (trx) => {
    const row = await trx
      .selectFrom('dosing_pause')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('pause_id', '=', pauseId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound(`Dosing pause ${pauseId}`);
    if (row.version !== request.version) {
      throw conflict(
        `This pause was changed by someone else (now version ${row.version}, yours ${request.version}).`,
        { current: await pauseView(trx, studyId, row) },
      );
    }
    if (row.resumed_at)
      throw conflict('Dosing was already resumed after this pause.', {
        current: await pauseView(trx, studyId, row),
      });
    const updated = await trx
      .updateTable('dosing_pause')
      .set((eb) => ({
        resumed_at: new Date(),
        resumed_by: caller.actor.label,
        resume_reason: request.reason,
        version: eb('version', '+', 1),
      }))
      .where('study_id', '=', studyId)
      .where('pause_id', '=', pauseId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, studyId, caller.actor, {
      action: 'safety.dosing.resume',
      entityType: 'dosing_pause',
      entityId: pauseId,
      field: 'resumed_at',
      oldValue: null,
      newValue: new Date(updated.resumed_at ?? Date.now()).toISOString(),
      reason: request.reason,
    });
    await notifyResume(trx, studyId, caller, { pauseId, reason: request.reason });
    return pauseView(trx, studyId, updated);
  });
}
