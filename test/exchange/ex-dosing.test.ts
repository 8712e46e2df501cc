import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportFhirBundle } from '../../src/exchange/fhir/fhir-bundle.ts';
import { defaultPrivacy } from '../../src/exchange/privacy.ts';
import { loadSdtmStudy, subjectRows } from '../../src/exchange/sdtm/sdtm-export.ts';
import { subjectBatches } from '../../src/exchange/source.ts';
import { enrolledParticipant } from '../api/safety-support.ts';
import { createTestApp, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// SDTM EX, DM's exposure dates and FHIR MedicationAdministration come from the dosing module's dose
// records when it holds any, with the lot of the vial the pharmacy dispensed.

const DAY = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const shanghaiToday = dateOf(Date.now() + 8 * 3_600_000);
const day1 = dateOf(Date.parse(`${shanghaiToday}T00:00:00Z`) - 3 * DAY);
const dayDate = (day: number) => dateOf(Date.parse(`${day1}T00:00:00Z`) + (day - 1) * DAY);

/** A vial of a lot dispensed for a dose visit, as the pharmacy module stores it. */
async function dispense(
  t: TestApp,
  siteId: string,
  participantId: string,
  visitId: string,
  vialCode: string,
) {
  const now = new Date();
  const lotId = randomUUID();
  const vialId = randomUUID();
  await t.database.transaction(async (trx) => {
    await trx
      .insertInto('product_lot')
      .values({
        study_id: t.studyId,
        lot_id: lotId,
        lot_number: `LOT-${vialCode}`,
        manufacturer: 'Test manufacturer',
        manufactured_on: day1,
        concentration_per_ml: 6.7e7,
        volume_ml: 3,
        vial_count: 1,
        status: 'released',
        created_at: now,
        created_by: 'test',
        updated_at: now,
      } as never)
      .execute();
    await trx
      .insertInto('vial')
      .values({
        study_id: t.studyId,
        vial_id: vialId,
        lot_id: lotId,
        code: vialCode,
        sequence: 1,
        state: 'dispensed',
        site_id: siteId,
        shelf_used: 0,
        located_at: now,
        expires_at: new Date(now.getTime() + 30 * DAY),
        updated_at: now,
      } as never)
      .execute();
    await trx
      .insertInto('dispensing')
      .values({
        study_id: t.studyId,
        dispensing_id: randomUUID(),
        participant_id: participantId,
        visit_id: visitId,
        vial_id: vialId,
        lot_id: lotId,
        site_id: siteId,
        dispensed_at: `${dayDate(Number(visitId.slice(4)))}T00:00:00Z`,
        dispensed_by: 'test',
        dispensed_by_name: 'Test Pharmacist',
        thawed_at: `${dayDate(Number(visitId.slice(4)))}T00:00:00Z`,
      })
      .execute();
  });
}

describe('SDTM EX from the dosing module', () => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;

  beforeAll(async () => {
    t = await createTestApp('pglite', {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    participantId = await enrolledParticipant(t, users, day1);
    const coordinator = as(t.app, users.coordinator);
    await dispense(t, users.siteId, participantId, 'day-1', 'VIAL-0101');
    await dispense(t, users.siteId, participantId, 'day-2', 'VIAL-0102');
    // Site time is Asia/Shanghai (UTC+8): 09:00 there is 01:00 UTC.
    const dose1 = await coordinator.post(`/api/v1/participants/${participantId}/doses/day-1`, {
      status: 'completed',
      vialCode: 'VIAL-0101',
      startedAt: `${dayDate(1)}T09:00`,
      endedAt: `${dayDate(1)}T09:20`,
      volumeMl: 3,
      device: 'vibrating-mesh',
    });
    expect(dose1.statusCode, dose1.body).toBe(201);
    const dose2 = await coordinator.post(`/api/v1/participants/${participantId}/doses/day-2`, {
      status: 'interrupted',
      vialCode: 'VIAL-0102',
      startedAt: `${dayDate(2)}T09:00`,
      endedAt: `${dayDate(2)}T09:10`,
      volumeMl: 1.5,
      device: 'vibrating-mesh',
      interruptionReason: 'Coughing fit',
    });
    expect(dose2.statusCode, dose2.body).toBe(201);
    const dose3 = await coordinator.post(`/api/v1/participants/${participantId}/doses/day-3`, {
      status: 'not-given',
      notGivenReason: 'Participant declined',
    });
    expect(dose3.statusCode, dose3.body).toBe(201);
  });
  afterAll(async () => t?.close());

  const subject = async () => {
    for await (const batch of subjectBatches(t.database, t.studyId)) {
      const found = batch.find((entry) => entry.participant.participant_id === participantId);
      if (found) return found;
    }
    throw new Error('participant not exported');
  };

  it('writes one EX row per dose given, with the lot of the dispensed vial, times and study days', async () => {
    const study = await loadSdtmStudy(t.database, t.studyId, defaultPrivacy);
    const rows = subjectRows(study, await subject(), ['EX', 'DM']);
    expect(
      rows
        .get('EX')
        ?.map((row) => [row.EXSEQ, row.EXLOT, row.EXDOSE, row.EXADJ, row.EXSTDTC, row.EXSTDY, row.VISITNUM]),
    ).toEqual([
      [1, 'LOT-VIAL-0101', 3, null, `${dayDate(1)}T01:00:00Z`, 1, expect.any(Number)],
      [2, 'LOT-VIAL-0102', 1.5, 'Coughing fit', `${dayDate(2)}T01:00:00Z`, 2, expect.any(Number)],
    ]);
    expect(rows.get('DM')?.[0]).toMatchObject({
      RFXSTDTC: `${dayDate(1)}T01:00:00Z`,
      RFXENDTC: `${dayDate(2)}T01:10:00Z`,
    });
  });

  it('gives FHIR one MedicationAdministration per dose given', async () => {
    let text = '';
    for await (const chunk of exportFhirBundle(t.database, t.studyId, { privacy: defaultPrivacy }))
      text += chunk;
    const bundle = JSON.parse(text) as {
      entry: Array<{
        resource: {
          resourceType: string;
          effectivePeriod?: { start: string };
          dosage?: { dose?: { value: number } };
        };
      }>;
    };
    const administrations = bundle.entry
      .map((entry) => entry.resource)
      .filter((resource) => resource.resourceType === 'MedicationAdministration');
    expect(administrations.map((resource) => resource.dosage?.dose?.value)).toEqual([3, 1.5]);
    expect(administrations[0]?.effectivePeriod?.start).toBe(`${dayDate(1)}T01:00:00Z`);
  });
});
