import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { sampleVitals } from '../../src/synth/sample-patient.ts';
import { enrolledParticipant, fields } from '../api/safety-support.ts';
import type { SignedIn, TestApp } from './test-app.ts';
import { as, type TrialUsers } from './trial-users.ts';

// A participant enrolled through the API, with vials a released lot dispensed to them and doses
// recorded in the dosing module: the set-up of the tests that read doses (dosing, report, exchange).

const DAY = 86_400_000;
const SITE_OFFSET = 8 * 3_600_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The date `days` from today at the test site (Asia/Shanghai, UTC+8, no daylight saving). */
export const siteDateFromToday = (days: number): string =>
  dateOf(Date.parse(`${dateOf(Date.now() + SITE_OFFSET)}T00:00:00Z`) + days * DAY);

/** The calendar date `days` after `date` (YYYY-MM-DD). */
export const dateAfter = (date: string, days: number): string =>
  dateOf(Date.parse(`${date}T00:00:00Z`) + days * DAY);

export interface VialToDispense {
  visitId: string;
  code: string;
  /** The lot's number; `L-<code>` unless given. */
  lotNumber?: string;
  manufacturedOn: string;
  /** When the pharmacy thawed it; now unless given. */
  thawedAt?: Date;
  /** When it was handed out; when it was thawed unless given. */
  dispensedAt?: Date;
  /** When the lot and vial were entered into stock (the vial expires 30 days later); now unless given. */
  storedAt?: Date;
}

/**
 * A released lot of one vial, and its dispensing to the participant for a dose visit, stored as the
 * pharmacy module stores them (the pharmacy's own workflow is what test/api/product*.test.ts cover).
 */
export async function dispensedVial(
  t: TestApp,
  siteId: string,
  participantId: string,
  vial: VialToDispense,
): Promise<void> {
  const storedAt = vial.storedAt ?? new Date();
  const thawedAt = vial.thawedAt ?? new Date();
  const lotId = randomUUID();
  const vialId = randomUUID();
  await t.database.transaction(async (trx) => {
    await trx
      .insertInto('product_lot')
      .values({
        study_id: t.studyId,
        lot_id: lotId,
        lot_number: vial.lotNumber ?? `L-${vial.code}`,
        manufacturer: 'Test manufacturer',
        manufactured_on: vial.manufacturedOn,
        concentration_per_ml: 6.7e7,
        volume_ml: 3,
        vial_count: 1,
        status: 'released',
        created_at: storedAt,
        created_by: 'test',
        updated_at: storedAt,
      } as never)
      .execute();
    await trx
      .insertInto('vial')
      .values({
        study_id: t.studyId,
        vial_id: vialId,
        lot_id: lotId,
        code: vial.code,
        sequence: 1,
        state: 'dispensed',
        site_id: siteId,
        shelf_used: 0,
        located_at: storedAt,
        expires_at: new Date(storedAt.getTime() + 30 * DAY),
        updated_at: storedAt,
      } as never)
      .execute();
    await trx
      .insertInto('dispensing')
      .values({
        study_id: t.studyId,
        dispensing_id: randomUUID(),
        participant_id: participantId,
        visit_id: vial.visitId,
        vial_id: vialId,
        lot_id: lotId,
        site_id: siteId,
        dispensed_at: vial.dispensedAt ?? thawedAt,
        dispensed_by: 'test',
        dispensed_by_name: 'Test Pharmacist',
        thawed_at: thawedAt,
      })
      .execute();
  });
}

/** A whole dose from a vial on `date`, given from `start` to `end` (site wall-clock times unless zoned). */
export const givenDose = (vialCode: string, date: string, start = '08:00', end = '08:15') => ({
  status: 'completed',
  vialCode,
  startedAt: `${date}T${start}`,
  endedAt: `${date}T${end}`,
  volumeMl: 3,
  device: 'vibrating-mesh',
});

/** Records a dose through the dosing API as `user`, which must accept it; the recorded dose. */
export async function recordDose(
  t: TestApp,
  user: SignedIn,
  participantId: string,
  visitId: string,
  body: Record<string, unknown>,
): Promise<{ administrationId: string } & Record<string, unknown>> {
  const response = await as(t.app, user).post(`/api/v1/participants/${participantId}/doses/${visitId}`, body);
  expect(response.statusCode, `${visitId}: ${response.body}`).toBe(201);
  return response.json();
}

/**
 * A participant screened, consented, confirmed eligible and enrolled with `day1`, each of `vials`
 * dispensed to them, and each of `doses` recorded by the coordinator in order; the participant's id
 * and the administration id of each recorded dose by visit.
 */
export async function dosedParticipant(
  t: TestApp,
  users: TrialUsers,
  plan: {
    day1: string;
    vials: Array<Omit<VialToDispense, 'manufacturedOn'> & { manufacturedOn?: string }>;
    doses?: Array<{ visitId: string; body: Record<string, unknown> }>;
  },
): Promise<{ participantId: string; administrationIds: Record<string, string> }> {
  const participantId = await enrolledParticipant(t, users, plan.day1);
  for (const vial of plan.vials) {
    await dispensedVial(t, users.siteId, participantId, { manufacturedOn: plan.day1, ...vial });
  }
  const administrationIds: Record<string, string> = {};
  for (const { visitId, body } of plan.doses ?? []) {
    const dose = await recordDose(t, users.coordinator, participantId, visitId, body);
    administrationIds[visitId] = dose.administrationId;
  }
  return { participantId, administrationIds };
}

/**
 * The day-1 vitals before the dose (07:30 at the site, SpO2 95 %) and 30 minutes after it (08:45, 91 %),
 * saved by `user`: a fall of SpO2 that the dose is flagged for.
 */
export async function saveSpo2Fall(t: TestApp, user: SignedIn, participantId: string, day1: string) {
  for (const [visitKey, at, spo2] of [
    ['day-1/pre-dose', `${day1}T07:30`, 95],
    ['day-1/post-30', `${day1}T08:45`, 91],
  ] as const) {
    const saved = await as(t.app, user).put(
      `/api/v1/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/vitals?instance=1`,
      { version: 0, entries: fields({ ...sampleVitals(at), spo2 }) },
    );
    expect(saved.statusCode, `${visitKey}: ${saved.body}`).toBe(200);
  }
}

/** An adverse event recorded from that fall, linked to the dose: inhalation-associated, grade 2, recovered. */
export const spo2FallEvent = (day1: string, term: string, administrationId: string) => ({
  administrationId,
  entries: fields({
    term,
    onsetAt: `${day1}T08:45`,
    ongoing: false,
    resolvedAt: `${day1}T10:00`,
    grade: 2,
    serious: false,
    causality: 'probable',
    inhalationAssociated: true,
    actionTaken: 'none',
    outcome: 'recovered',
  }),
});
