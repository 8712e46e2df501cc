import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import {
  dispensedVial,
  givenDose,
  recordDose,
  saveSpo2Fall,
  siteDateFromToday,
} from '../support/dosed-participant.ts';
import { enrolWithScreeningForms, randomisedStudy } from '../support/randomised-study.ts';
import { type createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, type TrialUsers } from '../support/trial-users.ts';
import { rctProtocol } from './blinding-support.ts';
import { enrolledParticipant, fields } from './safety-support.ts';

// A trial that is not MEXCOVID, run from its file alone: the test protocol is randomised, double-blind and
// placebo-controlled, given by intravenous injection (no device, no inhalation events), and takes its vital
// signs around the dose and records each dose on forms whose ids are its own. Screening, randomisation,
// dosing, the dose record form, SDTM EX and SDTM TS all take what they need from the file.

const INFUSION = fileURLToPath(new URL('../fixtures/protocols/infusion-rct.yaml', import.meta.url));
const day1 = siteDateFromToday(-3);

const formUrl = (participantId: string, visitKey: string, formId: string) =>
  `/api/v1/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/${formId}?instance=1`;

/** A participant screened, consented, found eligible on the test protocol's own forms, enrolled with `day1`. */
const enrolled = (t: TestApp, users: TrialUsers): Promise<string> =>
  enrolWithScreeningForms(t, users, {
    day1,
    consentedAt: new Date(`${day1}T07:00:00+08:00`).toISOString(),
    forms: [
      ['consent', { signed: true, signedOn: day1 }],
      ['baseline', { birthDate: '1970-05-01', priorReaction: false }],
    ],
  });

/** The study's app with a sealed randomisation list, one participant enrolled and a vial dispensed for day 1. */
async function trialWithDispensedVial(
  kind: Parameters<typeof createTestApp>[0],
  protocolFile: string,
  enrol: (t: TestApp, users: TrialUsers) => Promise<string> = enrolled,
) {
  const { t, users } = await randomisedStudy(kind, {
    protocol: protocolFile,
    seed: 20261211,
    environment: {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    },
  });
  const participantId = await enrol(t, users);
  await dispensedVial(t, users.siteId, participantId, {
    visitId: 'day-1',
    code: 'KIT-0001',
    manufacturedOn: day1,
    thawedAt: new Date(`${day1}T07:30:00+08:00`),
  });
  return { t, users, participantId };
}

const injection = {
  status: 'completed',
  vialCode: 'KIT-0001',
  startedAt: `${day1}T08:00`,
  endedAt: `${day1}T08:05`,
  volumeMl: 10,
};

const tsRows = async (t: TestApp, users: TrialUsers) => {
  const response = await as(t.app, users.dataManager).get('/api/v1/exports/sdtm/ts?format=csv');
  expect(response.statusCode, response.body).toBe(200);
  return parse(response.body, { columns: true }) as Array<Record<string, string>>;
};

describeEachDatabase('a randomised intravenous trial run from its protocol file', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;

  beforeAll(async () => {
    ({ t, users, participantId } = await trialWithDispensedVial(kind, INFUSION));
  });
  afterAll(async () => t?.close());

  it('refuses a device for a regimen that uses none, saying to leave it out', async () => {
    const refused = await as(t.app, users.coordinator).post(
      `/api/v1/participants/${participantId}/doses/day-1`,
      { ...injection, device: 'vibrating-mesh' },
    );
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().details.fields).toEqual([
      expect.objectContaining({ field: 'device', message: expect.stringContaining('leave the device out') }),
    ]);
  });

  it('records the injection without a device, asks nothing about nebulisation, and writes the EX form', async () => {
    const missing = await as(t.app, users.coordinator).post(
      `/api/v1/participants/${participantId}/doses/day-1`,
      { status: 'completed', vialCode: 'KIT-0001' },
    );
    expect(missing.statusCode, missing.body).toBe(400);
    const messages = missing.json().details.fields.map((field: { message: string }) => field.message);
    expect(messages).toEqual(expect.arrayContaining([expect.stringContaining('the dose started')]));
    expect(messages.join(' ')).not.toMatch(/nebuli[sz]/i);
    expect(missing.json().details.fields.map((field: { field: string }) => field.field)).not.toContain(
      'device',
    );

    const dose = await recordDose(t, users.coordinator, participantId, 'day-1', injection);
    expect(dose).toMatchObject({ status: 'completed', device: null, vialNumber: 'KIT-0001', volumeMl: 10 });
    const form = await as(t.app, users.coordinator).get(formUrl(participantId, 'day-1', 'injection'));
    expect(form.statusCode, form.body).toBe(200);
    // The file's `doseRecord` names the form's own items for each meaning.
    const entries = form.json().entries;
    expect(entries.given.value).toBe(true);
    expect(entries.injectedVolume.value).toBe(10);
    expect(entries.injectedFrom.value).toBe(`${day1}T08:00`);
    expect(entries.injectedUntil.value).toBe(`${day1}T08:05`);
    expect(Object.keys(entries)).not.toContain('administered');
  });

  it('SDTM EX holds the injection recorded on the form’s own items', async () => {
    const response = await as(t.app, users.dataManager).get('/api/v1/exports/sdtm/ex?format=csv');
    expect(response.statusCode, response.body).toBe(200);
    const rows = parse(response.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((row) => [row.EXDOSE, row.EXSTDTC, row.EXENDTC, row.VISIT])).toEqual([
      ['10', `${day1}T00:00:00Z`, `${day1}T00:05:00Z`, expect.any(String)],
    ]);
  });

  it('takes the observations around the dose on the protocol’s own form and raises no inhalation flag', async () => {
    for (const [visitKey, at, saturation] of [
      ['day-1/before', `${day1}T07:30`, 97],
      ['day-1/after-60', `${day1}T09:05`, 85],
    ] as const) {
      const saved = await as(t.app, users.coordinator).put(formUrl(participantId, visitKey, 'observations'), {
        version: 0,
        entries: fields({ takenAt: at, pulse: 80, saturation }),
      });
      expect(saved.statusCode, `${visitKey}: ${saved.body}`).toBe(200);
    }
    const schedule = await as(t.app, users.coordinator).get(`/api/v1/participants/${participantId}/doses`);
    expect(schedule.statusCode, schedule.body).toBe(200);
    const [first] = schedule.json().doses;
    expect(first.administration).toMatchObject({ status: 'completed', device: null });
    expect(first.administration.flags).toEqual([]);
  });

  it('SDTM TS states the trial’s own design: placebo control, randomised, double blind, intravenous', async () => {
    const rows = await tsRows(t, users);
    const value = (code: string) => rows.filter((row) => row.TSPARMCD === code).map((row) => row.TSVAL);
    expect(value('TCNTRL')).toEqual(['PLACEBO']);
    expect(rows.find((row) => row.TSPARMCD === 'TCNTRL')).toMatchObject({
      TSVALCD: 'C49648',
      TSVCDREF: 'CDISC',
    });
    expect(value('RANDOM')).toEqual(['Y']);
    expect(value('TBLIND')).toEqual(['DOUBLE BLIND']);
    expect(value('ROUTE')).toEqual(['INTRAVENOUS']);
    expect(value('TRT')).toEqual(['TEST-IV']);
    expect(value('NARMS')).toEqual(['2']);
    // Not a ClinicalTrials.gov number: no registry is claimed for it.
    expect(rows.find((row) => row.TSPARMCD === 'REGID')).toMatchObject({
      TSVAL: 'EXAMPLE-0002',
      TSVCDREF: '',
    });
  });
});

describeEachDatabase('the same trial inhaled: flags read the protocol’s own vital-sign items', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;
  let folder: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'exotrial-inhaled-'));
    const protocolFile = join(folder, 'inhaled.yaml');
    const document = parseDocument(readFileSync(INFUSION, 'utf8'));
    // A study id of its own: the server caches protocol versions by study and version for the process.
    document.setIn(['study', 'id'], 'infusion-rct-inhaled');
    const nebulizer = { kind: 'jet-nebulizer', name: { en: 'Jet nebulizer', zh: '喷射雾化器' } };
    for (const path of [['regimen'], ['study', 'design', 'arms', 1, 'regimen']]) {
      document.setIn([...path, 'route'], 'inhalation');
      document.setIn([...path, 'device'], nebulizer);
    }
    document.setIn(['safety', 'inhalationEvents'], {
      description: { en: 'Desaturation after a dose', zh: '给药后血氧饱和度下降' },
      observationMinutes: 120,
      spo2DropPoints: 3,
      spo2BelowPercent: 90,
      respiratoryRateRisePerMinute: 5,
      bronchospasm: true,
      newCough: false,
      fever: { celsius: 38, withinHours: 12 },
    });
    writeFileSync(protocolFile, document.toString());
    ({ t, users, participantId } = await trialWithDispensedVial(kind, protocolFile));
  });
  afterAll(async () => {
    await t?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('asks for the device the regimen uses, by its name', async () => {
    const refused = await as(t.app, users.coordinator).post(
      `/api/v1/participants/${participantId}/doses/day-1`,
      { ...injection, bronchospasm: false, newCough: false },
    );
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().details.fields).toEqual([
      expect.objectContaining({ field: 'device', message: 'Give the device used (Jet nebulizer).' }),
    ]);
  });

  it('flags a fall of the `saturation` item after the dose, from the reading of the after-60 timepoint', async () => {
    await recordDose(t, users.coordinator, participantId, 'day-1', {
      ...injection,
      device: 'jet',
      bronchospasm: false,
      newCough: false,
    });
    for (const [visitKey, at, saturation] of [
      ['day-1/before', `${day1}T07:30`, 97],
      ['day-1/after-60', `${day1}T09:05`, 88],
    ] as const) {
      const saved = await as(t.app, users.coordinator).put(formUrl(participantId, visitKey, 'observations'), {
        version: 0,
        entries: fields({ takenAt: at, pulse: 80, saturation }),
      });
      expect(saved.statusCode, `${visitKey}: ${saved.body}`).toBe(200);
    }
    const schedule = await as(t.app, users.coordinator).get(`/api/v1/participants/${participantId}/doses`);
    expect(schedule.statusCode, schedule.body).toBe(200);
    const flags: Array<{ kind: string; source: string | null }> =
      schedule.json().doses[0].administration.flags;
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.every((flag) => flag.source === 'day-1/after-60')).toBe(true);
  });
});

describeEachDatabase('the randomised example through dosing: an inhaled dose in either arm', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;

  beforeAll(async () => {
    ({ t, users, participantId } = await trialWithDispensedVial(kind, rctProtocol, (app, trialUsers) =>
      enrolledParticipant(app, trialUsers, day1, { screening: { diseaseSeverity: 'severe' } }),
    ));
  }, 300_000);
  afterAll(async () => t?.close());

  it('asks for the nebulizer of the regimen, then records the dose and flags a fall of SpO2 after it', async () => {
    const { device: _device, ...withoutDevice } = givenDose('KIT-0001', day1);
    const refused = await as(t.app, users.coordinator).post(
      `/api/v1/participants/${participantId}/doses/day-1`,
      {
        ...withoutDevice,
        bronchospasm: false,
        newCough: false,
      },
    );
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().details.fields).toEqual([
      expect.objectContaining({
        field: 'device',
        message: 'Give the device used (Vibrating-mesh nebulizer).',
      }),
    ]);
    await recordDose(t, users.coordinator, participantId, 'day-1', {
      ...givenDose('KIT-0001', day1),
      bronchospasm: false,
      newCough: false,
    });
    await saveSpo2Fall(t, users.coordinator, participantId, day1);
    const schedule = await as(t.app, users.coordinator).get(`/api/v1/participants/${participantId}/doses`);
    expect(schedule.statusCode, schedule.body).toBe(200);
    const [first] = schedule.json().doses;
    expect(first.administration).toMatchObject({ status: 'completed', device: 'vibrating-mesh' });
    expect(first.administration.flags.map((flag: { source: string }) => flag.source)).toContain(
      'day-1/post-30',
    );
    // The blinded coordinator's view of the dose names no arm.
    expect(schedule.body).not.toMatch(/mscs-exo|placebo/i);
  });

  it('SDTM TS states the placebo control and the blinding of the randomised example', async () => {
    const rows = await tsRows(t, users);
    const value = (code: string) => rows.filter((row) => row.TSPARMCD === code).map((row) => row.TSVAL);
    expect(value('TCNTRL')).toEqual(['PLACEBO']);
    expect(value('RANDOM')).toEqual(['Y']);
    expect(value('TBLIND')).toEqual(['DOUBLE BLIND']);
    expect(value('ROUTE')).toEqual(['RESPIRATORY (INHALATION)']);
  });
});
