import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eligibleScreeningForms, sampleVitals } from '../../src/synth/sample-patient.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';

const today = new Date().toISOString().slice(0, 10);
const now = new Date().toISOString();
// 08:00 at the site (Asia/Shanghai) on `today`: the consent record's date there is `today`, as the
// consent form's copy of it says, at any hour of the run.
const consentedAt = `${today}T00:00:00Z`;
const formUrl = (participantId: string, visitKey: string, formId: string, instance = 1) =>
  `/api/v1/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/${formId}?instance=${instance}`;

describeEachDatabase('participants and eCRF', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
  });
  afterAll(async () => t?.close());

  const coordinator = () => as(t.app, users.coordinator);
  const auditOf = (entityId: string) =>
    t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .selectAll()
        .where('study_id', '=', t.studyId)
        .where('entity_id', '=', entityId)
        .orderBy('seq')
        .execute(),
    );

  describe('screening to enrolment', () => {
    it('screens a patient with a site screening number', async () => {
      const response = await coordinator().post('/api/v1/participants', {
        siteId: users.siteId,
        screeningDate: today,
      });
      expect(response.statusCode, response.body).toBe(201);
      const body = response.json();
      expect(body).toMatchObject({
        screeningNumber: 'RJ-S001',
        status: 'screening',
        consented: false,
        version: 1,
      });
      participantId = body.participantId;
    });

    it('refuses any study procedure before consent with 409', async () => {
      const response = await coordinator().put(formUrl(participantId, 'screening', 'demographics'), {
        version: 0,
        entries: { birthDate: { value: '1962-06-15' } },
      });
      expect(response.statusCode).toBe(409);
      expect(response.json().message).toContain('before consent');
    });

    it('records consent, and a representative consent needs the name', async () => {
      const missingName = await coordinator().post(`/api/v1/participants/${participantId}/consent`, {
        formVersion: '1.0',
        consentedAt,
        signer: 'legal_representative',
      });
      expect(missingName.statusCode).toBe(400);
      expect(missingName.json().details.fields[0].field).toBe('body.representativeName');
      const response = await coordinator().post(`/api/v1/participants/${participantId}/consent`, {
        formVersion: '1.0',
        consentedAt,
        signer: 'participant',
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({
        consented: true,
        consents: [{ formVersion: '1.0', signer: 'participant' }],
      });
    });

    it('saves the screening forms and finds the patient eligible', async () => {
      for (const [formId, values] of Object.entries(eligibleScreeningForms(today, `${today}T08:00:00Z`))) {
        const entries = Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));
        const response = await coordinator().put(formUrl(participantId, 'screening', formId), {
          version: 0,
          entries,
        });
        expect(response.statusCode, `${formId}: ${response.body}`).toBe(200);
      }
      const eligibility = await coordinator().get(`/api/v1/participants/${participantId}/eligibility`);
      expect(eligibility.json()).toMatchObject({
        status: 'eligible',
        failed: [],
        undecided: [],
        confirmedAt: null,
      });
      expect(eligibility.json().criteria).toHaveLength(18);
    });

    it('cannot enrol before the investigator confirms eligibility', async () => {
      const response = await coordinator().post(`/api/v1/participants/${participantId}/enrol`, {
        day1Date: today,
        version: 1,
      });
      expect(response.statusCode).toBe(409);
      expect(response.json().message).toContain('confirm eligibility');
    });

    it('lets only an investigator confirm, with the right password', async () => {
      const byCoordinator = await coordinator().post(
        `/api/v1/participants/${participantId}/eligibility/confirm`,
        { password: PASSWORD },
      );
      expect(byCoordinator.statusCode).toBe(403);
      const investigator = as(t.app, users.investigator);
      const wrong = await investigator.post(`/api/v1/participants/${participantId}/eligibility/confirm`, {
        password: 'not my password',
      });
      expect(wrong.statusCode).toBe(401);
      const right = await investigator.post(`/api/v1/participants/${participantId}/eligibility/confirm`, {
        password: PASSWORD,
      });
      expect(right.statusCode, right.body).toBe(200);
      expect(right.json()).toMatchObject({
        status: 'eligible',
        confirmedBy: 'Investigator',
        confirmationStale: false,
      });
    });

    it('enrols with a study number and anchors the visit windows at day 1', async () => {
      const stale = await coordinator().post(`/api/v1/participants/${participantId}/enrol`, {
        day1Date: today,
        version: 1,
      });
      expect(stale.statusCode).toBe(409);
      const response = await coordinator().post(`/api/v1/participants/${participantId}/enrol`, {
        day1Date: today,
        version: 2,
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ status: 'enrolled', studyNumber: 'RJ-001', day1Date: today });
      const day2 = body.visits.find((visit: { visitId: string }) => visit.visitId === 'day-2');
      const expected = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      expect(day2).toMatchObject({ targetDate: expected, windowLabel: '−6h/+6h' });
    });
  });

  describe('form entry', () => {
    const preDose = () => formUrl(participantId, 'day-1/pre-dose', 'vitals');
    const entries = (values: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));

    it('refuses out-of-range values and failing hard checks, naming each field, and stores nothing', async () => {
      const response = await coordinator().put(preDose(), {
        version: 0,
        entries: entries({
          ...sampleVitals(now),
          spo2: 120,
          heartRate: 80.5,
          diastolicBp: 140,
          systolicBp: 120,
        }),
      });
      expect(response.statusCode).toBe(400);
      const fields = response.json().details.fields.map((field: { field: string }) => field.field);
      expect(fields).toEqual(expect.arrayContaining(['spo2', 'heartRate', 'diastolicBp']));
      const form = await coordinator().get(preDose());
      expect(form.json()).toMatchObject({ recordId: null, version: 0 });
    });

    it('refuses a value for an item that skip logic hides, and a value with a wrong type', async () => {
      const response = await coordinator().put(preDose(), {
        version: 0,
        entries: entries({ ...sampleVitals(now), oxygenSupport: 'none', oxygenFlow: 3, atRest: 'yes' }),
      });
      expect(response.statusCode).toBe(400);
      const fields = response.json().details.fields.map((field: { field: string }) => field.field);
      expect(fields).toEqual(expect.arrayContaining(['oxygenFlow', 'atRest']));
    });

    it('saves with a soft check failing and raises a query for it', async () => {
      const response = await coordinator().put(preDose(), {
        version: 0,
        entries: entries({ ...sampleVitals(now), temperature: 41.5 }),
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ version: 1, complete: true, warnings: [{ item: 'temperature' }] });
      expect(body.queries).toEqual([
        expect.objectContaining({ itemId: 'temperature', origin: 'edit_check', status: 'open' }),
      ]);
    });

    it('answers a stale save with 409 and the current values, losing nothing', async () => {
      const response = await coordinator().put(preDose(), {
        version: 0,
        entries: entries({ heartRate: 90 }),
      });
      expect(response.statusCode).toBe(409);
      expect(response.json().details.current).toMatchObject({
        version: 1,
        entries: { heartRate: { value: 88 } },
      });
    });

    it('needs a reason to change a saved value, and audits old and new value with the reason', async () => {
      const noReason = await coordinator().put(preDose(), {
        version: 1,
        entries: { temperature: { value: 39.5 } },
      });
      expect(noReason.statusCode).toBe(400);
      expect(noReason.json().details.fields[0].field).toBe('reason');
      const response = await coordinator().put(preDose(), {
        version: 1,
        entries: { temperature: { value: 39.5 } },
        reason: 'transcription error',
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      // The edit-check query closes itself once the value passes.
      expect(body.queries[0]).toMatchObject({ status: 'closed' });
      const trail = await auditOf(body.recordId);
      const change = trail.find((event) => event.action === 'crf.value.change');
      expect(change).toMatchObject({
        field: 'day-1/pre-dose:vitals[1].temperature',
        old_value: { value: 41.5, revision: 1 },
        new_value: { value: 39.5 },
        reason: 'transcription error',
        actor_label: 'coordinator@example.org',
      });
    });

    it('keeps missing data explicit: a code needs a reason and excludes a value', async () => {
      const noReason = await coordinator().put(preDose(), {
        version: 2,
        entries: { spo2: { missing: 'not_done' } },
        reason: 'probe',
      });
      expect(noReason.statusCode).toBe(400);
      const both = await coordinator().put(preDose(), {
        version: 2,
        entries: { spo2: { value: 90, missing: 'not_done', missingReason: 'x' } },
        reason: 'probe',
      });
      expect(both.statusCode).toBe(400);
    });
  });

  describe('review: queries, SDV, signatures, locks', () => {
    let recordId: string;
    beforeAll(async () => {
      const form = await coordinator().get(formUrl(participantId, 'day-1/pre-dose', 'vitals'));
      recordId = form.json().recordId;
    });

    it('runs a manual query through answer and close; site staff cannot close', async () => {
      const monitor = as(t.app, users.monitor);
      const raised = await monitor.post('/api/v1/queries', {
        recordId,
        itemId: 'heartRate',
        text: 'Source says 86?',
      });
      expect(raised.statusCode, raised.body).toBe(201);
      const queryId = raised.json().queryId;
      const answered = await coordinator().post(`/api/v1/queries/${queryId}/answer`, {
        text: 'Checked: 88 is right.',
        version: 1,
      });
      expect(answered.json()).toMatchObject({ status: 'answered' });
      const closeBySite = await coordinator().post(`/api/v1/queries/${queryId}/close`, {
        text: 'done',
        version: 2,
      });
      expect(closeBySite.statusCode).toBe(403);
      const closed = await monitor.post(`/api/v1/queries/${queryId}/close`, { text: 'Agreed.', version: 2 });
      expect(closed.json()).toMatchObject({
        status: 'closed',
        messages: [{ kind: 'raise' }, { kind: 'answer' }, { kind: 'close' }],
      });
      const inbox = await coordinator().get('/api/v1/queries?status=closed');
      expect(inbox.json().total).toBe(2);
    });

    it('verifies a field until it changes', async () => {
      const monitor = as(t.app, users.monitor);
      const sdv = await monitor.post(`/api/v1/records/${recordId}/sdv`, { itemIds: ['heartRate'] });
      expect(sdv.statusCode, sdv.body).toBe(200);
      let form = await coordinator().get(formUrl(participantId, 'day-1/pre-dose', 'vitals'));
      expect(form.json().entries.heartRate.verified).toBe(true);
      await coordinator().put(formUrl(participantId, 'day-1/pre-dose', 'vitals'), {
        version: form.json().version,
        entries: { heartRate: { value: 86 } },
        reason: 'monitor query',
      });
      form = await coordinator().get(formUrl(participantId, 'day-1/pre-dose', 'vitals'));
      expect(form.json().entries.heartRate.verified).toBe(false);
    });

    it('breaks a signature when signed data change, and the trail shows it', async () => {
      const investigator = as(t.app, users.investigator);
      const signed = await investigator.post(`/api/v1/records/${recordId}/sign`, { password: PASSWORD });
      expect(signed.statusCode, signed.body).toBe(200);
      expect(signed.json().meaning).toContain('accurate and complete');
      let form = await coordinator().get(formUrl(participantId, 'day-1/pre-dose', 'vitals'));
      expect(form.json().signed).toMatchObject({ by: 'Investigator' });
      await coordinator().put(formUrl(participantId, 'day-1/pre-dose', 'vitals'), {
        version: form.json().version,
        entries: { respiratoryRate: { value: 23 } },
        reason: 'recount',
      });
      form = await coordinator().get(formUrl(participantId, 'day-1/pre-dose', 'vitals'));
      expect(form.json().signed).toBeNull();
      const actions = (await auditOf(recordId)).map((event) => event.action);
      expect(actions).toEqual(expect.arrayContaining(['signature.apply', 'signature.broken']));
    });

    it('locks a form against change; unlocking needs a reason', async () => {
      const dataManager = as(t.app, users.dataManager);
      expect((await coordinator().post(`/api/v1/records/${recordId}/lock`, {})).statusCode).toBe(403);
      expect((await dataManager.post(`/api/v1/records/${recordId}/lock`, {})).statusCode).toBe(204);
      const form = await coordinator().get(formUrl(participantId, 'day-1/pre-dose', 'vitals'));
      const blocked = await coordinator().put(formUrl(participantId, 'day-1/pre-dose', 'vitals'), {
        version: form.json().version,
        entries: { heartRate: { value: 85 } },
        reason: 'x',
      });
      expect(blocked.statusCode).toBe(423);
      expect((await dataManager.post(`/api/v1/records/${recordId}/unlock`, {})).statusCode).toBe(400);
      expect(
        (await dataManager.post(`/api/v1/records/${recordId}/unlock`, { reason: 'query follow-up' }))
          .statusCode,
      ).toBe(204);
    });

    it('locks the whole study', async () => {
      const dataManager = as(t.app, users.dataManager);
      expect((await dataManager.post('/api/v1/study/lock', { reason: 'interim analysis' })).statusCode).toBe(
        204,
      );
      const blocked = await coordinator().post('/api/v1/participants', {
        siteId: users.siteId,
        screeningDate: today,
      });
      // Screening a new patient is not a change of locked data; saving a form is.
      expect(blocked.statusCode).toBe(201);
      const form = await coordinator().get(formUrl(participantId, 'day-1/pre-dose', 'vitals'));
      const save = await coordinator().put(formUrl(participantId, 'day-1/pre-dose', 'vitals'), {
        version: form.json().version,
        entries: { heartRate: { value: 84 } },
        reason: 'x',
      });
      expect(save.statusCode).toBe(423);
      expect((await dataManager.post('/api/v1/study/unlock', { reason: 'interim done' })).statusCode).toBe(
        204,
      );
    });

    it('shows the casebook with each form state', async () => {
      const response = await coordinator().get(`/api/v1/participants/${participantId}/casebook`);
      expect(response.statusCode).toBe(200);
      const cells = response.json().cells;
      expect(cells.length).toBe(10);
      expect(
        cells.find((cell: { formId: string; visitKey: string }) => cell.visitKey === 'day-1/pre-dose'),
      ).toMatchObject({
        formId: 'vitals',
        state: expect.stringMatching(/complete|queried/),
      });
    });
  });

  describe('site scope', () => {
    it("hides one site's participants from another site's coordinator", async () => {
      const other = as(t.app, users.otherCoordinator);
      expect((await other.get(`/api/v1/participants/${participantId}`)).statusCode).toBe(403);
      expect((await other.get(formUrl(participantId, 'screening', 'demographics'))).statusCode).toBe(403);
      const list = await other.get('/api/v1/participants');
      expect(list.json()).toEqual({ items: [], total: 0, totalCapped: false, nextCursor: null });
      expect(
        (await other.post('/api/v1/participants', { siteId: users.siteId, screeningDate: today })).statusCode,
      ).toBe(403);
    });

    it('answers unknown and malformed ids with 404 and 400', async () => {
      expect(
        (await coordinator().get('/api/v1/participants/00000000-0000-4000-8000-000000000000')).statusCode,
      ).toBe(404);
      expect((await coordinator().get('/api/v1/participants/not-a-uuid')).statusCode).toBe(400);
      expect((await coordinator().get(formUrl(participantId, 'day-99', 'vitals'))).statusCode).toBe(404);
      expect(
        (await coordinator().get(formUrl(participantId, 'daily-status', 'clinicalStatus', 40))).statusCode,
      ).toBe(400);
    });
  });

  describe('screen failure, withdrawal and CONSORT', () => {
    it('records a screen failure with the criteria that failed, and a withdrawal', async () => {
      const screened = await coordinator().post('/api/v1/participants', {
        siteId: users.siteId,
        screeningDate: today,
      });
      const id = screened.json().participantId;
      await coordinator().post(`/api/v1/participants/${id}/consent`, {
        formVersion: '1.0',
        consentedAt,
        signer: 'participant',
      });
      const forms = eligibleScreeningForms(today, `${today}T08:00:00Z`);
      await coordinator().put(formUrl(id, 'screening', 'demographics'), {
        version: 0,
        entries: Object.fromEntries(
          Object.entries({ ...forms.demographics, birthDate: '1930-01-01' }).map(([k, v]) => [
            k,
            { value: v },
          ]),
        ),
      });
      await coordinator().put(formUrl(id, 'screening', 'informedConsent'), {
        version: 0,
        entries: Object.fromEntries(
          Object.entries(forms.informedConsent ?? {}).map(([k, v]) => [k, { value: v }]),
        ),
      });
      const confirm = await as(t.app, users.investigator).post(
        `/api/v1/participants/${id}/eligibility/confirm`,
        { password: PASSWORD },
      );
      expect(confirm.statusCode).toBe(409);
      expect(confirm.json().message).toContain('in2');
      const failed = await coordinator().post(`/api/v1/participants/${id}/screen-outcome`, {
        outcome: 'screen_failed',
        reason: 'aged over 75',
        version: 1,
      });
      expect(failed.statusCode, failed.body).toBe(200);
      expect(failed.json()).toMatchObject({ status: 'screen_failed', failedCriteria: ['in2'] });

      const detail = await coordinator().get(`/api/v1/participants/${participantId}`);
      const withdrawn = await coordinator().post(`/api/v1/participants/${participantId}/status`, {
        status: 'withdrawn',
        date: today,
        reason: 'withdrew consent',
        version: detail.json().version,
      });
      expect(withdrawn.statusCode, withdrawn.body).toBe(200);
      expect(withdrawn.json()).toMatchObject({ status: 'withdrawn', nextVisit: null });
      const form = await coordinator().get(formUrl(participantId, 'day-1/pre-dose', 'vitals'));
      expect(form.json().entries.temperature.value).toBe(39.5);

      const consort = await as(t.app, users.dataManager).get('/api/v1/consort');
      expect(consort.json()).toMatchObject({
        screened: 3,
        inScreening: 1,
        screenFailed: 1,
        failedByCriterion: { in2: 1 },
        enrolled: 1,
        withdrawn: 1,
        ongoing: 0,
      });

      // Each status change is audited with the old status, the new value and the reason given.
      const statusEvents = async (entityId: string) =>
        (await auditOf(entityId))
          .filter((event) => event.field === 'status')
          .map(({ action, field, old_value, new_value, reason }) => ({
            action,
            field,
            old_value,
            new_value,
            reason,
          }));
      expect(await statusEvents(id)).toEqual([
        {
          action: 'participant.screen_failed',
          field: 'status',
          old_value: 'screening',
          new_value: { status: 'screen_failed', failedCriteria: ['in2'] },
          reason: 'aged over 75',
        },
      ]);
      expect(await statusEvents(participantId)).toEqual([
        {
          action: 'participant.enrol',
          field: 'status',
          old_value: 'screening',
          new_value: { status: 'enrolled', studyNumber: 'RJ-001', day1Date: today },
          reason: null,
        },
        {
          action: 'participant.withdrawn',
          field: 'status',
          old_value: 'enrolled',
          new_value: { status: 'withdrawn', date: today },
          reason: 'withdrew consent',
        },
      ]);
    });
  });
});
