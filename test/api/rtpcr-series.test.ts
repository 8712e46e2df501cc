import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// The site's date is at or after the UTC date in every zone the sites use (Asia/Shanghai is ahead).
const today = new Date().toISOString().slice(0, 10);
const daysBefore = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
const formUrl = (participantId: string, visitKey: string, formId: string, instance: number) =>
  `/api/v1/participants/${participantId}/visits/${visitKey}/forms/${formId}?instance=${instance}`;

interface Test {
  collectedOn: string;
  specimen: string;
  result: string;
  ctValue?: number;
}
const entriesOf = (test: Test) =>
  Object.fromEntries(Object.entries(test).map(([item, value]) => [item, { value }]));

const screeningTests: Test[] = [
  { collectedOn: daysBefore(2), specimen: 'nasopharyngeal-swab', result: 'negative' },
  { collectedOn: daysBefore(1), specimen: 'sputum', result: 'negative' },
  { collectedOn: today, specimen: 'sputum', result: 'positive', ctValue: 27.5 },
];
const unscheduledTests: Test[] = [
  { collectedOn: daysBefore(2), specimen: 'oropharyngeal-swab', result: 'positive', ctValue: 31 },
  { collectedOn: daysBefore(1), specimen: 'sputum', result: 'negative' },
  { collectedOn: today, specimen: 'sputum', result: 'negative' },
];

describeEachDatabase('an RT-PCR series: several tests at a visit and at the unscheduled visit', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    const coordinator = as(t.app, users.coordinator);
    const screened = await coordinator.post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: today,
    });
    expect(screened.statusCode, screened.body).toBe(201);
    participantId = screened.json().participantId;
    const consent = await coordinator.post(`/api/v1/participants/${participantId}/consent`, {
      formVersion: '1.0',
      consentedAt: new Date().toISOString(),
      signer: 'participant',
    });
    expect(consent.statusCode, consent.body).toBe(201);
    for (const [visitKey, tests] of [
      ['screening', screeningTests],
      ['unscheduled', unscheduledTests],
    ] as const) {
      for (const [index, test] of tests.entries()) {
        const saved = await coordinator.put(formUrl(participantId, visitKey, 'rtPcr', index + 1), {
          version: 0,
          entries: entriesOf(test),
        });
        expect(saved.statusCode, saved.body).toBe(200);
        expect(saved.json()).toMatchObject({ instance: index + 1, complete: true });
      }
    }
  });
  afterAll(async () => t?.close());

  it('reads each test back as its own record', async () => {
    const coordinator = as(t.app, users.coordinator);
    for (const [visitKey, tests] of [
      ['screening', screeningTests],
      ['unscheduled', unscheduledTests],
    ] as const) {
      for (const [index, test] of tests.entries()) {
        const read = await coordinator.get(formUrl(participantId, visitKey, 'rtPcr', index + 1));
        expect(read.statusCode, read.body).toBe(200);
        const { entries, instance, visitKey: readVisit } = read.json();
        expect({ instance, visitKey: readVisit }).toEqual({ instance: index + 1, visitKey });
        for (const [item, value] of Object.entries(test)) expect(entries[item].value).toBe(value);
      }
    }
    const unsaved = await coordinator.get(formUrl(participantId, 'screening', 'rtPcr', 4));
    expect(unsaved.json().recordId).toBeNull();
    // A form that does not repeat still has one record per visit.
    const second = await coordinator.get(formUrl(participantId, 'screening', 'vitals', 2));
    expect(second.statusCode).toBe(400);
  });

  it('meets the PCR criterion by the positive respiratory test among the negatives at screening', async () => {
    const eligibility = await as(t.app, users.coordinator).get(
      `/api/v1/participants/${participantId}/eligibility`,
    );
    expect(eligibility.statusCode, eligibility.body).toBe(200);
    const criteria: { id: string; result: boolean | null }[] = eligibility.json().criteria;
    expect(criteria.find((criterion) => criterion.id === 'in4')?.result).toBe(true);
  });

  it('exports one SDTM MB record per test, in collection order with MBSEQ', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/exports/sdtm/mb?format=csv',
      headers: users.dataManager.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    const rows: Record<string, string>[] = parse(response.body, { columns: true, bom: true });
    const results = rows.filter((row) => row.MBTESTCD === 'SARSCOV2');
    expect(results).toHaveLength(6);
    const atScreening = results.filter((row) => row.VISIT === 'Screening and baseline');
    expect(atScreening.map((row) => [row.MBDTC, row.MBORRES, row.MBSPEC])).toEqual([
      [daysBefore(2), 'Negative', 'NASOPHARYNGEAL SWAB'],
      [daysBefore(1), 'Negative', 'SPUTUM'],
      [today, 'Positive', 'SPUTUM'],
    ]);
    const unscheduled = results.filter((row) => row.VISIT === 'Unscheduled');
    expect(unscheduled.map((row) => row.MBSTRESC)).toEqual(['POSITIVE', 'NEGATIVE', 'NEGATIVE']);
    // An unscheduled visit has no planned study day; the collection date gives MBDY.
    expect(unscheduled.map((row) => row.VISITDY)).toEqual(['', '', '']);
    const cycles = rows.filter((row) => row.MBTESTCD === 'CTVALUE').map((row) => Number(row.MBSTRESN));
    expect(cycles.sort()).toEqual([27.5, 31]);
    expect(rows.map((row) => Number(row.MBSEQ))).toEqual(rows.map((_row, index) => index + 1));
    const dates = rows.map((row) => row.MBDTC);
    expect(dates).toEqual([...dates].sort());
  });

  it('carries each test in ODM (FormRepeatKey) and in REDCap as repeating-instrument rows', async () => {
    const download = (url: string) =>
      t.app.inject({ method: 'GET', url, headers: users.dataManager.headers });
    const odm = await download('/api/v1/exports/odm');
    expect(odm.statusCode, odm.body).toBe(200);
    const repeatKeys = [...odm.body.matchAll(/<FormData FormOID="F\.rtPcr"[^>]*FormRepeatKey="(\d+)"/g)].map(
      (match) => match[1],
    );
    expect(repeatKeys).toEqual(['1', '2', '3', '1', '2', '3']);
    const redcap = await download('/api/v1/exports/redcap?part=data');
    expect(redcap.statusCode, redcap.body).toBe(200);
    const rows: Record<string, string>[] = parse(redcap.body, { columns: true, bom: true });
    const pcr = rows.filter((row) => row.redcap_repeat_instrument === 'rtpcr');
    expect(pcr.map((row) => row.redcap_repeat_instance)).toEqual(['1', '2', '3', '1', '2', '3']);
  });
});
