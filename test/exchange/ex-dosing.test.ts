import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportFhirBundle } from '../../src/exchange/fhir/fhir-bundle.ts';
import { defaultPrivacy } from '../../src/exchange/privacy.ts';
import { loadSdtmStudy, subjectRows } from '../../src/exchange/sdtm/sdtm-export.ts';
import {
  type FormRecordRow,
  givenDoses,
  type SubjectSource,
  subjectBatches,
} from '../../src/exchange/source.ts';
import { readProtocolFile } from '../../src/study/protocol-source.ts';
import { dateAfter, dosedParticipant, givenDose, siteDateFromToday } from '../support/dosed-participant.ts';
import { createTestApp, type TestApp } from '../support/test-app.ts';
import { createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// SDTM EX, DM's exposure dates and FHIR MedicationAdministration come from the dosing module's dose
// records when it holds any, with the lot of the vial the pharmacy dispensed.

const day1 = siteDateFromToday(-3);
const dayDate = (day: number) => dateAfter(day1, day - 1);
/** A vial of lot `LOT-<code>`, dispensed (and thawed) at 00:00 UTC of its dose day. */
const vial = (day: number, code: string) => ({
  visitId: `day-${day}`,
  code,
  lotNumber: `LOT-${code}`,
  thawedAt: new Date(`${dayDate(day)}T00:00:00Z`),
});

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
    // Site time is Asia/Shanghai (UTC+8): 09:00 there is 01:00 UTC.
    ({ participantId } = await dosedParticipant(t, users, {
      day1,
      vials: [vial(1, 'VIAL-0101'), vial(2, 'VIAL-0102')],
      doses: [
        { visitId: 'day-1', body: givenDose('VIAL-0101', dayDate(1), '09:00', '09:20') },
        {
          visitId: 'day-2',
          body: {
            ...givenDose('VIAL-0102', dayDate(2), '09:00', '09:10'),
            status: 'interrupted',
            volumeMl: 1.5,
            interruptionReason: 'Coughing fit',
          },
        },
        { visitId: 'day-3', body: { status: 'not-given', notGivenReason: 'Participant declined' } },
      ],
    }));
  });
  afterAll(async () => t?.close());

  const subject = async () => {
    for await (const batch of subjectBatches(t.database, t.studyId, 'adverseEvent')) {
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

describe('doses kept only on the dose record form', () => {
  /** A participant with no dose records of the dosing module and these entries on the form `formId`. */
  const subjectWith = (formId: string, entries: Array<Record<string, unknown>>): SubjectSource => {
    const at = new Date(`${day1}T12:00:00Z`);
    const records: FormRecordRow[] = entries.map((values, index) => ({
      study_id: 'study',
      record_id: `record-${index + 1}`,
      participant_id: 'participant',
      site_id: 'site',
      visit_id: `day-${index + 1}`,
      form_id: formId,
      instance: 1,
      entries: Object.fromEntries(Object.entries(values).map(([itemId, value]) => [itemId, { value }])),
      protocol_version: 1,
      signed_at: null,
      signed_by: null,
      signed_version: null,
      locked_at: null,
      locked_by: null,
      created_at: at,
      updated_at: at,
      version: 1,
    }));
    return {
      participant: {} as SubjectSource['participant'],
      consents: [],
      records,
      doses: [],
      deviations: [],
      labFlags: [],
    };
  };

  it('reads each dose given from the items the protocol’s doseRecord names, whatever their ids', async () => {
    const infusion = fileURLToPath(new URL('../fixtures/protocols/infusion-rct.yaml', import.meta.url));
    const { protocol } = await readProtocolFile(infusion);
    expect(protocol.doseRecord?.items).toMatchObject({ administered: 'given', volume: 'injectedVolume' });
    const subject = subjectWith('injection', [
      {
        given: true,
        injectedFrom: `${day1}T08:00`,
        injectedUntil: `${day1}T08:05`,
        injectedVolume: 10,
        // An item of the name another protocol uses is not read here.
        volume: 99,
      },
      { given: false },
      { administered: true, startedAt: `${day1}T08:00` },
    ]);
    expect(givenDoses(subject, protocol)).toEqual([
      {
        id: 'record-1',
        visitId: 'day-1',
        instance: 1,
        startedAt: `${day1}T08:00`,
        endedAt: `${day1}T08:05`,
        volumeMl: 10,
        lotNumber: null,
        vialCode: null,
        interruptionReason: null,
      },
    ]);
  });
});
