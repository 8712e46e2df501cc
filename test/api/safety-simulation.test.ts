import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

describeEachDatabase('stopping rules simulated over the API', (kind) => {
  let t: TestApp;
  let users: TrialUsers;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('simulates each rule of the study’s protocol, with the planned enrolment unless told, reproducibly', async () => {
    const body = { trueRates: [0.1, 0.02], runs: 2_000, seed: 5 };
    const response = await as(t.app, users.coordinator).post('/api/v1/safety/simulation', body);
    expect(response.statusCode, response.body).toBe(200);
    const result = response.json();
    expect(result.participants).toBe(30);
    expect(
      result.rules.map((rule: { ruleId: string; trueRate: number }) => `${rule.ruleId} ${rule.trueRate}`),
    ).toEqual([
      'related-grade-4 0.02',
      'related-grade-4 0.1',
      'related-death 0.02',
      'related-death 0.1',
      'related-serious-rate 0.02',
      'related-serious-rate 0.1',
    ]);
    const closed = 1 - 0.9 ** 30;
    expect(Math.abs(result.rules[1].probabilityTripped - closed)).toBeLessThan(
      4 * Math.sqrt((closed * (1 - closed)) / 2_000),
    );
    const again = await as(t.app, users.monitor).post('/api/v1/safety/simulation', body);
    expect(again.json()).toEqual(result);
    const fewer = await as(t.app, users.monitor).post('/api/v1/safety/simulation', {
      ...body,
      participants: 8,
    });
    expect(fewer.json().rules[0].enrolledAtTrip).toHaveLength(8);
  });

  it('refuses a rate out of range, too much work and a caller who is not signed in, saying what to fix', async () => {
    const rate = await as(t.app, users.coordinator).post('/api/v1/safety/simulation', { trueRates: [1.5] });
    expect(rate.statusCode).toBe(400);
    expect(rate.body).toContain('A rate is from 0 to 1.');
    const big = await as(t.app, users.coordinator).post('/api/v1/safety/simulation', {
      trueRates: [0.01, 0.02, 0.05, 0.1, 0.2, 0.3],
      participants: 1_000,
      runs: 50_000,
    });
    expect(big.statusCode).toBe(400);
    expect(big.json().message + JSON.stringify(big.json().details)).toContain(
      'lower the runs, the participants or the rates',
    );
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/v1/safety/simulation',
      payload: { trueRates: [0.1] },
    });
    expect(anonymous.statusCode).toBe(401);
  });
});
