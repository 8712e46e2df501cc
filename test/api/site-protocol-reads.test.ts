import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import type { WorkItem } from '../../src/participants/worklist.ts';
import { siteDateFromToday } from '../support/dosed-participant.ts';
import { createTestApp, describeEachDatabase, signIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import { enrolledParticipant, fields, shanghaiLocal } from './safety-support.ts';

// Reads over participants follow the protocol version approved at each participant's site: after an
// amendment approved at the first site only, the first site's participant has the amended schedule's
// forms on the worklist and owes a re-consent to its consent form 2.0, which every save warns of;
// the second site's keeps version 1's forms and owes nothing.

const shipped = readFileSync('protocols/mexcovid.yaml', 'utf8');
const day3Forms = '      forms: [exposure, labs, bloodGas]';
const consentLine = '    - { label: "1.0", date: "2020-02-15", languages: [zh, en] }';
/** Amendment 1: a chest CT at day 3 (the first visit with these forms) and consent form 2.0. */
const amended = shipped
  .replace(/^version: .*$/m, 'version: "1.1"')
  .replace(day3Forms, `${day3Forms.slice(0, -1)}, chestCt]`)
  .replace(consentLine, `${consentLine}\n    - { label: "2.0", date: "2020-03-01", languages: [zh, en] }`);

describeEachDatabase('reads under the protocol version of each site', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let here = '';
  let there = '';
  const day1 = siteDateFromToday(-5);
  const yesterday = siteDateFromToday(-1);

  beforeAll(async () => {
    expect(amended).toContain('forms: [exposure, labs, bloodGas, chestCt]');
    expect(amended).toContain('label: "2.0"');
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    await t.database.transaction((trx) =>
      createUser(trx, t.studyId, systemActor('test'), {
        email: 'otherinvestigator@example.org',
        name: 'Other investigator',
        roles: ['investigator'],
        siteIds: [users.otherSiteId],
        password: PASSWORD,
      }),
    );
    const otherInvestigator = await signIn(t.app, 'otherinvestigator@example.org', PASSWORD);
    here = await enrolledParticipant(t, users, day1);
    there = await enrolledParticipant(
      t,
      {
        ...users,
        siteId: users.otherSiteId,
        coordinator: users.otherCoordinator,
        investigator: otherInvestigator,
      },
      day1,
    );
    const dataManager = as(t.app, users.dataManager);
    const amendment = await dataManager.post('/api/v1/protocol/versions', {
      source: amended,
      reason: 'Amendment 1: chest CT at day 3',
    });
    expect(amendment.statusCode, amendment.body).toBe(201);
    const approval = await dataManager.post('/api/v1/protocol/versions/2/approvals', {
      siteId: users.siteId,
      approvedOn: yesterday,
    });
    expect(approval.statusCode, approval.body).toBe(201);
  });
  afterAll(async () => t?.close());

  const day3 = (items: WorkItem[]) =>
    items
      .filter((item) => item.visitKey === 'day-3')
      .map((item) => item.formId)
      .sort();

  it('lists each participant’s forms by the version approved at the participant’s site', async () => {
    const mine = await as(t.app, users.coordinator).get(`/api/v1/participants/${here}/worklist`);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(day3(mine.json().items)).toEqual(['bloodGas', 'chestCt', 'exposure', 'labs']);
    const theirs = await as(t.app, users.otherCoordinator).get(`/api/v1/participants/${there}/worklist`);
    expect(theirs.statusCode, theirs.body).toBe(200);
    expect(day3(theirs.json().items)).toEqual(['bloodGas', 'exposure', 'labs']);
  });

  it('does the same on the study-wide worklist the data manager reads', async () => {
    const response = await as(t.app, users.dataManager).get('/api/v1/worklist');
    expect(response.statusCode, response.body).toBe(200);
    const bySite = Object.fromEntries(
      response
        .json()
        .participants.map((list: { siteId: string; items: WorkItem[] }) => [list.siteId, day3(list.items)]),
    );
    expect(bySite).toEqual({
      [users.siteId]: ['bloodGas', 'chestCt', 'exposure', 'labs'],
      [users.otherSiteId]: ['bloodGas', 'exposure', 'labs'],
    });
  });

  it('warns of the re-consent owed on adverse event and dose saves, as on form saves', async () => {
    const owed = {
      versionInForce: '2.0',
      signedVersion: '1.0',
      message: {
        en: expect.stringContaining('version 2.0 is now in force'),
        zh: expect.stringContaining('2.0'),
      },
    };
    const coordinator = as(t.app, users.coordinator);
    const event = {
      term: 'Headache',
      onsetAt: shanghaiLocal(new Date(Date.now() - 3 * 3_600_000)),
      ongoing: true,
      grade: 1,
      serious: false,
      inhalationAssociated: false,
      actionTaken: 'none',
      outcome: 'recovering',
    };
    const created = await coordinator.post(`/api/v1/participants/${here}/adverse-events`, {
      entries: fields(event),
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().reconsent).toEqual(owed);
    const changed = await coordinator.put(`/api/v1/adverse-events/${created.json().aeId}`, {
      version: created.json().version,
      entries: fields({ grade: 2 }),
      reason: 'Worse by the evening',
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().reconsent).toEqual(owed);
    const dose = await coordinator.post(`/api/v1/participants/${here}/doses/day-1`, {
      status: 'not-given',
      notGivenReason: 'Refused by the participant',
    });
    expect(dose.statusCode, dose.body).toBe(201);
    expect(dose.json().reconsent).toEqual(owed);
    const corrected = await coordinator.put(`/api/v1/doses/${dose.json().administrationId}`, {
      version: dose.json().version,
      status: 'not-given',
      notGivenReason: 'Refused by the participant (nausea)',
      reason: 'Reason given in full',
    });
    expect(corrected.statusCode, corrected.body).toBe(200);
    expect(corrected.json().reconsent).toEqual(owed);
    // At the site still under version 1 nothing is owed.
    const elsewhere = await as(t.app, users.otherCoordinator).post(
      `/api/v1/participants/${there}/adverse-events`,
      { entries: fields(event) },
    );
    expect(elsewhere.statusCode, elsewhere.body).toBe(201);
    expect(elsewhere.json().reconsent).toBeNull();
  });

  it('carries every consent, re-consents included, as SDTM DS milestones', async () => {
    const reconsent = await as(t.app, users.coordinator).post(`/api/v1/participants/${here}/consent`, {
      formVersion: '2.0',
      consentedAt: new Date(Date.now() - 3_600_000).toISOString(),
      signer: 'participant',
    });
    expect(reconsent.statusCode, reconsent.body).toBe(201);
    const ds = await as(t.app, users.dataManager).get('/api/v1/exports/sdtm/ds?format=csv');
    expect(ds.statusCode, ds.body.slice(0, 200)).toBe(200);
    const [header = [], ...rows] = parse(ds.body, { record_delimiter: '\r\n' }) as string[][];
    const table = rows.map((row) => Object.fromEntries(header.map((name, index) => [name, row[index]])));
    const milestones = table.filter((row) => row.DSCAT === 'PROTOCOL MILESTONE');
    const described = milestones.map((row) => `${row.DSTERM} | ${row.DSDECOD} | ${row.EPOCH}`).sort();
    expect(described).toEqual([
      'INFORMED CONSENT OBTAINED AGAIN (CONSENT FORM VERSION 2.0) | INFORMED CONSENT OBTAINED | TREATMENT',
      'INFORMED CONSENT OBTAINED | INFORMED CONSENT OBTAINED | SCREENING',
      'INFORMED CONSENT OBTAINED | INFORMED CONSENT OBTAINED | SCREENING',
    ]);
    // Within a subject each row keeps its own sequence number.
    const keys = table.map((row) => `${row.USUBJID}/${row.DSSEQ}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
