import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize, canAccessSite } from '../kernel/permissions.ts';
import { detectExcursions, excursionViews } from './excursion.service.ts';
import { findUnit, type UnitRow, unitView } from './product.queries.ts';
import type {
  ExcursionView,
  StorageUnitRequest,
  StorageUnitSettingsRequest,
  StorageUnitView,
} from './product.schema.ts';

const siteScope = (unit: { site_id: string | null }) => (unit.site_id ? { siteId: unit.site_id } : undefined);

export async function createStorageUnit(
  database: Database,
  studyId: string,
  caller: Caller,
  input: StorageUnitRequest,
): Promise<StorageUnitView> {
  authorize(caller.user, 'product.manage', input.siteId ? { siteId: input.siteId } : undefined);
  return database.transaction(async (trx) => {
    if (input.siteId) {
      const site = await trx
        .selectFrom('site')
        .select('site_id')
        .where('study_id', '=', studyId)
        .where('site_id', '=', input.siteId)
        .executeTakeFirst();
      if (!site) throw validationFailed([{ field: 'siteId', message: `There is no site ${input.siteId}.` }]);
    }
    const taken = await trx
      .selectFrom('storage_unit')
      .select('unit_id')
      .where('study_id', '=', studyId)
      .where('code', '=', input.code)
      .executeTakeFirst();
    if (taken) throw conflict(`A storage unit with code ${input.code} already exists.`);
    const unitId = randomUUID();
    await trx
      .insertInto('storage_unit')
      .values({
        study_id: studyId,
        unit_id: unitId,
        code: input.code,
        name: input.name,
        kind: input.kind,
        site_id: input.siteId,
        nominal_celsius: input.nominalCelsius,
        low_celsius: input.lowCelsius,
        high_celsius: input.highCelsius,
        excursion_tolerance_minutes: input.excursionToleranceMinutes,
        max_logging_gap_minutes: input.maxLoggingGapMinutes ?? null,
        created_at: new Date(),
      })
      .execute();
    await recordAudit(trx, studyId, caller.actor, {
      action: 'storage_unit.create',
      entityType: 'storage_unit',
      entityId: unitId,
      newValue: input,
    });
    return unitView(await findUnit(trx, studyId, unitId));
  });
}

/** Changes a unit's settings for its temperature log (the longest silence allowed), versioned and audited. */
export async function updateStorageUnitSettings(
  database: Database,
  studyId: string,
  caller: Caller,
  unitId: string,
  input: StorageUnitSettingsRequest,
): Promise<StorageUnitView> {
  return database.transaction(async (trx) => {
    const unit = await findUnit(trx, studyId, unitId);
    authorize(caller.user, 'product.manage', siteScope(unit));
    const updated = await trx
      .updateTable('storage_unit')
      .set((eb) => ({ max_logging_gap_minutes: input.maxLoggingGapMinutes, version: eb('version', '+', 1) }))
      .where('study_id', '=', studyId)
      .where('unit_id', '=', unit.unit_id)
      .where('version', '=', input.version)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      throw conflict(
        `Storage unit ${unit.code} was changed meanwhile (now version ${unit.version}): reload it.`,
      );
    }
    await recordAudit(trx, studyId, caller.actor, {
      action: 'storage_unit.update',
      entityType: 'storage_unit',
      entityId: unit.unit_id,
      oldValue: { maxLoggingGapMinutes: unit.max_logging_gap_minutes },
      newValue: { maxLoggingGapMinutes: input.maxLoggingGapMinutes },
    });
    return unitView(await findUnit(trx, studyId, unit.unit_id));
  });
}

/** Storage units the caller can see: those of their sites, and the depot's. */
export async function listStorageUnits(db: Db, studyId: string, caller: Caller): Promise<StorageUnitView[]> {
  authorize(caller.user, 'product.read');
  const rows = await db
    .selectFrom('storage_unit')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('code')
    .execute();
  return rows.filter((row) => !row.site_id || canAccessSite(caller.user, row.site_id)).map(unitView);
}

export async function readableUnit(
  db: Db,
  studyId: string,
  caller: Caller,
  unitId: string,
): Promise<UnitRow> {
  const unit = await findUnit(db, studyId, unitId);
  authorize(caller.user, 'product.read', siteScope(unit));
  return unit;
}

/** Readings typed by hand (a min/max thermometer read at the start of a shift, say). */
export async function addReadings(
  database: Database,
  studyId: string,
  caller: Caller,
  unitId: string,
  readings: Array<{ recordedAt: string; celsius: number }>,
): Promise<{ inserted: number; duplicates: number; excursions: ExcursionView[] }> {
  return database.transaction(async (trx) => {
    const unit = await findUnit(trx, studyId, unitId);
    authorize(caller.user, 'product.store', siteScope(unit));
    const now = Date.now();
    const problems = readings.flatMap((reading, index) =>
      Date.parse(reading.recordedAt) > now + 5 * 60_000
        ? [{ field: `readings.${index}.recordedAt`, message: 'A reading cannot be in the future.' }]
        : [],
    );
    problems.push(...(await disagreeing(trx, studyId, unit.unit_id, readings)));
    if (problems.length > 0) throw validationFailed(problems);
    const rows = readings.map((reading) => ({
      study_id: studyId,
      unit_id: unit.unit_id,
      recorded_at: new Date(reading.recordedAt),
      celsius: reading.celsius,
      source: 'manual' as const,
      import_id: null,
      entered_by: caller.user.userId,
    }));
    const inserted = await trx
      .insertInto('temperature_reading')
      .values(rows)
      .onConflict((oc) => oc.columns(['study_id', 'unit_id', 'recorded_at']).doNothing())
      .returning('recorded_at')
      .execute();
    await recordAudit(trx, studyId, caller.actor, {
      action: 'temperature.enter',
      entityType: 'storage_unit',
      entityId: unit.unit_id,
      newValue: { readings, inserted: inserted.length },
    });
    const times = rows.map((row) => row.recorded_at.getTime());
    const ids = inserted.length
      ? await detectExcursions(
          trx,
          studyId,
          unit,
          new Date(Math.min(...times)),
          new Date(Math.max(...times)),
          caller.actor,
        )
      : [];
    return {
      inserted: inserted.length,
      duplicates: rows.length - inserted.length,
      excursions: await excursionViews(trx, studyId, { excursionIds: ids }),
    };
  });
}

/**
 * Readings of the same instant with another temperature, in the entry or already in the log: which is
 * true cannot be known, so none is kept silently (the same temperature again is a duplicate).
 */
async function disagreeing(
  trx: Db,
  studyId: string,
  unitId: string,
  readings: Array<{ recordedAt: string; celsius: number }>,
) {
  const instants = readings.map((reading) => Date.parse(reading.recordedAt));
  const stored = await trx
    .selectFrom('temperature_reading')
    .select(['recorded_at', 'celsius'])
    .where('study_id', '=', studyId)
    .where('unit_id', '=', unitId)
    .where(
      'recorded_at',
      'in',
      [...new Set(instants)].map((at) => new Date(at)),
    )
    .execute();
  const log = new Map(stored.map((row) => [new Date(row.recorded_at).getTime(), row.celsius]));
  const entered = new Map<number, number>();
  return readings.flatMap((reading, index) => {
    const at = instants[index] ?? Number.NaN;
    const inLog = log.get(at);
    const earlier = entered.get(at);
    if (earlier === undefined) entered.set(at, reading.celsius);
    const field = `readings.${index}.celsius`;
    if (inLog !== undefined && inLog !== reading.celsius) {
      return [
        {
          field,
          message: `The log already holds ${inLog} °C at this instant: correct the one that is wrong.`,
        },
      ];
    }
    if (earlier !== undefined && earlier !== reading.celsius) {
      return [
        { field, message: 'Another reading of this entry has the same instant with another temperature.' },
      ];
    }
    return [];
  });
}

/**
 * Readings for the chart: all of them when few, otherwise the minimum and maximum of each time bucket,
 * so an excursion is never smoothed away.
 */
export async function readingSeries(
  db: Db,
  studyId: string,
  caller: Caller,
  unitId: string,
  query: { from?: string; to?: string; points: number },
) {
  const unit = await readableUnit(db, studyId, caller, unitId);
  const bounds = await db
    .selectFrom('temperature_reading')
    .select((eb) => [
      eb.fn.min('recorded_at').as('first'),
      eb.fn.max('recorded_at').as('last'),
      eb.fn.countAll<number>().as('n'),
    ])
    .where('study_id', '=', studyId)
    .where('unit_id', '=', unitId)
    .$if(!!query.from, (q) => q.where('recorded_at', '>=', new Date(query.from ?? 0)))
    .$if(!!query.to, (q) => q.where('recorded_at', '<=', new Date(query.to ?? 0)))
    .executeTakeFirstOrThrow();
  const total = Number(bounds.n);
  const from = new Date(query.from ?? bounds.first ?? 0);
  const to = new Date(query.to ?? bounds.last ?? 0);
  let points: Array<{ at: string; celsius: number }> = [];
  if (total > 0 && total <= query.points) {
    const rows = await db
      .selectFrom('temperature_reading')
      .select(['recorded_at', 'celsius'])
      .where('study_id', '=', studyId)
      .where('unit_id', '=', unitId)
      .where('recorded_at', '>=', from)
      .where('recorded_at', '<=', to)
      .orderBy('recorded_at')
      .execute();
    points = rows.map((row) => ({ at: new Date(row.recorded_at).toISOString(), celsius: row.celsius }));
  } else if (total > 0) {
    const buckets = Math.max(1, Math.floor(query.points / 2));
    const width = Math.max(1, (to.getTime() - from.getTime()) / 1000 / buckets);
    const rows = await sql<{ bucket: number; low: number; high: number; low_at: Date; high_at: Date }>`
      select floor(extract(epoch from recorded_at - ${from}::timestamptz) / ${width})::int as bucket,
             min(celsius) as low, max(celsius) as high,
             (array_agg(recorded_at order by celsius asc))[1] as low_at,
             (array_agg(recorded_at order by celsius desc))[1] as high_at
      from temperature_reading
      where study_id = ${studyId} and unit_id = ${unitId} and recorded_at between ${from} and ${to}
      group by 1 order by 1`.execute(db);
    points = rows.rows
      .flatMap((row) => [
        { at: new Date(row.low_at).toISOString(), celsius: row.low },
        { at: new Date(row.high_at).toISOString(), celsius: row.high },
      ])
      .sort((a, b) => a.at.localeCompare(b.at));
  }
  return {
    unit: unitView(unit),
    points,
    total,
    excursions: await excursionViews(db, studyId, { unitId }),
  };
}

export async function listExcursions(db: Db, studyId: string, caller: Caller): Promise<ExcursionView[]> {
  authorize(caller.user, 'product.read');
  const units = await listStorageUnits(db, studyId, caller);
  const visible = new Set(units.map((unit) => unit.unitId));
  return (await excursionViews(db, studyId, {})).filter((excursion) => visible.has(excursion.unitId));
}

export async function getExcursion(db: Db, studyId: string, caller: Caller, excursionId: string) {
  const [excursion] = await excursionViews(db, studyId, { excursionIds: [excursionId] });
  if (!excursion) throw notFound(`Excursion ${excursionId}`);
  await readableUnit(db, studyId, caller, excursion.unitId);
  return excursion;
}
