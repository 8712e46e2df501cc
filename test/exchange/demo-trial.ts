// A small trial built through the API as a site would enter it: one participant followed from
// screening through dosing to the end of the study, one screen failure. Exchange tests export it.
import { expect } from 'vitest';
import { eligibleScreeningForms, sampleVitals } from '../../src/synth/sample-patient.ts';
import { dispensedVial, givenDose, recordDose } from '../support/dosed-participant.ts';
import type { TestApp } from '../support/test-app.ts';
import { as, PASSWORD, type TrialUsers } from '../support/trial-users.ts';

const DAY = 86_400_000;
export const isoDay = (offset: number, from = Date.now()) =>
  new Date(from + offset * DAY).toISOString().slice(0, 10);

export interface DemoTrial {
  enrolledId: string;
  failedId: string;
  screeningDate: string;
  day1: string;
}

type Values = Record<string, unknown>;
const asEntries = (values: Values) =>
  Object.fromEntries(
    Object.entries(values).map(([item, value]) =>
      value && typeof value === 'object' && ('missing' in value || 'unit' in value)
        ? [item, value]
        : [item, { value }],
    ),
  );

export async function buildDemoTrial(t: TestApp, users: TrialUsers): Promise<DemoTrial> {
  const coordinator = as(t.app, users.coordinator);
  const screeningDate = isoDay(-12);
  const day1 = isoDay(-11);
  const dayDate = (day: number) => isoDay(day - 1, Date.parse(`${day1}T00:00:00Z`));
  const save = async (
    participantId: string,
    visitKey: string,
    formId: string,
    values: Values,
    instance = 1,
  ) => {
    const response = await coordinator.put(
      `/api/v1/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/${formId}?instance=${instance}`,
      { version: 0, entries: asEntries(values) },
    );
    expect(response.statusCode, `${visitKey} ${formId}: ${response.body}`).toBe(200);
    return response.json() as { recordId: string };
  };
  const screen = async () => {
    const response = await coordinator.post('/api/v1/participants', { siteId: users.siteId, screeningDate });
    expect(response.statusCode, response.body).toBe(201);
    const participantId = response.json().participantId as string;
    const consent = await coordinator.post(`/api/v1/participants/${participantId}/consent`, {
      formVersion: '1.0',
      consentedAt: `${screeningDate}T01:00:00Z`,
      signer: 'participant',
    });
    expect(consent.statusCode, consent.body).toBe(201);
    return participantId;
  };

  const enrolledId = await screen();
  const forms = eligibleScreeningForms(screeningDate, `${screeningDate}T08:00:00Z`);
  forms.medicalHistory = {
    symptomOnsetDate: isoDay(-8, Date.parse(`${screeningDate}T00:00:00Z`)),
    hypertension: true,
    diabetes: false,
    coronaryHeartDisease: false,
    heartFailure: false,
    chronicLungDisease: false,
    chronicKidneyDisease: false,
    chronicLiverDisease: false,
    malignancy: false,
    immunodeficiency: false,
    otherConditions: 'Gout, "well controlled"',
  };
  forms.labs = {
    collectedOn: screeningDate,
    wbc: 6.45,
    lymphocytes: 0.62,
    crp: 48.3,
    il6: { missing: 'not_done', missingReason: 'Assay not available' },
    dDimer: 1.25,
    alt: 42,
    ast: 38,
    bilirubin: 12.4,
    // 0.9 mg/dL as the laboratory reported it: 79.6 µmol/L, kept as 80 (the item has no decimals).
    creatinine: { value: 0.9, unit: 'mg/dL' },
  };
  forms.demographics = { ...forms.demographics, height: 172 };
  // The site's reference ranges (src/labs): LB reports each value's range and flag against it.
  const ranges = await as(t.app, users.dataManager).post(`/api/v1/sites/${users.siteId}/lab-ranges/import`, {
    csv: 'item,sex,ageLow,ageHigh,low,high,unit\nlabs.lymphocytes,,,,1.1,3.2,10*9/L\nlabs.creatinine,M,,,57,97,umol/L\n',
  });
  expect(ranges.statusCode, ranges.body).toBe(200);
  for (const [formId, values] of Object.entries(forms)) await save(enrolledId, 'screening', formId, values);
  await save(enrolledId, 'screening', 'conmeds', {
    medication: 'Lopinavir/ritonavir',
    category: 'antiviral',
    indication: 'COVID-19',
    dose: '400/100 mg twice daily',
    route: 'oral',
    startDate: screeningDate,
    ongoing: true,
  });
  const investigator = as(t.app, users.investigator);
  const confirmed = await investigator.post(`/api/v1/participants/${enrolledId}/eligibility/confirm`, {
    password: PASSWORD,
  });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  const detail = await coordinator.get(`/api/v1/participants/${enrolledId}`);
  const enrol = await coordinator.post(`/api/v1/participants/${enrolledId}/enrol`, {
    day1Date: day1,
    version: detail.json().version,
  });
  expect(enrol.statusCode, enrol.body).toBe(200);

  for (const day of [1, 2]) {
    const date = dayDate(day);
    // The dose is recorded once, in the dosing module, which fills the exposure form.
    // The vial was thawed (and its lot stocked) at 07:30 UTC of the dose day; its lot bears its code.
    const thawedAt = new Date(`${date}T07:30:00Z`);
    const vialCode = `LOT-A-00${day}`;
    await dispensedVial(t, users.siteId, enrolledId, {
      visitId: `day-${day}`,
      code: vialCode,
      lotNumber: vialCode,
      manufacturedOn: date,
      thawedAt,
      storedAt: thawedAt,
    });
    await recordDose(
      t,
      users.coordinator,
      enrolledId,
      `day-${day}`,
      givenDose(vialCode, date, '09:00:00Z', '09:20:00Z'),
    );
    const exposure = (
      await coordinator.get(`/api/v1/participants/${enrolledId}/visits/day-${day}/forms/exposure?instance=1`)
    ).json() as { recordId: string };
    if (day === 1) {
      const signed = await investigator.post(`/api/v1/records/${exposure.recordId}/sign`, {
        password: PASSWORD,
      });
      expect(signed.statusCode, signed.body).toBe(200);
    }
    await save(enrolledId, `day-${day}/pre-dose`, 'vitals', sampleVitals(`${date}T08:30:00Z`));
    await save(enrolledId, `day-${day}/post-30`, 'vitals', {
      ...sampleVitals(`${date}T09:50:00Z`),
      temperature: 37.9,
    });
    await save(
      enrolledId,
      'daily-status',
      'clinicalStatus',
      {
        assessedOn: date,
        died: false,
        hospitalised: true,
        supplementalOxygen: true,
        hfnoOrNiv: false,
        invasiveVentilation: false,
        ecmo: false,
        icu: false,
        vasoactiveDrugs: false,
      },
      day,
    );
  }
  // Causality is the investigator's assessment.
  const adverseEvent = await investigator.post(`/api/v1/participants/${enrolledId}/adverse-events`, {
    entries: asEntries({
      term: 'Cough after nebulisation',
      onsetAt: `${dayDate(1)}T09:40:00Z`,
      ongoing: false,
      resolvedAt: `${dayDate(1)}T12:00:00Z`,
      grade: 1,
      serious: false,
      causality: 'possible',
      inhalationAssociated: true,
      actionTaken: 'none',
      outcome: 'recovered',
    }),
  });
  expect(adverseEvent.statusCode, adverseEvent.body).toBe(201);
  await save(enrolledId, 'day-28', 'endOfStudy', {
    status: 'completed',
    lastContactDate: dayDate(10),
    contactMode: 'telephone',
  });

  const failedId = await screen();
  const failedDetail = await coordinator.get(`/api/v1/participants/${failedId}`);
  const outcome = await coordinator.post(`/api/v1/participants/${failedId}/screen-outcome`, {
    outcome: 'screen_failed',
    reason: 'RT-PCR negative',
    version: failedDetail.json().version,
  });
  expect(outcome.statusCode, outcome.body).toBe(200);
  return { enrolledId, failedId, screeningDate, day1 };
}
