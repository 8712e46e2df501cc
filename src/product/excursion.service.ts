import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Db, Tx } from '../db/connection.ts';
import { type Excursion, ExcursionTracker } from './excursion.ts';
import { notifyQuarantine } from './excursion-notifications.ts';
import { addVialEvents, type UnitRow } from './product.queries.ts';
import type { ExcursionView } from './product.schema.ts';
import { reviewResupply } from './resupply-notifications.ts';

const PAGE = 10_000;
const FAR_FUTURE = new Date('9999-01-01T00:00:00Z');

const inRange = (unit: UnitRow) => sql<boolean>`celsius between ${unit.low_celsius} and ${unit.high_celsius}`;

/** The readings span to re-examine after new readings in [from, to]: out to the nearest in-range reading each side. */
async function scanSpan(trx: Tx, studyId: string, unit: UnitRow, from: Date, to: Date) {
  const before = await trx
    .selectFrom('temperature_reading')
    .select((eb) => eb.fn.max('recorded_at').as('at'))
    .where('study_id', '=', studyId)
    .where('unit_id', '=', unit.unit_id)
    .where('recorded_at', '<', from)
    .where(inRange(unit))
    .executeTakeFirst();
  const after = await trx
    .selectFrom('temperature_reading')
    .select((eb) => eb.fn.min('recorded_at').as('at'))
    .where('study_id', '=', studyId)
    .where('unit_id', '=', unit.unit_id)
    .where('recorded_at', '>', to)
    .where(inRange(unit))
    .executeTakeFirst();
  return {
    start: before?.at ? new Date(before.at) : new Date(0),
    end: after?.at ? new Date(after.at) : FAR_FUTURE,
  };
}

/**
 * Re-examines a unit's readings around newly added ones (in pages, so a million readings stream) and
 * records every excursion longer than the unit's tolerance, quarantining the vials that were inside.
 */
export async function detectExcursions(
  trx: Tx,
  studyId: string,
  unit: UnitRow,
  from: Date,
  to: Date,
  actor: Actor,
): Promise<string[]> {
  const { start, end } = await scanSpan(trx, studyId, unit, from, to);
  const tracker = new ExcursionTracker({
    low: unit.low_celsius,
    high: unit.high_celsius,
    toleranceMinutes: unit.excursion_tolerance_minutes,
  });
  const found: Excursion[] = [];
  let cursor = start;
  let inclusive = true;
  for (;;) {
    // Only readings that can change the tracker's state leave the database: those out of range, and
    // the first one back in range after them. A million in-range readings stay where they are.
    const page = (
      await sql<{ recorded_at: Date; celsius: number }>`
        select recorded_at, celsius from (
          select recorded_at, celsius, lag(celsius) over (order by recorded_at) as previous
          from temperature_reading
          where study_id = ${studyId} and unit_id = ${unit.unit_id} and recorded_at >= ${start} and recorded_at <= ${end}
        ) as series
        where (celsius not between ${unit.low_celsius} and ${unit.high_celsius}
               or previous not between ${unit.low_celsius} and ${unit.high_celsius})
          and recorded_at ${inclusive ? sql`>=` : sql`>`} ${cursor}
        order by recorded_at
        limit ${PAGE}`.execute(trx)
    ).rows;
    for (const row of page) tracker.push({ at: new Date(row.recorded_at), celsius: row.celsius });
    found.push(...tracker.drain().filter((excursion) => excursion.quarantines));
    const last = page.at(-1);
    if (!last || page.length < PAGE) break;
    cursor = new Date(last.recorded_at);
    inclusive = false;
  }
  const pending = tracker.pending();
  if (pending?.quarantines) found.push(pending);
  const ids: string[] = [];
  for (const excursion of found) {
    ids.push(await recordExcursion(trx, studyId, unit, { kind: 'temperature', ...excursion }, actor));
  }
  return ids;
}

/** The instants around [from, to] a gap may run to: the nearest stored readings each side. */
async function neighbours(trx: Tx, studyId: string, unit: UnitRow, from: Date, to: Date) {
  const near = await trx
    .selectFrom('temperature_reading')
    .select((eb) => [
      eb
        .selectFrom('temperature_reading')
        .select((inner) => inner.fn.max('recorded_at').as('at'))
        .where('study_id', '=', studyId)
        .where('unit_id', '=', unit.unit_id)
        .where('recorded_at', '<', from)
        .as('before'),
      eb
        .selectFrom('temperature_reading')
        .select((inner) => inner.fn.min('recorded_at').as('at'))
        .where('study_id', '=', studyId)
        .where('unit_id', '=', unit.unit_id)
        .where('recorded_at', '>', to)
        .as('after'),
    ])
    .executeTakeFirst();
  return {
    start: near?.before ? new Date(near.before) : from,
    end: near?.after ? new Date(near.after) : to,
  };
}

/**
 * Records each silence in the unit's log around newly added readings [from, to] longer than
 * `gapMinutes` as a data gap: the temperature in it is unknown, so the vials that were inside are
 * quarantined for a qualified person's decision, as for an excursion. Silences that touch (one
 * reading between two) are one gap: a lone reading does not make a silence watched.
 */
export async function detectDataGaps(
  trx: Tx,
  studyId: string,
  unit: UnitRow,
  from: Date,
  to: Date,
  gapMinutes: number,
  actor: Actor,
): Promise<string[]> {
  const { start, end } = await neighbours(trx, studyId, unit, from, to);
  const gaps: Array<{ startedAt: Date; endedAt: Date }> = [];
  let cursor = start;
  for (;;) {
    const page = (
      await sql<{ previous_at: Date; recorded_at: Date }>`
        select previous_at, recorded_at from (
          select recorded_at, lag(recorded_at) over (order by recorded_at) as previous_at
          from temperature_reading
          where study_id = ${studyId} and unit_id = ${unit.unit_id} and recorded_at >= ${start} and recorded_at <= ${end}
        ) as series
        where recorded_at - previous_at > make_interval(secs => ${gapMinutes * 60})
          and recorded_at > ${cursor}
        order by recorded_at
        limit ${PAGE}`.execute(trx)
    ).rows;
    for (const row of page) {
      const startedAt = new Date(row.previous_at);
      const endedAt = new Date(row.recorded_at);
      const last = gaps.at(-1);
      if (last && last.endedAt.getTime() === startedAt.getTime()) last.endedAt = endedAt;
      else gaps.push({ startedAt, endedAt });
    }
    const last = page.at(-1);
    if (!last || page.length < PAGE) break;
    cursor = new Date(last.recorded_at);
  }
  const ids: string[] = [];
  for (const gap of gaps) {
    const minutes = (gap.endedAt.getTime() - gap.startedAt.getTime()) / 60_000;
    ids.push(
      await recordExcursion(trx, studyId, unit, { kind: 'data_gap', ...gap, minutes, gapMinutes }, actor),
    );
  }
  return ids;
}

/** An excursion or a data gap (no readings, so no temperatures) as it is recorded. */
type Recorded = Omit<Excursion, 'minCelsius' | 'maxCelsius' | 'quarantines'> &
  (
    | { kind: 'temperature'; minCelsius: number; maxCelsius: number }
    | { kind: 'data_gap'; gapMinutes: number }
  );

const quarantineReason = (unit: UnitRow, found: Recorded) =>
  found.kind === 'data_gap'
    ? `No temperature recorded in ${unit.code} for ${found.minutes.toFixed(0)} min, from ${found.startedAt.toISOString()} to ${found.endedAt?.toISOString()} (longest allowed silence ${found.gapMinutes} min): temperature unknown.`
    : `Temperature excursion in ${unit.code}: ${found.minutes.toFixed(0)} min at ${found.minCelsius}…${found.maxCelsius} °C (allowed ${unit.low_celsius}…${unit.high_celsius} °C).`;

async function recordExcursion(
  trx: Tx,
  studyId: string,
  unit: UnitRow,
  excursion: Recorded,
  actor: Actor,
): Promise<string> {
  const endOrFuture = excursion.endedAt ?? FAR_FUTURE;
  const existing = await trx
    .selectFrom('excursion')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('unit_id', '=', unit.unit_id)
    .where('kind', '=', excursion.kind)
    .where('started_at', '<=', endOrFuture)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', excursion.startedAt)]))
    .forUpdate()
    .executeTakeFirst();
  const excursionId = existing?.excursion_id ?? randomUUID();
  const same =
    existing &&
    new Date(existing.started_at).getTime() === excursion.startedAt.getTime() &&
    (existing.ended_at ? new Date(existing.ended_at).getTime() : null) ===
      (excursion.endedAt?.getTime() ?? null);
  // A gap found again by a later import of the same span is the same gap: nothing new to record.
  if (same && excursion.kind === 'data_gap') return excursionId;
  const { quarantined, alreadyUsed, codes } = await quarantineInside(
    trx,
    studyId,
    unit,
    excursionId,
    excursion,
    quarantineReason(unit, excursion),
    actor,
  );
  const now = new Date();
  const low = excursion.kind === 'temperature' ? excursion.minCelsius : null;
  const high = excursion.kind === 'temperature' ? excursion.maxCelsius : null;
  const lower = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.min(a, b));
  const higher = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.max(a, b));
  if (existing) {
    const startedAt = new Date(Math.min(existing.started_at.getTime(), excursion.startedAt.getTime()));
    await trx
      .updateTable('excursion')
      .set({
        started_at: startedAt,
        ended_at: excursion.endedAt,
        minutes: excursion.minutes + (excursion.startedAt.getTime() - startedAt.getTime()) / 60_000,
        min_celsius: lower(existing.min_celsius, low),
        max_celsius: higher(existing.max_celsius, high),
        vials_quarantined: existing.vials_quarantined + quarantined,
        vials_already_used: Math.max(existing.vials_already_used, alreadyUsed),
      })
      .where('study_id', '=', studyId)
      .where('excursion_id', '=', excursionId)
      .execute();
  } else {
    await trx
      .insertInto('excursion')
      .values({
        study_id: studyId,
        excursion_id: excursionId,
        unit_id: unit.unit_id,
        kind: excursion.kind,
        started_at: excursion.startedAt,
        ended_at: excursion.endedAt,
        minutes: excursion.minutes,
        min_celsius: low,
        max_celsius: high,
        detected_at: now,
        vials_quarantined: quarantined,
        vials_already_used: alreadyUsed,
      })
      .execute();
  }
  await recordAudit(trx, studyId, actor, {
    action: existing ? 'excursion.extend' : 'excursion.detect',
    entityType: 'storage_unit',
    entityId: unit.unit_id,
    newValue: {
      excursionId,
      kind: excursion.kind,
      unit: unit.code,
      startedAt: excursion.startedAt.toISOString(),
      endedAt: excursion.endedAt?.toISOString() ?? null,
      minutes: excursion.minutes,
      range: low === null ? null : [low, high],
      quarantinedVials: codes,
      alreadyUsed,
    },
  });
  await notifyQuarantine(trx, studyId, unit, {
    excursionId,
    quarantinedBefore: existing?.vials_quarantined ?? 0,
    codes,
  });
  // Vials quarantined at a site may make it due for resupply (kit studies).
  if (codes.length > 0) await reviewResupply(trx, studyId, [unit.site_id], now, actor);
  return excursionId;
}

/** Quarantines every vial that was in the unit during the excursion and is still in the trial's hands. */
async function quarantineInside(
  trx: Tx,
  studyId: string,
  unit: UnitRow,
  excursionId: string,
  excursion: Recorded,
  reason: string,
  actor: Actor,
) {
  const endOrFuture = excursion.endedAt ?? FAR_FUTURE;
  const inside = await trx
    .selectFrom('vial_location as l')
    .innerJoin('vial as v', (join) =>
      join.onRef('v.study_id', '=', 'l.study_id').onRef('v.vial_id', '=', 'l.vial_id'),
    )
    .select(['v.vial_id', 'v.lot_id', 'v.code', 'v.state', 'v.quarantined_at', 'v.site_id', 'v.version'])
    .distinct()
    .where('l.study_id', '=', studyId)
    .where('l.unit_id', '=', unit.unit_id)
    .where('l.entered_at', '<', endOrFuture)
    .where((eb) => eb.or([eb('l.left_at', 'is', null), eb('l.left_at', '>', excursion.startedAt)]))
    .execute();
  const toQuarantine = inside.filter(
    (vial) => (vial.state === 'in_stock' || vial.state === 'in_transit') && vial.quarantined_at === null,
  );
  const alreadyUsed = inside.filter((vial) => vial.state === 'dispensed').length;
  const now = new Date();
  for (let start = 0; start < toQuarantine.length; start += 500) {
    const batch = toQuarantine.slice(start, start + 500);
    await trx
      .updateTable('vial')
      .set((eb) => ({
        quarantined_at: now,
        quarantine_reason: reason,
        quarantine_excursion_id: excursionId,
        updated_at: now,
        version: eb('version', '+', 1),
      }))
      .where('study_id', '=', studyId)
      .where(
        'vial_id',
        'in',
        batch.map((vial) => vial.vial_id),
      )
      .execute();
  }
  for (const vial of toQuarantine) {
    await addVialEvents(trx, studyId, [vial], {
      kind: 'quarantined',
      at: now,
      siteId: vial.site_id,
      unitId: unit.unit_id,
      actorLabel: actor.label,
      reason,
    });
  }
  return { quarantined: toQuarantine.length, alreadyUsed, codes: toQuarantine.map((vial) => vial.code) };
}

export async function excursionViews(
  db: Db,
  studyId: string,
  filter: { unitId?: string; excursionIds?: string[] },
): Promise<ExcursionView[]> {
  if (filter.excursionIds && filter.excursionIds.length === 0) return [];
  let query = db
    .selectFrom('excursion as e')
    .innerJoin('storage_unit as u', (join) =>
      join.onRef('u.study_id', '=', 'e.study_id').onRef('u.unit_id', '=', 'e.unit_id'),
    )
    .select([
      'e.excursion_id',
      'e.unit_id',
      'e.kind',
      'u.code',
      'e.started_at',
      'e.ended_at',
      'e.minutes',
      'e.min_celsius',
      'e.max_celsius',
      'e.vials_quarantined',
      'e.vials_already_used',
    ])
    .select((eb) =>
      eb
        .selectFrom('vial')
        .select((inner) => inner.fn.countAll<number>().as('n'))
        .where('vial.study_id', '=', studyId)
        .whereRef('vial.quarantine_excursion_id', '=', 'e.excursion_id')
        .where('vial.quarantined_at', 'is not', null)
        .as('awaiting'),
    )
    .where('e.study_id', '=', studyId);
  if (filter.unitId) query = query.where('e.unit_id', '=', filter.unitId);
  if (filter.excursionIds) query = query.where('e.excursion_id', 'in', filter.excursionIds);
  const rows = await query.orderBy('e.started_at', 'desc').execute();
  const decisions = rows.length
    ? await db
        .selectFrom('vial_disposition')
        .select(['excursion_id', 'decision', 'reason', 'decided_by_name', 'decided_at'])
        .select((eb) => eb.fn.countAll<number>().as('vials'))
        .where('study_id', '=', studyId)
        .where(
          'excursion_id',
          'in',
          rows.map((row) => row.excursion_id),
        )
        .groupBy(['excursion_id', 'decision', 'reason', 'decided_by_name', 'decided_at'])
        .orderBy('decided_at')
        .execute()
    : [];
  return rows.map((row) => ({
    excursionId: row.excursion_id,
    unitId: row.unit_id,
    unitCode: row.code,
    kind: row.kind,
    startedAt: new Date(row.started_at).toISOString(),
    endedAt: row.ended_at ? new Date(row.ended_at).toISOString() : null,
    minutes: row.minutes,
    minCelsius: row.min_celsius,
    maxCelsius: row.max_celsius,
    vialsQuarantined: row.vials_quarantined,
    vialsAlreadyUsed: row.vials_already_used,
    vialsAwaitingDisposition: Number(row.awaiting ?? 0),
    dispositions: decisions
      .filter((decision) => decision.excursion_id === row.excursion_id)
      .map((decision) => ({
        decision: decision.decision,
        vials: Number(decision.vials),
        reason: decision.reason,
        decidedBy: decision.decided_by_name,
        decidedAt: new Date(decision.decided_at).toISOString(),
      })),
  }));
}
