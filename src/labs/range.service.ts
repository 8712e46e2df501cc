import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database, Db } from '../db/connection.ts';
import type { LabReferenceRangeTable } from '../db/schema-labs.ts';
import type { Caller } from '../kernel/caller.ts';
import { DomainError, notFound } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import type { RangeImportRequest, ReferenceRangeList, ReferenceRangeView } from './lab.schema.ts';
import { labItems } from './lab-items.ts';
import { type ParsedRange, parseRangeCsv } from './range-csv.ts';
import { reflagSite } from './reflag.ts';

type RangeRow = Selectable<LabReferenceRangeTable>;

export const rangeView = (row: RangeRow): ReferenceRangeView => ({
  rangeId: row.range_id,
  siteId: row.site_id,
  itemKey: row.item_key,
  sex: row.sex,
  ageLow: row.age_low,
  ageHigh: row.age_high,
  unit: row.unit,
  low: row.low,
  high: row.high,
  standardUnit: row.standard_unit,
  standardLow: row.standard_low,
  standardHigh: row.standard_high,
  importedAt: new Date(row.imported_at).toISOString(),
  importedBy: row.imported_by,
});

/** What the trail keeps of a range: enough to read the site's sheet before and after an import. */
const auditRange = (range: ReferenceRangeView | ParsedRange) => ({
  item: range.itemKey,
  sex: range.sex,
  ageLow: range.ageLow,
  ageHigh: range.ageHigh,
  low: range.low,
  high: range.high,
  unit: range.unit,
});

async function siteExists(db: Db, studyId: string, siteId: string): Promise<void> {
  const site = await db
    .selectFrom('site')
    .select('site_id')
    .where('study_id', '=', studyId)
    .where('site_id', '=', siteId)
    .executeTakeFirst();
  if (!site) throw notFound(`Site ${siteId}`);
}

async function rangesOf(db: Db, studyId: string, siteId: string): Promise<ReferenceRangeView[]> {
  const rows = await db
    .selectFrom('lab_reference_range')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('site_id', '=', siteId)
    .orderBy('item_key')
    .orderBy('sex')
    .orderBy('age_low')
    .execute();
  return rows.map(rangeView);
}

/** A site's reference ranges and the protocol's laboratory items (with the units each may be given in). */
export async function listRanges(
  db: Db,
  studyId: string,
  caller: Caller,
  siteId: string,
): Promise<ReferenceRangeList> {
  authorize(caller.user, 'crf.read', { siteId });
  await siteExists(db, studyId, siteId);
  const { protocol } = await currentProtocol(db, studyId);
  return {
    siteId,
    items: labItems(protocol).map((lab) => ({
      key: lab.key,
      label: lab.item.label,
      unit: lab.unit,
      units: lab.units,
    })),
    ranges: await rangesOf(db, studyId, siteId),
  };
}

/**
 * Replaces a site's reference ranges with those of a CSV file (see parseRangeCsv), all or nothing: a
 * file with any bad line changes nothing and lists every problem by line. One audit event holds the
 * site's ranges before and after. Values already flagged keep their flag: a flag is what the range in
 * force said when the value was saved.
 */
export async function importRanges(
  database: Database,
  studyId: string,
  caller: Caller,
  siteId: string,
  request: RangeImportRequest,
  clock = new Date(),
): Promise<ReferenceRangeList & { replaced: number; reflagged: number }> {
  authorize(caller.user, 'lab.ranges', { siteId });
  return database.transaction(async (trx) => {
    await siteExists(trx, studyId, siteId);
    const { protocol } = await currentProtocol(trx, studyId);
    const items = labItems(protocol);
    const { ranges, problems } = parseRangeCsv(request.csv, items);
    if (problems.length > 0) {
      const file = request.fileName ?? 'the file';
      throw new DomainError(
        'validation_failed',
        `${file} has ${problems.length} bad line(s); nothing was imported. Line ${problems[0]?.line}: ${problems[0]?.message}`,
        {
          fields: problems.map((problem) => ({ field: `line ${problem.line}`, message: problem.message })),
          badRows: problems,
        },
      );
    }
    const before = await rangesOf(trx, studyId, siteId);
    await trx
      .deleteFrom('lab_reference_range')
      .where('study_id', '=', studyId)
      .where('site_id', '=', siteId)
      .execute();
    await trx
      .insertInto('lab_reference_range')
      .values(
        ranges.map((range) => ({
          study_id: studyId,
          range_id: randomUUID(),
          site_id: siteId,
          item_key: range.itemKey,
          sex: range.sex,
          age_low: range.ageLow,
          age_high: range.ageHigh,
          unit: range.unit,
          low: range.low,
          high: range.high,
          standard_unit: range.standardUnit,
          standard_low: range.standardLow,
          standard_high: range.standardHigh,
          imported_at: clock,
          imported_by: caller.user.name,
        })),
      )
      .execute();
    await recordAudit(trx, studyId, caller.actor, {
      action: 'lab.ranges.import',
      entityType: 'lab_reference_range',
      entityId: siteId,
      oldValue: before.map(auditRange),
      newValue: ranges.map(auditRange),
      reason: request.fileName ? `imported from ${request.fileName}` : undefined,
      context: { siteId },
    });
    // Values entered before the ranges (or under the old ones) are flagged by the ranges now in force.
    const reflagged = await reflagSite(trx, studyId, caller, protocol, siteId);
    return {
      siteId,
      items: items.map((lab) => ({ key: lab.key, label: lab.item.label, unit: lab.unit, units: lab.units })),
      ranges: await rangesOf(trx, studyId, siteId),
      replaced: before.length,
      reflagged,
    };
  });
}
