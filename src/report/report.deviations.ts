import type { Db } from '../db/connection.ts';

/** Confirmed protocol deviations of one category, major and minor counted apart (ICH E3 §10.2). */
export interface DeviationCount {
  category: string;
  major: number;
  minor: number;
}

/** The confirmed deviations by category (proposed and rejected ones are not deviations), in category order. */
export async function confirmedDeviationCounts(db: Db, studyId: string): Promise<DeviationCount[]> {
  const rows = await db
    .selectFrom('protocol_deviation')
    .select(['category', 'severity', (eb) => eb.fn.countAll<number>().as('count')])
    .where('study_id', '=', studyId)
    .where('status', '=', 'confirmed')
    .groupBy(['category', 'severity'])
    .orderBy('category')
    .execute();
  const counts = new Map<string, DeviationCount>();
  for (const row of rows) {
    const entry = counts.get(row.category) ?? { category: row.category, major: 0, minor: 0 };
    entry[row.severity] += Number(row.count);
    counts.set(row.category, entry);
  }
  return [...counts.values()];
}
