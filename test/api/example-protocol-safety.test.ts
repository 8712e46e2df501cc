import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { fields, shanghaiLocal } from './safety-support.ts';

// A study run from the example protocol, whose adverse-event items have names of its own (onset
// `startDate`, causality `related`, awareness `siteAwareAt`): safety reporting, its rules and SDTM AE
// read them through `safety.adverseEvents`, not by the shipped protocol's names.

const NEBSAL = fileURLToPath(new URL('../../protocols/examples/nebsal.yaml', import.meta.url));
const HOUR = 3_600_000;

describeEachDatabase('the example protocol’s adverse events, read by meaning', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_PROTOCOL: NEBSAL,
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    const coordinator = as(t.app, users.coordinator);
    const today = shanghaiLocal(new Date()).slice(0, 10);
    const screened = await coordinator.post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: today,
    });
    expect(screened.statusCode, screened.body).toBe(201);
    participantId = screened.json().participantId;
    const consent = await coordinator.post(`/api/v1/participants/${participantId}/consent`, {
      formVersion: '1.0',
      // A few hours ago, but never before the screening day began at the site (just after its midnight).
      consentedAt: new Date(
        Math.max(Date.parse(`${today}T00:00:00+08:00`), Date.now() - 3 * HOUR),
      ).toISOString(),
      signer: 'participant',
    });
    expect(consent.statusCode, consent.body).toBe(201);
  });
  afterAll(async () => t?.close());

  it('a related serious event starts the sponsor clock at awareness and trips the protocol’s stopping rule', async () => {
    const aware = new Date(Date.now() - HOUR);
    aware.setUTCSeconds(0, 0);
    const onset = shanghaiLocal(new Date(aware.getTime() - HOUR)).slice(0, 10);
    const response = await as(t.app, users.investigator).post(
      `/api/v1/participants/${participantId}/adverse-events`,
      {
        entries: fields({
          term: 'Bronchospasm',
          startDate: onset,
          grade: 3,
          serious: true,
          siteAwareAt: shanghaiLocal(aware),
          related: 'related',
        }),
      },
    );
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json();
    expect(body.summary).toMatchObject({
      term: 'Bronchospasm',
      onsetAt: onset,
      grade: 3,
      serious: true,
      causality: 'related',
      related: true,
    });
    const clock = body.clocks.find((entry: { clockId: string }) => entry.clockId === 'sae-to-sponsor');
    expect(clock, JSON.stringify(body.clocks)).toBeDefined();
    expect(Date.parse(clock.deadline)).toBe(aware.getTime() + 24 * HOUR);
    expect(body.trippedRules).toEqual(['related-serious']);
  });

  it('refuses a serious event without the time the site became aware, naming the protocol’s item', async () => {
    const response = await as(t.app, users.investigator).post(
      `/api/v1/participants/${participantId}/adverse-events`,
      {
        entries: fields({
          term: 'Haemoptysis',
          startDate: shanghaiLocal(new Date(Date.now() - 2 * HOUR)).slice(0, 10),
          grade: 2,
          serious: true,
          related: 'not-related',
        }),
      },
    );
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().details.fields).toContainEqual(expect.objectContaining({ field: 'siteAwareAt' }));
  });

  it('a site coordinator may not record the causality, the protocol’s `related` item', async () => {
    const response = await as(t.app, users.coordinator).post(
      `/api/v1/participants/${participantId}/adverse-events`,
      {
        entries: fields({
          term: 'Cough',
          startDate: shanghaiLocal(new Date(Date.now() - 2 * HOUR)).slice(0, 10),
          grade: 1,
          serious: false,
          related: 'related',
        }),
      },
    );
    expect(response.statusCode, response.body).toBe(403);
  });

  it('SDTM AE carries the onset and causality from the protocol’s own items', async () => {
    const response = await as(t.app, users.dataManager).get('/api/v1/exports/sdtm/ae?format=csv');
    expect(response.statusCode, response.body).toBe(200);
    const rows: Record<string, string>[] = parse(response.body, { columns: true });
    const bronchospasm = rows.find((row) => row.AETERM === 'Bronchospasm');
    // AEREL is the causality item's own label, as for the shipped protocol.
    expect(bronchospasm).toMatchObject({ AESER: 'Y', AEREL: 'AT LEAST POSSIBLY RELATED', AETOXGR: '3' });
    expect(bronchospasm?.AESTDTC).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
