import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { enrolledParticipant, fields, shanghaiLocal } from './safety-support.ts';

// WHO-UMC "conditional" and "unassessable" mean a relationship could not be ruled out: a serious
// unexpected event so judged is a suspected reaction for expedited reporting (the default protocol
// does not write the mapping, so this is the default), while "unlikely" is not.

const HOUR = 3_600_000;
const today = new Date().toISOString().slice(0, 10);

describeEachDatabase('causality for expedited reporting', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    participantId = await enrolledParticipant(t, users, today);
  });
  afterAll(async () => t?.close());

  async function seriousUnexpected(causality: string) {
    const aware = new Date(Date.now() - 2 * HOUR);
    aware.setUTCSeconds(0, 0);
    const response = await as(t.app, users.investigator).post(
      `/api/v1/participants/${participantId}/adverse-events`,
      {
        entries: fields({
          term: `Pneumonia (${causality})`,
          onsetAt: shanghaiLocal(new Date(aware.getTime() - HOUR)),
          ongoing: true,
          grade: 3,
          serious: true,
          seriousnessCriteria: ['hospitalisation'],
          awareAt: shanghaiLocal(aware),
          causality,
          expected: false,
          inhalationAssociated: false,
          actionTaken: 'none',
          outcome: 'recovering',
        }),
      },
    );
    expect(response.statusCode, response.body).toBe(201);
    return { aware, body: response.json() };
  }
  const clockIds = (body: { clocks: { clockId: string }[] }) => body.clocks.map((clock) => clock.clockId);

  describe.each(['conditional', 'unassessable'])('%s causality', (causality) => {
    it('an unexpected SAE starts the 15-day SUSAR clock beside the site’s 24-hour clock', async () => {
      const { aware, body } = await seriousUnexpected(causality);
      expect(body.summary).toMatchObject({ causality, related: false, expedited: true, susar: true });
      expect(clockIds(body).sort()).toEqual(['sae-to-sponsor', 'susar-other']);
      const susar = body.clocks.find((clock: { clockId: string }) => clock.clockId === 'susar-other');
      expect(susar).toMatchObject({ status: 'due', reporter: 'sponsor', recipient: 'regulator' });
      expect(Date.parse(susar.deadline) - aware.getTime()).toBe(15 * 24 * HOUR); // Shanghai has no DST

      const listed = await as(t.app, users.investigator).get(`/api/v1/adverse-events/${body.aeId}`);
      expect(listed.statusCode, listed.body).toBe(200);
      expect(clockIds(listed.json())).toContain('susar-other');

      const report = await as(t.app, users.investigator).get(
        `/api/v1/adverse-events/${body.aeId}/report?clockId=susar-other`,
      );
      expect(report.statusCode, report.body).toBe(200);
      expect(report.json().assessment).toMatchObject({
        related: false,
        possiblyRelatedForExpeditedReporting: true,
        expected: false,
        susar: true,
      });
    });
  });

  it('"unlikely" causality: an unexpected SAE starts only the site’s clock, no SUSAR clock', async () => {
    const { body } = await seriousUnexpected('unlikely');
    expect(body.summary).toMatchObject({
      causality: 'unlikely',
      related: false,
      expedited: false,
      susar: false,
    });
    expect(clockIds(body)).toEqual(['sae-to-sponsor']);
  });

  it('the dashboard counts the conditional and unassessable events as SUSARs, not as related', async () => {
    const response = await as(t.app, users.investigator).get('/api/v1/safety/dashboard');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().totals).toMatchObject({ events: 3, serious: 3, related: 0, susars: 2 });
  });
});
