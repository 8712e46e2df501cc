import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { createStatistician, enrolIn, readyIn, today } from './randomisation-support.ts';

// Randomisation of the randomised example protocol (2:1, stratified by site and severity): the list
// generated from a seed and sealed by the statistician, allocation at enrolment once per participant
// even when requests race, and what blinded roles are shown (a randomisation number, never an arm).

const rctProtocol = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));

describeEachDatabase('randomisation', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let statistician: SignedIn;

  const readyToEnrol = (severity: 'severe' | 'critical' | null) => readyIn(t, users, severity);
  const enrol = (participantId: string) => enrolIn(t, users, participantId);

  const listOf = async () => {
    const list = await as(t.app, statistician).get('/api/v1/randomisation/list');
    expect(list.statusCode, list.body).toBe(200);
    return list.json();
  };

  beforeAll(async () => {
    t = await createTestApp(kind, { EXOTRIAL_PROTOCOL: rctProtocol });
    users = await createTrialUsers(t);
    statistician = await createStatistician(t);
  });
  afterAll(async () => t?.close());

  describe('before the list is sealed', () => {
    it('refuses enrolment until a list is sealed, leaving the participant in screening', async () => {
      const status = await as(t.app, users.coordinator).get('/api/v1/randomisation');
      expect(status.json()).toMatchObject({ method: 'permuted-blocks', status: 'missing', allocations: 0 });
      const participantId = await readyToEnrol('severe');
      const refused = await enrol(participantId);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toContain('the statistician must generate and seal it');
      const detail = await as(t.app, users.coordinator).get(`/api/v1/participants/${participantId}`);
      expect(detail.json().status).toBe('screening');
    });

    it('lets only the statistician generate, seal and see the list', async () => {
      for (const user of [users.coordinator, users.investigator, users.dataManager, users.monitor]) {
        expect((await as(t.app, user).post('/api/v1/randomisation/list', { seed: 1 })).statusCode).toBe(403);
        expect((await as(t.app, user).get('/api/v1/randomisation/list')).statusCode).toBe(403);
      }
    });

    it('refuses a seed that is not a whole number with a message', async () => {
      const refused = await as(t.app, statistician).post('/api/v1/randomisation/list', { seed: 1.5 });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('The seed is a whole number');
    });

    it('generates a list per stratum that regenerating from the same seed reproduces', async () => {
      const first = await as(t.app, statistician).post('/api/v1/randomisation/list', { seed: 20261205 });
      expect(first.statusCode, first.body).toBe(200);
      // Four sites (three of the protocol, one added) × two severities, each with at least 36 entries in
      // whole blocks of 3 or 6 (a block of 6 drawn at 33 ends at 39).
      expect(first.json()).toMatchObject({ status: 'generated' });
      expect(first.json().strata).toHaveLength(8);
      expect(first.json().strata).toContain(`site=${users.siteId}|severity=critical`);
      const list = await listOf();
      expect(list.entries).toHaveLength(first.json().entryCount);
      for (const stratum of first.json().strata) {
        const own = list.entries.filter((entry: { stratum: string }) => entry.stratum === stratum).length;
        expect(own).toBeGreaterThanOrEqual(36);
        expect(own).toBeLessThanOrEqual(39);
      }
      expect(list.seed).toBe(20261205);
      expect(list.hashMatches).toBe(true);
      const placebo = list.entries.filter((entry: { arm: string }) => entry.arm === 'placebo').length;
      expect(placebo * 3).toBe(list.entries.length);

      const other = await as(t.app, statistician).post('/api/v1/randomisation/list', { seed: 7 });
      expect(other.json().listHash).not.toBe(first.json().listHash);
      const again = await as(t.app, statistician).post('/api/v1/randomisation/list', { seed: 20261205 });
      expect(again.json().listHash).toBe(first.json().listHash);
      expect((await listOf()).entries).toEqual(list.entries);
    });

    it('seals only the list checked, and never regenerates a sealed one', async () => {
      const wrong = await as(t.app, statistician).post('/api/v1/randomisation/list/seal', {
        listHash: '0'.repeat(64),
      });
      expect(wrong.statusCode).toBe(409);
      expect(wrong.json().message).toContain('The list changed since you checked it');
      const { listHash } = (await as(t.app, statistician).get('/api/v1/randomisation')).json();
      const sealed = await as(t.app, statistician).post('/api/v1/randomisation/list/seal', { listHash });
      expect(sealed.statusCode, sealed.body).toBe(200);
      expect(sealed.json()).toMatchObject({ status: 'sealed', sealed: { name: 'Stella Statistician' } });
      const regenerate = await as(t.app, statistician).post('/api/v1/randomisation/list', { seed: 1 });
      expect(regenerate.statusCode).toBe(409);
      expect(regenerate.json().message).toContain('a sealed list cannot be regenerated');
      const resealed = await as(t.app, statistician).post('/api/v1/randomisation/list/seal', { listHash });
      expect(resealed.statusCode).toBe(409);
    });
  });

  describe('allocation at enrolment', () => {
    it("takes the first entry of the participant's stratum and shows blinded roles its number only", async () => {
      const participantId = await readyToEnrol('severe');
      const enrolled = await enrol(participantId);
      expect(enrolled.statusCode, enrolled.body).toBe(200);
      const stratum = `site=${users.siteId}|severity=severe`;
      const list = await listOf();
      const first = list.entries.find(
        (entry: { stratum: string; sequence: number }) => entry.stratum === stratum && entry.sequence === 1,
      );
      expect(first.allocatedTo).toBe(enrolled.json().studyNumber);

      const seen = await as(t.app, users.coordinator).get(`/api/v1/participants/${participantId}/allocation`);
      expect(seen.statusCode, seen.body).toBe(200);
      expect(seen.json()).toEqual({
        randomisationNumber: first.randomisationNumber,
        stratum,
        allocatedAt: expect.any(String),
        unblindings: [],
      });
      const detail = await as(t.app, users.coordinator).get(`/api/v1/participants/${participantId}`);
      expect(detail.json().randomisationNumber).toBe(first.randomisationNumber);
      for (const body of [seen.body, enrolled.body, detail.body]) {
        expect(body).not.toMatch(/"arm"|placebo|mscs-exo/);
      }
      const otherSite = await as(t.app, users.otherCoordinator).get(
        `/api/v1/participants/${participantId}/allocation`,
      );
      expect(otherSite.statusCode).toBe(403);
    });

    it('refuses a participant whose stratification value is not recorded', async () => {
      const participantId = await readyToEnrol(null);
      const refused = await enrol(participantId);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toBe(
        'Cannot randomise: screening.diseaseSeverity is not recorded: enter it on the screening form before enrolment.',
      );
    });

    it('allocates each of several racing enrolments a different entry of the stratum, in order', async () => {
      const participants = [];
      for (let index = 0; index < 4; index++) participants.push(await readyToEnrol('critical'));
      const responses = await Promise.all(participants.map((participantId) => enrol(participantId)));
      for (const response of responses) expect(response.statusCode, response.body).toBe(200);
      const stratum = `site=${users.siteId}|severity=critical`;
      const taken = (await listOf()).entries
        .filter(
          (entry: { stratum: string; allocatedTo: string | null }) =>
            entry.stratum === stratum && entry.allocatedTo,
        )
        .map((entry: { sequence: number }) => entry.sequence);
      expect(taken).toEqual([1, 2, 3, 4]);
    });

    it('allocates a participant exactly once when the same enrolment is sent twice at once', async () => {
      const participantId = await readyToEnrol('critical');
      const coordinator = as(t.app, users.coordinator);
      const { version } = (await coordinator.get(`/api/v1/participants/${participantId}`)).json();
      const send = () =>
        coordinator.post(`/api/v1/participants/${participantId}/enrol`, { day1Date: today, version });
      const responses = await Promise.all([send(), send(), send()]);
      expect(responses.map((response) => response.statusCode).sort()).toEqual([200, 409, 409]);
      const rows = await t.database.read((db) =>
        db
          .selectFrom('randomisation_allocation')
          .select('randomisation_number')
          .where('participant_id', '=', participantId)
          .execute(),
      );
      expect(rows).toHaveLength(1);
    });

    it('audits generate, seal and allocate without the seed or any arm', async () => {
      const events = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['action', 'new_value'])
          .where('action', 'like', 'randomisation.%')
          .orderBy('seq')
          .execute(),
      );
      const actions = events.map((event) => event.action);
      expect(actions.filter((action) => action === 'randomisation.generate')).toHaveLength(3);
      expect(actions.filter((action) => action === 'randomisation.seal')).toHaveLength(1);
      expect(actions.filter((action) => action === 'randomisation.allocate')).toHaveLength(6);
      for (const event of events) {
        expect(JSON.stringify(event.new_value)).not.toMatch(/seed|"arm"|placebo|mscs-exo|20261205/);
      }
    });

    it('keeps allocations and the sealed list unchangeable in the database itself', async () => {
      await expect(
        t.database.transaction((trx) =>
          sql`update randomisation_allocation set arm = 'placebo'`.execute(trx),
        ),
      ).rejects.toThrow(/unchangeable once made/);
      await expect(
        t.database.transaction((trx) => sql`delete from randomisation_entry`.execute(trx)),
      ).rejects.toThrow(/unchangeable once made/);
      expect((await listOf()).hashMatches).toBe(true);
    });
  });
});
