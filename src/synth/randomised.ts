import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict } from '../kernel/errors.ts';
import type { Protocol } from '../protocol/schema.ts';
import { generateKits, sealKits } from '../randomisation/kit-list.service.ts';
import { generateList, sealList } from '../randomisation/randomisation-list.service.ts';
import type { FormValues, PatientProfile } from './patient-forms.ts';

// What the synthetic trial does differently when its protocol randomises: the statistician generates
// and seals the list before the first screening, the screening form carries the stratification
// values, and each participant is dosed by their arm's regimen.

/**
 * Generates the list from the demo's seed and seals it at once, as the statistician, a day before the
 * first screening (the list must be sealed before the first allocation).
 */
export async function sealDemoList(
  database: Database,
  studyId: string,
  statistician: Caller,
  seed: number,
  clock: Date,
): Promise<{ listHash: string; entries: number }> {
  const generated = await generateList(database, studyId, statistician, { seed }, clock);
  const listHash = generated.listHash;
  if (listHash === null) throw new Error('the generated randomisation list has no hash');
  await sealList(database, studyId, statistician, { listHash }, clock);
  return { listHash, entries: generated.entryCount };
}

/**
 * The kit list of a protocol with kit types, generated from the demo's seed and sealed at once by the
 * statistician, before the first lot is registered.
 */
export async function sealDemoKitList(
  database: Database,
  studyId: string,
  statistician: Caller,
  input: { seed: number; kitCount: number },
  clock: Date,
): Promise<void> {
  const generated = await generateKits(database, studyId, statistician, input, clock);
  if (generated.listHash === null) throw new Error('the generated kit list has no hash');
  await sealKits(database, studyId, statistician, { listHash: generated.listHash }, clock);
}

/** Each kit type of the protocol with its arms and its share of the allocation ratio. */
export function demoKitTypes(
  protocol: Protocol,
): Array<{ id: string; share: number; arms: readonly string[] }> | null {
  const ratio: Record<string, number> = protocol.randomisation?.ratio ?? {};
  return (
    protocol.supply?.kitTypes.map((type) => ({
      id: type.id,
      arms: type.arms,
      share: type.arms.reduce((sum, arm) => sum + (ratio[arm] ?? 1), 0),
    })) ?? null
  );
}

/**
 * The screening values that place a participant in a stratum, for the factors read from screening
 * items the demo's forms do not fill: a participant on invasive ventilation (category 6 of the WHO
 * scale) takes a factor's last level, the most severe as levels are listed, everyone else its first.
 */
export function stratificationValues(
  protocol: Protocol,
  profile: PatientProfile,
): Record<string, FormValues> {
  const values: Record<string, FormValues> = {};
  for (const factor of protocol.randomisation?.stratification ?? []) {
    if (factor.source !== 'item') continue;
    const [formId, itemId] = factor.item.split('.');
    const levels = factor.levels;
    const level = profile.baseline === 6 && profile.failure === null ? levels.at(-1) : levels[0];
    const value = level?.values[0];
    if (!formId || !itemId || value === undefined) continue;
    values[formId] = { ...values[formId], [itemId]: value };
  }
  return values;
}

/** The regimen a participant receives: their allocated arm's own, else the protocol's. */
export async function regimenOf(
  db: Db,
  studyId: string,
  protocol: Protocol,
  participantId: string,
): Promise<Protocol['regimen']> {
  if (!protocol.randomisation) return protocol.regimen;
  const allocation = await db
    .selectFrom('randomisation_allocation')
    .select('arm')
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .executeTakeFirst();
  const arm = protocol.study.design.arms.find((entry) => entry.id === allocation?.arm);
  return arm?.regimen ?? protocol.regimen;
}

/**
 * Refuses, before anyone is screened, a demo that could use up a stratum of a permuted-block list
 * (enrolment would stop half-way): no site may plan more enrolments than a stratum has entries, since
 * a site's participants are at most all in one of its strata.
 */
export function checkListCapacity(protocol: Protocol, enrolmentsBySite: Map<string, number>): void {
  const randomisation = protocol.randomisation;
  if (randomisation?.method !== 'permuted-blocks') return;
  for (const [siteId, count] of enrolmentsBySite) {
    if (count > randomisation.entriesPerStratum) {
      throw conflict(
        `The demo would enrol up to ${count} participants at site ${siteId}, more than the ${randomisation.entriesPerStratum} entries of a stratum of the randomisation list: give more --sites or fewer --subjects.`,
      );
    }
  }
}
