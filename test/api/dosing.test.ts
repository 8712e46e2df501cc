import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dateAfter,
  dispensedVial,
  dosedParticipant,
  givenDose,
  saveSpo2Fall,
  siteDateFromToday,
  spo2FallEvent,
} from '../support/dosed-participant.ts';
import { createTestApp, describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { createPharmacists } from './product-fixtures.ts';
import { createSafetyOfficer, fields } from './safety-support.ts';

// Day 1 was three days ago (site dates in Asia/Shanghai, UTC+8, no daylight saving), so the window of
// the day-2 dose (its day ±6 hours, to 06:00 of day 3 at the site) has closed at any hour the test
// runs; two days ago it was still open until 06:00 in Shanghai (22:00 UTC).
const day1 = siteDateFromToday(-3);
const day2 = dateAfter(day1, 1);
const day3 = dateAfter(day1, 2);

describeEachDatabase('dosing records', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let officer: SignedIn;
  let participantId: string;
  let otherParticipantId: string;
  let dose1Id: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    officer = await createSafetyOfficer(t);
    // Each vial thawed half an hour before its dose (the exposure form's checks want use within 6 hours).
    ({ participantId } = await dosedParticipant(t, users, {
      day1,
      vials: [
        { visitId: 'day-1', code: 'VIAL-0001', thawedAt: new Date(`${day1}T07:30+08:00`) },
        { visitId: 'day-2', code: 'VIAL-0003', thawedAt: new Date(`${day2}T13:30+08:00`) },
      ],
    }));
    ({ participantId: otherParticipantId } = await dosedParticipant(t, users, {
      day1,
      vials: [{ visitId: 'day-1', code: 'VIAL-0002' }],
    }));
  });
  afterAll(async () => t?.close());

  const coordinator = () => as(t.app, users.coordinator);
  const doseUrl = (visitId: string, who = participantId) => `/api/v1/participants/${who}/doses/${visitId}`;
  const given = givenDose('VIAL-0001', day1);

  describe('recording a dose', () => {
    it('names every missing field of a given dose, and of a dose not given', async () => {
      const bare = await coordinator().post(doseUrl('day-1'), { status: 'completed' });
      expect(bare.statusCode).toBe(400);
      const named = bare.json().details.fields.map((field: { field: string }) => field.field);
      expect(named).toEqual(expect.arrayContaining(['startedAt', 'endedAt', 'volumeMl', 'device']));
      const notGiven = await coordinator().post(doseUrl('day-1'), { status: 'not-given' });
      expect(notGiven.json().details.fields[0]).toMatchObject({ field: 'notGivenReason' });
    });

    it('refuses a vial dispensed to someone else, or never dispensed', async () => {
      const others = await coordinator().post(doseUrl('day-1'), { ...given, vialCode: 'VIAL-0002' });
      expect(others.statusCode).toBe(400);
      expect(others.json().details.fields[0].message).toContain('another participant');
      const unknown = await coordinator().post(doseUrl('day-1'), { ...given, vialCode: 'VIAL-9999' });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().details.fields[0].message).toContain('No dispensing record');
    });

    it('refuses a vial that came back to the pharmacy unused', async () => {
      const { pharmacist } = await createPharmacists(t, users);
      await dispensedVial(t, users.siteId, otherParticipantId, {
        visitId: 'day-2',
        code: 'VIAL-0104',
        manufacturedOn: day1,
      });
      const dispensingId = await t.database.read(async (db) => {
        const row = await db
          .selectFrom('dispensing')
          .innerJoin('vial', 'vial.vial_id', 'dispensing.vial_id')
          .select('dispensing.dispensing_id')
          .where('vial.code', '=', 'VIAL-0104')
          .executeTakeFirstOrThrow();
        return row.dispensing_id;
      });
      const back = await as(t.app, pharmacist).post(`/api/v1/product/dispensings/${dispensingId}/return`, {
        scannedCode: 'VIAL-0104',
        reason: 'Dose not given: the participant was in CT.',
      });
      expect(back.statusCode, back.body).toBe(200);
      const refused = await coordinator().post(doseUrl('day-2', otherParticipantId), {
        ...given,
        vialCode: 'VIAL-0104',
        startedAt: `${day2}T08:00`,
        endedAt: `${day2}T08:15`,
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().details.fields[0]).toMatchObject({ field: 'vialCode' });
      expect(refused.json().details.fields[0].message).toContain('came back to the pharmacy unused');
      const doses = await t.database.read((db) =>
        db
          .selectFrom('dosing_administration')
          .select('visit_id')
          .where('participant_id', '=', otherParticipantId)
          .where('visit_id', '=', 'day-2')
          .execute(),
      );
      expect(doses).toEqual([]);
    });

    it('records dose 1 from the scanned vial; it is given and counted', async () => {
      const response = await coordinator().post(doseUrl('day-1'), given);
      expect(response.statusCode, response.body).toBe(201);
      dose1Id = response.json().administrationId;
      expect(response.json()).toMatchObject({
        doseNumber: 1,
        status: 'completed',
        vialNumber: 'VIAL-0001',
        flags: [],
      });
      expect(response.json().startedAt).toBe(new Date(`${day1}T00:00:00Z`).toISOString());
      const again = await coordinator().post(doseUrl('day-1'), given);
      expect(again.statusCode).toBe(409);
    });

    it('writes the visit’s exposure form from the dose record, audited; the eCRF refuses to save it directly', async () => {
      const exposureUrl = `/api/v1/participants/${participantId}/visits/day-1/forms/exposure?instance=1`;
      const form = (await coordinator().get(exposureUrl)).json();
      const values = Object.fromEntries(
        Object.entries(form.entries as Record<string, { value: unknown }>).map(([item, entry]) => [
          item,
          entry.value,
        ]),
      );
      expect(values).toEqual({
        administered: true,
        vialNumber: 'VIAL-0001',
        thawedAt: `${day1}T07:30`,
        startedAt: `${day1}T08:00`,
        endedAt: `${day1}T08:15`,
        volume: 3,
        device: 'vibrating-mesh',
        interrupted: false,
      });
      expect(form).toMatchObject({ version: 1, complete: true });
      const typed = await coordinator().put(exposureUrl, {
        version: 1,
        entries: fields({ volume: 2 }),
        reason: 'typed again',
      });
      expect(typed.statusCode).toBe(409);
      expect(typed.json().message).toContain('Dosing screen');
      const trail = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['action', 'field', 'actor_label'])
          .where('study_id', '=', t.studyId)
          .where('entity_id', '=', form.recordId)
          .execute(),
      );
      expect(trail.map((event) => event.field).sort()).toEqual(
        Object.keys(values)
          .map((item) => `day-1:exposure[1].${item}`)
          .sort(),
      );
      expect(new Set(trail.map((event) => event.action))).toEqual(new Set(['crf.value.enter']));
    });

    it('a dose outside its window needs a reason: day 2 is dose 1’s time ± 6 hours', async () => {
      const late = { ...given, vialCode: 'VIAL-0003', startedAt: `${day2}T14:01`, endedAt: `${day2}T14:20` };
      const refused = await coordinator().post(doseUrl('day-2'), late);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().details.fields[0]).toMatchObject({ field: 'windowReason' });
      const accepted = await coordinator().post(doseUrl('day-2'), {
        ...late,
        windowReason: 'CT scan in the morning',
      });
      expect(accepted.statusCode, accepted.body).toBe(201);
      expect(accepted.json().windowReason).toBe('CT scan in the morning');
    });

    it('shows missed doses and compliance', async () => {
      const schedule = (await coordinator().get(`/api/v1/participants/${participantId}/doses`)).json();
      expect(schedule.doses.map((dose: { state: string }) => dose.state).slice(0, 2)).toEqual([
        'given',
        'given',
      ]);
      expect(schedule.doses[0]).toMatchObject({ earliest: new Date(`${day1}T00:00:00+08:00`).toISOString() });
      expect(schedule.compliance.given).toBe(2);
      const other = (await coordinator().get(`/api/v1/participants/${otherParticipantId}/doses`)).json();
      expect(other.doses.slice(0, 2).map((dose: { state: string }) => dose.state)).toEqual([
        'missed',
        'missed',
      ]);
      expect(other.compliance).toMatchObject({ given: 0 });
    });

    it('shows a dose given after its window as delayed, and counts it apart', async () => {
      const schedule = (await coordinator().get(`/api/v1/participants/${participantId}/doses`)).json();
      expect(schedule.doses.slice(0, 2).map((dose: { timing: string }) => dose.timing)).toEqual([
        'on-time',
        'late',
      ]);
      expect(schedule.compliance).toMatchObject({
        given: 2,
        completed: 2,
        delayed: 1,
        early: 0,
        // Dose 3's window may have closed already, depending on the hour the test runs.
        missed: schedule.doses.filter((dose: { state: string }) => dose.state === 'missed').length,
      });
      const other = (await coordinator().get(`/api/v1/participants/${otherParticipantId}/doses`)).json();
      expect(other.doses[0]).toMatchObject({ state: 'missed', timing: null });
      expect(other.compliance).toMatchObject({
        given: 0,
        missed: other.doses.filter((dose: { state: string }) => dose.state === 'missed').length,
      });
      expect(other.compliance.missed).toBeGreaterThan(0);
    });

    it('the Dosing overview lists each participant of the caller’s sites with missed and delayed doses', async () => {
      const overview = await coordinator().get('/api/v1/dosing/overview');
      expect(overview.statusCode, overview.body).toBe(200);
      const body = overview.json();
      const mine = body.participants.find(
        (entry: { participantId: string }) => entry.participantId === participantId,
      );
      const other = body.participants.find(
        (entry: { participantId: string }) => entry.participantId === otherParticipantId,
      );
      expect(mine.doses.slice(0, 2)).toMatchObject([
        { doseNumber: 1, state: 'given', timing: 'on-time' },
        { doseNumber: 2, state: 'given', timing: 'late' },
      ]);
      expect(mine.compliance).toMatchObject({ given: 2, delayed: 1 });
      expect(other.compliance).toMatchObject({ given: 0, percent: 0 });
      expect(other.compliance.missed).toBeGreaterThan(0);
      expect(body.totals).toMatchObject({
        given: 2,
        delayed: 1,
        missed: mine.compliance.missed + other.compliance.missed,
        expected: mine.compliance.expected + other.compliance.expected,
      });
      const elsewhere = (await as(t.app, users.otherCoordinator).get('/api/v1/dosing/overview')).json();
      expect(elsewhere.participants).toEqual([]);
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/dosing/overview' })).statusCode).toBe(401);
    });
  });

  describe('inhalation-associated events', () => {
    it('flags a post-dose SpO2 fall from the vitals at the dose’s timepoints, and links the AE recorded from it', async () => {
      await saveSpo2Fall(t, users.coordinator, participantId, day1);
      const schedule = (await coordinator().get(`/api/v1/participants/${participantId}/doses`)).json();
      const flags = schedule.doses[0].administration.flags;
      expect(flags).toEqual([
        expect.objectContaining({ kind: 'spo2-drop', observed: 91, baseline: 95, source: 'day-1/post-30' }),
      ]);
      const ae = await as(t.app, users.investigator).post(
        `/api/v1/participants/${participantId}/adverse-events`,
        spo2FallEvent(day1, flags[0].suggestedTerm.en, dose1Id),
      );
      expect(ae.statusCode, ae.body).toBe(201);
      const after = (await coordinator().get(`/api/v1/participants/${participantId}/doses`)).json();
      expect(after.doses[0].administration.adverseEventIds).toEqual([ae.json().aeId]);
    });
  });

  describe('a paused study', () => {
    it('refuses a given dose with the pause reason, but records a dose not given', async () => {
      const paused = await as(t.app, officer).post('/api/v1/safety/pauses', {
        reason: 'Grade 4 bronchospasm under review',
      });
      expect(paused.statusCode).toBe(201);
      await dispensedVial(t, users.siteId, otherParticipantId, {
        visitId: 'day-3',
        code: 'VIAL-0004',
        manufacturedOn: day1,
      });
      const refused = await coordinator().post(doseUrl('day-3', otherParticipantId), {
        ...given,
        vialCode: 'VIAL-0004',
        startedAt: `${day3}T08:00`,
        endedAt: `${day3}T08:10`,
        windowReason: 'late',
      });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toContain('Grade 4 bronchospasm under review');
      const notGiven = await coordinator().post(doseUrl('day-1', otherParticipantId), {
        status: 'not-given',
        notGivenReason: 'Dosing paused by the safety officer',
      });
      expect(notGiven.statusCode, notGiven.body).toBe(201);
      // The exposure form of a dose not given holds that and the reason, nothing else.
      const form = (
        await coordinator().get(
          `/api/v1/participants/${otherParticipantId}/visits/day-1/forms/exposure?instance=1`,
        )
      ).json();
      expect(form.entries).toEqual({
        administered: expect.objectContaining({ value: false }),
        reasonNotGiven: expect.objectContaining({ value: 'Dosing paused by the safety officer' }),
      });
      expect(form.complete).toBe(true);
      const schedule = (await coordinator().get(`/api/v1/participants/${otherParticipantId}/doses`)).json();
      expect(schedule.dosingPaused).toContain('Grade 4 bronchospasm');
      await as(t.app, officer).post(`/api/v1/safety/pauses/${paused.json().pauseId}/resume`, {
        version: 1,
        reason: 'Reviewed',
      });
    });

    it('a correction needs the current version and a reason, and is audited', async () => {
      const stale = await coordinator().put(`/api/v1/doses/${dose1Id}`, {
        ...given,
        volumeMl: 2.5,
        version: 9,
        reason: 'x',
      });
      expect(stale.statusCode).toBe(409);
      const fixed = await coordinator().put(`/api/v1/doses/${dose1Id}`, {
        ...given,
        volumeMl: 2.5,
        version: 1,
        reason: 'Residual volume measured',
      });
      expect(fixed.statusCode, fixed.body).toBe(200);
      expect(fixed.json()).toMatchObject({ volumeMl: 2.5, version: 2 });
      // The exposure form follows the correction, with its reason, and its soft check (3 mL) opens a query.
      const form = (
        await coordinator().get(
          `/api/v1/participants/${participantId}/visits/day-1/forms/exposure?instance=1`,
        )
      ).json();
      expect(form.entries.volume).toMatchObject({ value: 2.5, revision: 2 });
      expect(form.version).toBe(2);
      expect(form.queries).toEqual([
        expect.objectContaining({ itemId: 'volume', origin: 'edit_check', status: 'open' }),
      ]);
      const formTrail = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['action', 'field', 'reason'])
          .where('study_id', '=', t.studyId)
          .where('entity_id', '=', form.recordId)
          .where('action', '=', 'crf.value.change')
          .execute(),
      );
      expect(formTrail).toEqual([
        { action: 'crf.value.change', field: 'day-1:exposure[1].volume', reason: 'Residual volume measured' },
      ]);
      const trail = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .selectAll()
          .where('study_id', '=', t.studyId)
          .where('entity_id', '=', dose1Id)
          .orderBy('seq')
          .execute(),
      );
      expect(trail.at(-1)).toMatchObject({
        action: 'dosing.administration.change',
        field: 'day-1.volume_ml',
        reason: 'Residual volume measured',
      });
    });
  });
});
