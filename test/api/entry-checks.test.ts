import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import type { UserView } from '../../src/auth/auth.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import type { FieldInput } from '../../src/crf/entries.ts';
import { saveForm } from '../../src/crf/form.service.ts';
import { checkForm } from '../../src/crf/form-checks.ts';
import { DomainError } from '../../src/kernel/errors.ts';
import { recordConsent } from '../../src/participants/consent.service.ts';
import { enrolParticipant } from '../../src/participants/lifecycle.service.ts';
import { confirmEligibility, screenParticipant } from '../../src/participants/participant.service.ts';
import { currentProtocol } from '../../src/study/protocol-store.ts';
import { dateInZone } from '../../src/study/site-time.ts';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PASSWORD = 'entry checks password';

// Explicit clocks: 12:00 in Shanghai (the default site's zone) on today's UTC date, and 00:30 the
// next day in Shanghai while UTC is still on its date (the site's today is a day ahead of UTC's).
const utcMidnight = Math.floor(Date.now() / DAY) * DAY;
const noon = new Date(utcMidnight + 4 * HOUR);
const afterSiteMidnight = new Date(utcMidnight + 16.5 * HOUR);
const today = dateInZone(noon, 'Asia/Shanghai');
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
const yearsBefore = (date: string, years: number, days = 0) =>
  addDays(`${Number(date.slice(0, 4)) - years}${date.slice(4)}`, -days);

const caller = (user: UserView) => ({
  user,
  actor: { type: 'user' as const, userId: user.userId, label: user.email },
});
type Caller = ReturnType<typeof caller>;

const fields = (values: Record<string, unknown>): Record<string, FieldInput> =>
  Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

/** The sentence a 400 carries for one field. */
const fieldMessage = (error: DomainError, field: string) =>
  (error.details as { fields: Array<{ field: string; message: string }> }).fields.find(
    (entry) => entry.field === field,
  )?.message;

describeEachDatabase('entry checks', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let coordinator: Caller;
  let investigator: Caller;

  beforeAll(async () => {
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    const [coordinatorUser, investigatorUser] = await t.database.transaction(async (trx) => [
      await createUser(trx, t.studyId, systemActor('test'), {
        email: 'entry-coordinator@example.org',
        name: 'Entry Coordinator',
        roles: ['study_coordinator'],
        siteIds: [users.siteId],
        password: PASSWORD,
      }),
      await createUser(trx, t.studyId, systemActor('test'), {
        email: 'entry-investigator@example.org',
        name: 'Entry Investigator',
        roles: ['investigator'],
        siteIds: [users.siteId],
        password: PASSWORD,
      }),
    ]);
    coordinator = caller(coordinatorUser);
    investigator = caller(investigatorUser);
  });
  afterAll(async () => t?.close());

  /** A participant screened on `screeningDate` with consent recorded that day (or at `consentedAt`), by the clock given. */
  async function consented(
    screeningDate: string,
    clock = noon,
    consentedAt = `${screeningDate}T02:00:00Z`,
  ): Promise<string> {
    const participantId = await screenParticipant(
      t.database,
      t.studyId,
      coordinator,
      { siteId: users.siteId, screeningDate },
      clock,
    );
    await recordConsent(
      t.database,
      t.studyId,
      coordinator,
      participantId,
      { formVersion: '1.0', consentedAt, signer: 'participant' },
      clock,
    );
    return participantId;
  }

  const save = (participantId: string, formId: string, values: Record<string, unknown>, clock = noon) =>
    saveForm(
      t.database,
      t.studyId,
      coordinator,
      { participantId, visitKey: 'screening', formId, instance: 1 },
      { version: 0, entries: fields(values) },
      clock,
    );

  // The consent record's version (see `consented`): the form's copy may not differ from it.
  const consentForm = (consentDate: string, consentVersion = '1.0') => ({
    consentSigned: true,
    consentDate,
    signedBy: 'participant',
    consentVersion,
    willingToReceive: true,
  });

  it('takes a required text of only spaces as empty, on the server and in the shared browser check', async () => {
    const participantId = await consented(addDays(today, -1));
    const saved = await save(participantId, 'informedConsent', consentForm(addDays(today, -1), '   '));
    expect(saved.incomplete).toEqual(['consentVersion']);
    expect(saved.complete).toBe(false);
    // Nothing was stored for it: spaces are not kept as a value.
    expect(saved.entries.consentVersion).toBeUndefined();
    const { protocol } = await t.database.read((db) => currentProtocol(db, t.studyId));
    const form = protocol.forms.find((entry) => entry.id === 'informedConsent');
    if (!form) throw new Error('no informed consent form');
    const draft = fields(consentForm(addDays(today, -1), ' \t '));
    expect(checkForm(protocol, form, draft).incomplete).toEqual(['consentVersion']);
    expect(checkForm(protocol, form, fields(consentForm(addDays(today, -1)))).incomplete).toEqual([]);
  });

  it('dates the consent form as the consent record: not after today at the site, not before screening', async () => {
    const screeningDate = addDays(today, -1);
    const participantId = await consented(screeningDate);
    const future = await refusal(save(participantId, 'informedConsent', consentForm(addDays(today, 1))));
    expect(future.status).toBe(400);
    expect(fieldMessage(future, 'consentDate')).toBe(
      `The date of consent must lie between the screening date (${screeningDate}) and today at the site (${today}).`,
    );
    const early = await refusal(
      save(participantId, 'informedConsent', consentForm(addDays(screeningDate, -1))),
    );
    expect(fieldMessage(early, 'consentDate')).toContain('between the screening date');
    // At 00:30 in Shanghai the site's today is the next day, while UTC's is still this one.
    // Consent given just after the site's midnight: the record, and so the form, date it the site's tomorrow.
    const late = await consented(today, afterSiteMidnight, afterSiteMidnight.toISOString());
    const siteTomorrow = dateInZone(afterSiteMidnight, 'Asia/Shanghai');
    expect(siteTomorrow).toBe(addDays(today, 1));
    const accepted = await save(late, 'informedConsent', consentForm(siteTomorrow), afterSiteMidnight);
    expect(accepted.entries.consentDate?.value).toBe(siteTomorrow);
  });

  it('refuses a consent record in the future or dated before screening at the site', async () => {
    const participantId = await screenParticipant(
      t.database,
      t.studyId,
      coordinator,
      { siteId: users.siteId, screeningDate: today },
      noon,
    );
    const consent = (consentedAt: string) =>
      recordConsent(
        t.database,
        t.studyId,
        coordinator,
        participantId,
        { formVersion: '1.0', consentedAt, signer: 'participant' },
        noon,
      );
    const future = await refusal(consent(new Date(noon.getTime() + HOUR).toISOString()));
    expect(fieldMessage(future, 'consentedAt')).toContain('cannot be dated in the future');
    // 15:30 UTC the day before is 23:30 in Shanghai: the day before screening at the site.
    const before = await refusal(consent(new Date(utcMidnight - 8.5 * HOUR).toISOString()));
    expect(fieldMessage(before, 'consentedAt')).toBe(
      `Consent cannot be dated before the screening date (${today}).`,
    );
    // 16:30 UTC the day before is 00:30 in Shanghai on the screening date: accepted.
    await consent(new Date(utcMidnight - 7.5 * HOUR).toISOString());
  });

  it('refuses dates before 1900 and a birth date giving an age over 120; over 100 opens a query', async () => {
    const screeningDate = addDays(today, -1);
    const participantId = await consented(screeningDate);
    await save(participantId, 'informedConsent', consentForm(screeningDate));
    const ancient = await refusal(save(participantId, 'demographics', { birthDate: '1899-12-31' }));
    expect(ancient.status).toBe(400);
    expect(fieldMessage(ancient, 'birthDate')).toBe('Enter a date from 1900 on.');
    const tooOld = await refusal(
      save(participantId, 'demographics', { birthDate: yearsBefore(screeningDate, 121, 10) }),
    );
    expect(fieldMessage(tooOld, 'birthDate')).toBe(
      'This date of birth gives an age of 121 years; check it (at most 120).',
    );
    const unusual = await save(participantId, 'demographics', {
      birthDate: yearsBefore(screeningDate, 101, 10),
    });
    expect(unusual.warnings.map((warning) => warning.message.en)).toEqual([
      'This date of birth gives an age of 101 years: please confirm it.',
    ]);
    expect(unusual.queries).toHaveLength(1);
    expect(unusual.queries[0]).toMatchObject({ status: 'open', itemId: 'birthDate' });
  });

  it('opens a query for a visit date more than a year before screening, not for medical history', async () => {
    const screeningDate = addDays(today, -1);
    const participantId = await consented(screeningDate);
    const longAgo = addDays(screeningDate, -400);
    const vitals = await save(participantId, 'vitals', { assessedAt: `${longAgo}T08:00` });
    expect(vitals.warnings.map((warning) => warning.message.en)).toEqual([
      `This date is more than a year before screening (${screeningDate}): please confirm it.`,
    ]);
    const history = await save(participantId, 'medicalHistory', {
      symptomOnsetDate: addDays(screeningDate, -400),
    });
    expect(history.warnings).toEqual([]);
  });

  it('refuses enrolment past the screening window, showing the window', async () => {
    const screeningDate = addDays(today, -1);
    const participantId = await consented(screeningDate);
    for (const [formId, values] of Object.entries(
      eligibleScreeningForms(screeningDate, `${screeningDate}T08:00:00Z`),
    )) {
      await save(participantId, formId, values);
    }
    await confirmEligibility(t.database, t.studyId, investigator, t.config.lockout, participantId, PASSWORD);
    const version = async () =>
      (
        await t.database.read((db) =>
          db
            .selectFrom('participant')
            .select('version')
            .where('participant_id', '=', participantId)
            .executeTakeFirstOrThrow(),
        )
      ).version;
    const enrol = async (day1Date: string) =>
      enrolParticipant(
        t.database,
        t.studyId,
        coordinator,
        participantId,
        { day1Date, version: await version() },
        noon,
      );
    const lastDay1 = addDays(screeningDate, 3);
    const late = await refusal(enrol(addDays(screeningDate, 4)));
    expect(late.status).toBe(400);
    expect(fieldMessage(late, 'day1Date')).toBe(
      `Day 1 (${addDays(screeningDate, 4)}) is past the screening window: screening runs from day -2 to day 0, ` +
        `so screening on ${screeningDate} allows day 1 up to ${lastDay1}. Screen the participant again.`,
    );
    expect(await enrol(lastDay1)).toMatch(/^RJ-\d{3}$/);
  });
});
