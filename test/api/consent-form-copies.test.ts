import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// The informed-consent form copies the consent record (signed, date, signer, form version): a form save
// may keep those answers or give the record's, never others, and says where they come from; consenting
// again to a new version of the consent form rewrites the saved copies through the audited form save.

const DAY = 86_400_000;
// The day before today at the site (Asia/Shanghai), so a consent at 10:00 that day is past at any hour.
const shanghaiToday = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const screeningDate = new Date(Date.parse(`${shanghaiToday}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
const consentedAt = `${screeningDate}T10:00:00+08:00`;
const url = (participantId: string) =>
  `/api/v1/participants/${participantId}/visits/screening/forms/informedConsent?instance=1`;
const copies = {
  consentSigned: true,
  consentDate: screeningDate,
  signedBy: 'participant',
  consentVersion: '1.0',
};
const entries = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));

describeEachDatabase('the consent form’s copies of the consent record', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    const screened = await coordinator().post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate,
    });
    expect(screened.statusCode, screened.body).toBe(201);
    participantId = screened.json().participantId;
    const consent = await coordinator().post(`/api/v1/participants/${participantId}/consent`, {
      formVersion: '1.0',
      consentedAt,
      signer: 'participant',
    });
    expect(consent.statusCode, consent.body).toBe(201);
  });
  afterAll(async () => t?.close());

  const coordinator = () => as(t.app, users.coordinator);
  const form = async () => (await coordinator().get(url(participantId))).json();

  it('refuses a first save whose copies differ from the record, naming where they come from', async () => {
    const refused = await coordinator().put(url(participantId), {
      version: 0,
      entries: entries({ ...copies, consentDate: shanghaiToday, willingToReceive: true }),
    });
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().error).toBe('validation_failed');
    expect(refused.json().details.fields).toEqual([
      expect.objectContaining({
        field: 'consentDate',
        message: expect.stringMatching(
          /comes from the consent record \(\d{4}-\d{2}-\d{2}\).*record the consent again/,
        ),
        messages: expect.objectContaining({ zh: expect.stringContaining('知情同意记录') }),
      }),
    ]);
    expect((await form()).version).toBe(0);
  });

  it("saves the record's answers, and later saves that keep them or leave them out", async () => {
    const saved = await coordinator().put(url(participantId), {
      version: 0,
      entries: entries({ ...copies, willingToReceive: true }),
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const kept = await coordinator().put(url(participantId), {
      version: 1,
      entries: entries({ ...copies, willingToReceive: false }),
      reason: 'Changed their mind',
    });
    expect(kept.statusCode, kept.body).toBe(200);
    const omitted = await coordinator().put(url(participantId), {
      version: 2,
      entries: entries({ willingToReceive: true }),
      reason: 'Agreed after all',
    });
    expect(omitted.statusCode, omitted.body).toBe(200);
  });

  it('refuses a change to a saved copy, with a reason or without, and saves nothing', async () => {
    for (const change of [{ consentVersion: '2.0' }, { signedBy: 'legal_representative' }]) {
      const refused = await coordinator().put(url(participantId), {
        version: 3,
        entries: entries(change),
        reason: 'Typed from the paper form',
      });
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().details.fields.map((field: { field: string }) => field.field)).toEqual(
        Object.keys(change),
      );
    }
    // Unticking "signed" hides the other copies: refused too (by the form's own checks first).
    const unsigned = await coordinator().put(url(participantId), {
      version: 3,
      entries: entries({ consentSigned: false }),
      reason: 'Typed from the paper form',
    });
    expect(unsigned.statusCode, unsigned.body).toBe(400);
    const after = await form();
    expect(after.version).toBe(3);
    expect(after.entries.consentSigned.value).toBe(true);
    expect(after.entries.consentVersion.value).toBe('1.0');
  });

  it('rewrites the saved copies when the participant consents again to a new version, audited', async () => {
    // Consent form 2.0 comes with an amendment, in force at the site once its approval is recorded.
    const versionLine = '    - { label: "1.0", date: "2020-02-15", languages: [zh, en] }';
    const amended = readFileSync('protocols/mexcovid.yaml', 'utf8')
      .replace(/^version: .*$/m, 'version: "1.1"')
      .replace(
        versionLine,
        `${versionLine}\n    - { label: "2.0", date: "2020-03-01", languages: [zh, en] }`,
      );
    const dataManager = as(t.app, users.dataManager);
    const amendment = await dataManager.post('/api/v1/protocol/versions', {
      source: amended,
      reason: 'Consent 2.0',
    });
    expect(amendment.statusCode, amendment.body).toBe(201);
    const approval = await dataManager.post('/api/v1/protocol/versions/2/approvals', {
      siteId: users.siteId,
      approvedOn: screeningDate,
    });
    expect(approval.statusCode, approval.body).toBe(201);
    const again = await coordinator().post(`/api/v1/participants/${participantId}/consent`, {
      formVersion: '2.0',
      consentedAt: new Date(Date.parse(consentedAt) + 3_600_000).toISOString(),
      signer: 'participant',
    });
    expect(again.statusCode, again.body).toBe(201);
    const after = await form();
    expect(after.version).toBe(4);
    // The version follows the consent in force; the date stays the first consent's.
    expect(after.entries.consentVersion.value).toBe('2.0');
    expect(after.entries.consentDate.value).toBe(screeningDate);
    const trail = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select(['action', 'field', 'old_value', 'new_value', 'reason', 'actor_label'])
        .where('study_id', '=', t.studyId)
        .where('entity_type', '=', 'form_record')
        .where('field', 'like', '%informedConsent%consentVersion')
        .orderBy('seq')
        .execute(),
    );
    expect(trail.at(-1)).toMatchObject({
      action: 'crf.value.change',
      old_value: expect.objectContaining({ value: '1.0' }),
      new_value: expect.objectContaining({ value: '2.0' }),
      reason: 'Consent recorded again (consent form version 2.0).',
      actor_label: 'coordinator@example.org',
    });
    // The form now takes the new version, and still refuses the old one.
    const old = await coordinator().put(url(participantId), {
      version: 4,
      entries: entries({ consentVersion: '1.0' }),
      reason: 'x',
    });
    expect(old.statusCode, old.body).toBe(400);
  });
});
