import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// One consent record with its impartial witness and the consent form version signed; amendments that
// take effect site by site when each site's ethics committee approves them; a new consent form version
// that asks the participants who signed an older one to consent again, with a warning at every save
// until they do; and the protocol version each form was saved under.

const DAY = 86_400_000;
// Yesterday at the site (Asia/Shanghai), so times on it are past at any hour and in any zone.
const shanghaiToday = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const yesterday = new Date(Date.parse(`${shanghaiToday}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
const consentedAt = `${yesterday}T10:00:00+08:00`;
const later = (minutes: number) => new Date(Date.parse(consentedAt) + minutes * 60_000).toISOString();

const shipped = readFileSync('protocols/mexcovid.yaml', 'utf8');
const versionLine = '    - { label: "1.0", date: "2020-02-15", languages: [zh, en] }';
/** Amendment 1: consent form version 2.0 and a relabelled vital sign. */
const amended = shipped
  .replace(/^version: .*$/m, 'version: "1.1"')
  .replace(versionLine, `${versionLine}\n    - { label: "2.0", date: "2020-03-01", languages: [zh, en] }`)
  .replace('Body temperature', 'Body temperature (axillary)');

const vitals = (participantId: string) =>
  `/api/v1/participants/${participantId}/visits/screening/forms/vitals`;
const labs = (participantId: string) => `/api/v1/participants/${participantId}/visits/screening/forms/labs`;

describeEachDatabase('consent, re-consent and amendments per site', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let here: string;
  let there: string;

  const coordinator = () => as(t.app, users.coordinator);
  const dataManager = () => as(t.app, users.dataManager);
  const screen = async (user: TrialUsers['coordinator'], siteId: string) => {
    const screened = await as(t.app, user).post('/api/v1/participants', { siteId, screeningDate: yesterday });
    expect(screened.statusCode, screened.body).toBe(201);
    return screened.json().participantId as string;
  };
  const consent = (participantId: string, body: Record<string, unknown>, user = users.coordinator) =>
    as(t.app, user).post(`/api/v1/participants/${participantId}/consent`, {
      consentedAt,
      signer: 'participant',
      ...body,
    });
  const detail = async (participantId: string, user = users.coordinator) =>
    (await as(t.app, user).get(`/api/v1/participants/${participantId}`)).json();
  const approvals = async () => (await coordinator().get('/api/v1/protocol/approvals')).json();

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    here = await screen(users.coordinator, users.siteId);
    there = await screen(users.otherCoordinator, users.otherSiteId);
  });
  afterAll(async () => t?.close());

  describe('the consent record', () => {
    it('refuses a version the protocol does not list, naming those it lists', async () => {
      const refused = await consent(here, { formVersion: '9.9' });
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().details.fields).toEqual([
        expect.objectContaining({ field: 'formVersion', message: expect.stringContaining('(1.0)') }),
      ]);
    });

    it('asks for an impartial witness when the participant cannot read or sign, and for none otherwise', async () => {
      const missing = await consent(here, { formVersion: '1.0', unableToRead: true });
      expect(missing.statusCode, missing.body).toBe(400);
      expect(missing.json().details.fields.map((field: { field: string }) => field.field)).toEqual([
        'witnessName',
      ]);
      const halfGiven = await consent(here, {
        formVersion: '1.0',
        unableToRead: true,
        witnessName: 'Wang Li',
      });
      expect(halfGiven.statusCode, halfGiven.body).toBe(400);
      // The request's own shape is checked first, so the field is named under the body.
      expect(halfGiven.json().details.fields[0].field).toBe('body.witnessSignedAt');
      const before = await consent(here, {
        formVersion: '1.0',
        unableToRead: true,
        witnessName: 'Wang Li',
        witnessSignedAt: later(-30),
      });
      expect(before.statusCode, before.body).toBe(400);
      expect(before.json().details.fields[0].field).toBe('witnessSignedAt');
      const unasked = await consent(here, {
        formVersion: '1.0',
        witnessName: 'Wang Li',
        witnessSignedAt: later(5),
      });
      expect(unasked.statusCode, unasked.body).toBe(400);
      expect(unasked.json().details.fields[0].message).toMatch(/only when the participant cannot read/);
      expect((await detail(here)).consents).toEqual([]);
    });

    it('records the witness with the consent and names who obtained it', async () => {
      const recorded = await consent(here, {
        formVersion: '1.0',
        unableToRead: true,
        witnessName: 'Wang Li',
        witnessSignedAt: later(5),
      });
      expect(recorded.statusCode, recorded.body).toBe(201);
      const [record] = (await detail(here)).consents;
      expect(record).toMatchObject({
        formVersion: '1.0',
        unableToRead: true,
        witnessName: 'Wang Li',
        witnessSignedAt: later(5),
        obtainedByName: 'Coordinator',
      });
      expect(record.obtainedBy).not.toBe(record.obtainedByName);
      const other = await consent(there, { formVersion: '1.0' }, users.otherCoordinator);
      expect(other.statusCode, other.body).toBe(201);
      expect((await detail(here)).reconsentDue).toBeNull();
    });
  });

  describe('an amendment approved site by site', () => {
    it('leaves every site on the version approved there until its approval is recorded', async () => {
      const amendment = await dataManager().post('/api/v1/protocol/versions', {
        source: amended,
        reason: 'Amendment 1: consent form 2.0',
      });
      expect(amendment.statusCode, amendment.body).toBe(201);
      expect(amendment.json()).toMatchObject({ versionNo: 2, current: true });
      expect((await approvals()).map((site: { workingVersionNo: number }) => site.workingVersionNo)).toEqual([
        1, 1,
      ]);
      expect((await detail(here)).siteProtocolVersion).toBe(1);
      // New data at the site are still entered under version 1, whose only consent form is 1.0.
      const saved = await coordinator().put(vitals(here), {
        version: 0,
        entries: { heartRate: { value: 80 } },
      });
      expect(saved.statusCode, saved.body).toBe(200);
      expect(saved.json()).toMatchObject({ protocolVersion: 1, reconsent: null });
      const early = await consent(here, { formVersion: '2.0', consentedAt: later(60) });
      expect(early.statusCode, early.body).toBe(400);
      expect(early.json().details.fields[0].field).toBe('formVersion');
    });

    it('records an approval only by a protocol manager, dated no later than today, once, audited', async () => {
      const approval = { siteId: users.siteId, approvedOn: yesterday };
      const byCoordinator = await coordinator().post('/api/v1/protocol/versions/2/approvals', approval);
      expect(byCoordinator.statusCode).toBe(403);
      const future = await dataManager().post('/api/v1/protocol/versions/2/approvals', {
        ...approval,
        approvedOn: '2999-01-01',
      });
      expect(future.statusCode, future.body).toBe(400);
      expect(future.json().details.fields[0].field).toBe('approvedOn');
      const unknownSite = await dataManager().post('/api/v1/protocol/versions/2/approvals', {
        ...approval,
        siteId: 'nowhere',
      });
      expect(unknownSite.statusCode).toBe(404);
      const recorded = await dataManager().post('/api/v1/protocol/versions/2/approvals', approval);
      expect(recorded.statusCode, recorded.body).toBe(201);
      expect(recorded.json()).toMatchObject({
        siteId: users.siteId,
        workingVersionNo: 2,
        workingLabel: '1.1',
        approvals: expect.arrayContaining([
          expect.objectContaining({
            versionNo: 2,
            approvedOn: yesterday,
            recordedBy: 'datamanager@example.org',
          }),
        ]),
      });
      const again = await dataManager().post('/api/v1/protocol/versions/2/approvals', approval);
      expect(again.statusCode, again.body).toBe(409);
      const status = await approvals();
      expect(
        Object.fromEntries(
          status.map((site: { siteId: string; workingVersionNo: number }) => [
            site.siteId,
            site.workingVersionNo,
          ]),
        ),
      ).toEqual({ [users.siteId]: 2, [users.otherSiteId]: 1 });
      const trail = await t.database.read((db) =>
        db.selectFrom('audit_event').selectAll().where('action', '=', 'protocol.approve').execute(),
      );
      expect(trail).toEqual([
        expect.objectContaining({
          entity_id: `${t.studyId}/2`,
          old_value: { siteId: users.siteId, version: 1 },
          new_value: { siteId: users.siteId, version: 2, label: '1.1', approvedOn: yesterday },
        }),
      ]);
    });

    it('saves new forms under the version each site works under; a saved form keeps its own', async () => {
      const hereLabs = await coordinator().put(labs(here), {
        version: 0,
        entries: { creatinine: { value: 80 } },
      });
      expect(hereLabs.statusCode, hereLabs.body).toBe(200);
      expect(hereLabs.json().protocolVersion).toBe(2);
      const thereLabs = await as(t.app, users.otherCoordinator).put(labs(there), {
        version: 0,
        entries: { creatinine: { value: 81 } },
      });
      expect(thereLabs.statusCode, thereLabs.body).toBe(200);
      expect(thereLabs.json()).toMatchObject({ protocolVersion: 1, reconsent: null });
      expect((await detail(here)).siteProtocolVersion).toBe(2);
      expect((await detail(there, users.otherCoordinator)).siteProtocolVersion).toBe(1);
      expect((await coordinator().get(vitals(here))).json().protocolVersion).toBe(1);
      // The ODM export names the version each form was entered under.
      const odm = await dataManager().get('/api/v1/exports/odm');
      expect(odm.statusCode).toBe(200);
      const formData = (formOid: string) =>
        [...odm.body.matchAll(/<FormData FormOID="([^"]+)"[^>]*>[\s\S]*?<\/FormData>/g)]
          .filter((match) => match[1] === formOid)
          .map((match) => /Entered under protocol version (\d+)/.exec(match[0])?.[1]);
      expect(formData('F.labs').sort()).toEqual(['1', '2']);
      expect(formData('F.vitals')).toEqual(['1']);
      // The other site does not list version 2.0 yet: nobody there is asked to consent again.
      expect((await detail(there, users.otherCoordinator)).reconsentDue).toBeNull();
    });
  });

  describe('re-consent to the consent form version in force', () => {
    it('is due for a participant who signed an older version, shown on the list, worklist and each save', async () => {
      const owed = { versionInForce: '2.0', signedVersion: '1.0' };
      expect((await detail(here)).reconsentDue).toEqual(owed);
      const list = (await coordinator().get('/api/v1/participants')).json();
      expect(
        list.items.find((item: { participantId: string }) => item.participantId === here).reconsentDue,
      ).toEqual(owed);
      const worklist = (await coordinator().get(`/api/v1/participants/${here}/worklist`)).json();
      expect(worklist.reconsentDue).toEqual(owed);
      const saved = await coordinator().put(labs(here), {
        version: 1,
        entries: { creatinine: { value: 82 } },
        reason: 'Transcription error',
      });
      expect(saved.statusCode, saved.body).toBe(200);
      expect(saved.json().reconsent).toEqual({
        ...owed,
        message: {
          en: expect.stringContaining('version 2.0 is now in force'),
          zh: expect.stringContaining('2.0'),
        },
      });
    });

    it('is recorded as a new consent, history kept and audited, and the warnings go', async () => {
      const recorded = await consent(here, { formVersion: '2.0', consentedAt: later(120) });
      expect(recorded.statusCode, recorded.body).toBe(201);
      const after = await detail(here);
      expect(after.consents.map((entry: { formVersion: string }) => entry.formVersion)).toEqual([
        '1.0',
        '2.0',
      ]);
      expect(after.reconsentDue).toBeNull();
      const saved = await coordinator().put(labs(here), {
        version: 2,
        entries: { creatinine: { value: 83 } },
        reason: 'Transcription error',
      });
      expect(saved.json().reconsent).toBeNull();
      const trail = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['old_value', 'reason'])
          .where('action', '=', 'participant.consent')
          .where('entity_id', '=', here)
          .orderBy('seq')
          .execute(),
      );
      expect(trail).toEqual([
        { old_value: null, reason: null },
        { old_value: { formVersion: '1.0' }, reason: 'Re-consent: version 1.0 to 2.0.' },
      ]);
    });
  });
});
