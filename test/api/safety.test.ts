import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dosingPauseReason } from '../../src/safety/pause.service.ts';
import { createTestApp, describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import { createSafetyOfficer, enrolledParticipant, fields, shanghaiLocal } from './safety-support.ts';

const HOUR = 3_600_000;
const today = new Date().toISOString().slice(0, 10);

describeEachDatabase('adverse events, reporting clocks and stopping rules', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let officer: SignedIn;
  let participantId: string;
  let seriousId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    officer = await createSafetyOfficer(t);
    participantId = await enrolledParticipant(t, users, today);
  });
  afterAll(async () => t?.close());

  const coordinator = () => as(t.app, users.coordinator);
  const investigator = () => as(t.app, users.investigator);
  const safetyOfficer = () => as(t.app, officer);
  const aeUrl = () => `/api/v1/participants/${participantId}/adverse-events`;
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

  const nonSerious = {
    term: 'Headache',
    onsetAt: shanghaiLocal(new Date(Date.now() - 5 * HOUR)),
    ongoing: true,
    grade: 1,
    serious: false,
    inhalationAssociated: false,
    actionTaken: 'none',
    outcome: 'recovering',
  };

  describe('recording', () => {
    it('a coordinator records the facts; the event is incomplete until causality is judged', async () => {
      const response = await coordinator().post(aeUrl(), {
        entries: fields(nonSerious),
        termCode: '10019211',
      });
      expect(response.statusCode, response.body).toBe(201);
      const body = response.json();
      expect(body).toMatchObject({
        number: 1,
        version: 1,
        complete: false,
        incomplete: ['causality'],
        clocks: [],
        termCode: '10019211',
      });
      expect(body.summary).toMatchObject({
        term: 'Headache',
        grade: 1,
        serious: false,
        related: null,
        susar: false,
      });
      const trail = await auditOf(body.aeId);
      expect(trail.map((event) => event.action)).toContain('safety.ae.create');
      expect(trail.filter((event) => event.field === 'AE1.grade')).toHaveLength(1);
    });

    it('causality is an investigator’s judgement: a coordinator gets 403 and nothing is stored', async () => {
      const response = await coordinator().post(aeUrl(), {
        entries: fields({ ...nonSerious, causality: 'possible' }),
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().message).toContain('safety.assess');
      const list = await coordinator().get(`/api/v1/adverse-events?participantId=${participantId}`);
      expect(list.json().total).toBe(1);
    });

    it('refuses what the form refuses, naming each field: a grade 5 event is serious, grades stop at 5', async () => {
      const response = await investigator().post(aeUrl(), {
        entries: fields({ ...nonSerious, grade: 5, serious: false, outcome: 'fatal', causality: 'unlikely' }),
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().details.fields.map((field: { field: string }) => field.field)).toContain(
        'serious',
      );
      const tooHigh = await investigator().post(aeUrl(), { entries: fields({ ...nonSerious, grade: 6 }) });
      expect(tooHigh.statusCode).toBe(400);
      expect(tooHigh.json().details.fields[0]).toMatchObject({ field: 'grade' });
    });

    it('a serious event needs the time the site became aware, which cannot be in the future', async () => {
      const base = {
        ...nonSerious,
        serious: true,
        seriousnessCriteria: ['hospitalisation'],
        causality: 'possible',
        expected: false,
      };
      const missing = await investigator().post(aeUrl(), { entries: fields(base) });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().details.fields[0]).toMatchObject({ field: 'awareAt' });
      const future = await investigator().post(aeUrl(), {
        entries: fields({ ...base, awareAt: shanghaiLocal(new Date(Date.now() + 3 * HOUR)) }),
      });
      expect(future.statusCode).toBe(400);
      expect(future.json().details.fields[0]).toMatchObject({ field: 'awareAt' });
    });

    it('a serious unexpected related event (SUSAR) starts the site’s 24-hour clock and the 15-day clock', async () => {
      const aware = new Date(Date.now() - 2 * HOUR);
      aware.setUTCSeconds(0, 0);
      const response = await investigator().post(aeUrl(), {
        entries: fields({
          term: 'Pneumonia',
          onsetAt: shanghaiLocal(new Date(aware.getTime() - HOUR)),
          ongoing: true,
          grade: 3,
          serious: true,
          seriousnessCriteria: ['hospitalisation'],
          awareAt: shanghaiLocal(aware),
          causality: 'possible',
          expected: false,
          inhalationAssociated: false,
          actionTaken: 'none',
          outcome: 'recovering',
        }),
      });
      expect(response.statusCode, response.body).toBe(201);
      const body = response.json();
      seriousId = body.aeId;
      expect(body.summary).toMatchObject({ susar: true, related: true, fatalOrLifeThreatening: false });
      expect(body.trippedRules).toEqual([]);
      const sae = body.clocks.find((clock: { clockId: string }) => clock.clockId === 'sae-to-sponsor');
      expect(sae).toMatchObject({ status: 'due', startBasis: 'site-awareness', timeZone: 'Asia/Shanghai' });
      expect(Date.parse(sae.deadline) - aware.getTime()).toBe(24 * HOUR);
      const susar = body.clocks.find((clock: { clockId: string }) => clock.clockId === 'susar-other');
      expect(Date.parse(susar.deadline) - aware.getTime()).toBe(15 * 24 * HOUR); // Shanghai has no DST
      expect(body.clocks.map((clock: { clockId: string }) => clock.clockId)).not.toContain('susar-fatal');
    });
  });

  describe('changing', () => {
    it('a stale version gets 409 with the current event; a changed value needs a reason', async () => {
      const stale = await investigator().put(`/api/v1/adverse-events/${seriousId}`, {
        version: 6,
        entries: fields({ grade: 2 }),
      });
      expect(stale.statusCode).toBe(409);
      expect(stale.json().details.current.version).toBe(1);
      const noReason = await investigator().put(`/api/v1/adverse-events/${seriousId}`, {
        version: 1,
        entries: fields({ outcome: 'recovered', ongoing: false, resolvedAt: shanghaiLocal(new Date()) }),
      });
      expect(noReason.statusCode).toBe(400);
      expect(noReason.json().details.fields[0].field).toBe('reason');
    });

    it('records each change with old value, new value and reason', async () => {
      const response = await investigator().put(`/api/v1/adverse-events/${seriousId}`, {
        version: 1,
        entries: fields({ term: 'Community-acquired pneumonia' }),
        termCode: '10010120',
        reason: 'More precise diagnosis',
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        version: 2,
        termCode: '10010120',
        summary: { term: 'Community-acquired pneumonia' },
      });
      const change = (await auditOf(seriousId)).find(
        (event) => event.field === 'AE2.term' && event.action === 'safety.ae.value.change',
      );
      expect(change).toMatchObject({
        reason: 'More precise diagnosis',
        old_value: { value: 'Pneumonia', revision: 1 },
      });
    });
  });

  describe('reports and submissions', () => {
    it('generates the report as CIOMS-like structured data and as PDF', async () => {
      const report = await investigator().get(
        `/api/v1/adverse-events/${seriousId}/report?clockId=sae-to-sponsor`,
      );
      expect(report.statusCode, report.body).toBe(200);
      expect(report.json()).toMatchObject({
        format: 'exotrial-cioms-1',
        report: { recipient: 'sponsor', studyRegistryId: 'NCT04276987' },
        patient: { identifier: 'RJ-001', sex: expect.any(String), ageYears: expect.any(Number) },
        reaction: {
          term: 'Community-acquired pneumonia',
          termCode: '10010120',
          grade: 3,
          seriousnessCriteria: ['Requires or prolongs hospitalisation'],
        },
        assessment: { causality: 'Possible', related: true, expected: false, susar: true },
      });
      const pdf = await investigator().get(`/api/v1/adverse-events/${seriousId}/report.pdf`);
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    });

    it('the site records its initial report; the sponsor’s clock then runs from that receipt', async () => {
      const sentAt = new Date(Date.now() - HOUR);
      const followUpFirst = await coordinator().post(`/api/v1/adverse-events/${seriousId}/submissions/site`, {
        clockId: 'sae-to-sponsor',
        kind: 'follow-up',
        submittedAt: sentAt.toISOString(),
        password: PASSWORD,
      });
      expect(followUpFirst.statusCode).toBe(409);
      const wrongReporter = await coordinator().post(`/api/v1/adverse-events/${seriousId}/submissions/site`, {
        clockId: 'susar-other',
        kind: 'initial',
        submittedAt: sentAt.toISOString(),
        password: PASSWORD,
      });
      expect(wrongReporter.statusCode).toBe(400);
      const sent = await coordinator().post(`/api/v1/adverse-events/${seriousId}/submissions/site`, {
        clockId: 'sae-to-sponsor',
        kind: 'initial',
        submittedAt: shanghaiLocal(sentAt),
        reference: 'email to sponsor PV',
        password: PASSWORD,
      });
      expect(sent.statusCode, sent.body).toBe(201);
      expect(sent.json()).toMatchObject({
        recipient: 'sponsor',
        kind: 'initial',
        payloadSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        signerName: 'Coordinator',
        signatureMeaning:
          'I confirm that this report was submitted to the named recipient at the time given.',
      });
      const again = await coordinator().post(`/api/v1/adverse-events/${seriousId}/submissions/site`, {
        clockId: 'sae-to-sponsor',
        kind: 'initial',
        submittedAt: sentAt.toISOString(),
        password: PASSWORD,
      });
      expect(again.statusCode).toBe(409);
      const event = (await investigator().get(`/api/v1/adverse-events/${seriousId}`)).json();
      const sae = event.clocks.find((clock: { clockId: string }) => clock.clockId === 'sae-to-sponsor');
      expect(sae).toMatchObject({
        status: 'met',
        submittedAt: new Date(Math.floor(sentAt.getTime() / 60_000) * 60_000).toISOString(),
      });
      const susar = event.clocks.find((clock: { clockId: string }) => clock.clockId === 'susar-other');
      expect(susar).toMatchObject({
        startBasis: 'sponsor-receipt',
        startsAt: sae.submittedAt,
        status: 'due',
      });
      const stored = await investigator().get(
        `/api/v1/safety/submissions/${sent.json().submissionId}/report`,
      );
      expect(stored.json().report).toMatchObject({ type: 'initial', clockId: 'sae-to-sponsor' });
    });

    it('only the sponsor side records regulator reports', async () => {
      const body = {
        clockId: 'susar-other',
        kind: 'initial',
        submittedAt: new Date().toISOString(),
        password: PASSWORD,
      };
      expect(
        (await investigator().post(`/api/v1/adverse-events/${seriousId}/submissions/sponsor`, body))
          .statusCode,
      ).toBe(403);
      const sent = await safetyOfficer().post(
        `/api/v1/adverse-events/${seriousId}/submissions/sponsor`,
        body,
      );
      expect(sent.statusCode, sent.body).toBe(201);
      expect(sent.json().recipient).toBe('regulator');
      const trail = await auditOf(sent.json().submissionId);
      expect(trail[0]).toMatchObject({ action: 'safety.report.submit' });
    });

    it('an unreported serious event becomes overdue after 24 hours and heads the dashboard', async () => {
      const aware = new Date(Date.now() - 30 * HOUR);
      const created = await investigator().post(aeUrl(), {
        entries: fields({
          term: 'Pulmonary embolism',
          onsetAt: shanghaiLocal(new Date(aware.getTime() - HOUR)),
          ongoing: true,
          grade: 3,
          serious: true,
          seriousnessCriteria: ['hospitalisation'],
          awareAt: shanghaiLocal(aware),
          causality: 'unlikely',
          expected: false,
          inhalationAssociated: false,
          actionTaken: 'none',
          outcome: 'recovering',
        }),
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(
        created
          .json()
          .clocks.map((clock: { clockId: string; status: string }) => [clock.clockId, clock.status]),
      ).toEqual([['sae-to-sponsor', 'overdue']]);
      const dashboard = (await safetyOfficer().get('/api/v1/safety/dashboard')).json();
      expect(dashboard.clocks[0]).toMatchObject({
        clockId: 'sae-to-sponsor',
        status: 'overdue',
        term: 'Pulmonary embolism',
      });
      expect(dashboard.totals).toMatchObject({ events: 3, serious: 2, related: 1, susars: 1 });
      expect(dashboard.byGrade.find((row: { grade: number }) => row.grade === 3)).toMatchObject({
        related: 1,
        notRelated: 1,
      });
    });
  });

  describe('stopping rules and dosing pauses', () => {
    it('a grade 4 related event pauses dosing study-wide; grade 3 did not', async () => {
      expect(await t.database.read((db) => dosingPauseReason(db, t.studyId))).toBeNull();
      const current = (await investigator().get(`/api/v1/adverse-events/${seriousId}`)).json();
      const response = await investigator().put(`/api/v1/adverse-events/${seriousId}`, {
        version: current.version,
        entries: fields({ grade: 4, seriousnessCriteria: ['hospitalisation', 'life-threatening'] }),
        reason: 'Needed intubation',
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().trippedRules).toContain('related-grade-4');
      const reason = await t.database.read((db) => dosingPauseReason(db, t.studyId));
      expect(reason).toContain('related-grade-4');
      expect(reason).toContain('AE 2 of RJ-001');
      const dashboard = (await safetyOfficer().get('/api/v1/safety/dashboard')).json();
      expect(dashboard).toMatchObject({ dosingPaused: true });
      expect(
        dashboard.stoppingRules.find((rule: { ruleId: string }) => rule.ruleId === 'related-grade-4'),
      ).toMatchObject({ tripped: true, aeIds: [seriousId] });
      // Now fatal or life-threatening: the 7-day clock applies too.
      expect(response.json().clocks.map((clock: { clockId: string }) => clock.clockId)).toContain(
        'susar-fatal',
      );
    });

    it('only the safety officer resumes, with the current version and grounds; saving again does not re-pause', async () => {
      const [pause] = (await safetyOfficer().get('/api/v1/safety/pauses')).json();
      expect(pause).toMatchObject({
        ruleId: 'related-grade-4',
        aeId: seriousId,
        resumedAt: null,
        version: 1,
      });
      const byInvestigator = await investigator().post(`/api/v1/safety/pauses/${pause.pauseId}/resume`, {
        version: 1,
        reason: 'x',
      });
      expect(byInvestigator.statusCode).toBe(403);
      const stale = await safetyOfficer().post(`/api/v1/safety/pauses/${pause.pauseId}/resume`, {
        version: 2,
        reason: 'DSMB reviewed',
      });
      expect(stale.statusCode).toBe(409);
      const resumed = await safetyOfficer().post(`/api/v1/safety/pauses/${pause.pauseId}/resume`, {
        version: 1,
        reason: 'DSMB reviewed: pneumonia of COVID-19 progression; dosing may resume',
      });
      expect(resumed.statusCode, resumed.body).toBe(200);
      expect(resumed.json()).toMatchObject({ resumedBy: 'safety@example.org', version: 2 });
      expect(await t.database.read((db) => dosingPauseReason(db, t.studyId))).toBeNull();
      const current = (await investigator().get(`/api/v1/adverse-events/${seriousId}`)).json();
      const saved = await investigator().put(`/api/v1/adverse-events/${seriousId}`, {
        version: current.version,
        entries: fields({ actionTaken: 'interrupted' }),
        reason: 'Dose 3 interrupted',
      });
      expect(saved.statusCode, saved.body).toBe(200);
      expect(await t.database.read((db) => dosingPauseReason(db, t.studyId))).toBeNull();
    });

    it('the safety officer can pause by decision; others cannot', async () => {
      expect((await investigator().post('/api/v1/safety/pauses', { reason: 'signal' })).statusCode).toBe(403);
      const paused = await safetyOfficer().post('/api/v1/safety/pauses', {
        reason: 'Cluster of bronchospasm at one site',
      });
      expect(paused.statusCode, paused.body).toBe(201);
      expect(await t.database.read((db) => dosingPauseReason(db, t.studyId))).toContain(
        'Cluster of bronchospasm',
      );
      const resumed = await safetyOfficer().post(`/api/v1/safety/pauses/${paused.json().pauseId}/resume`, {
        version: 1,
        reason: 'Device fault found and fixed',
      });
      expect(resumed.statusCode).toBe(200);
    });
  });

  describe('access', () => {
    it('people of another site see none of these events', async () => {
      const other = as(t.app, users.otherCoordinator);
      expect((await other.get(`/api/v1/adverse-events/${seriousId}`)).statusCode).toBe(403);
      expect((await other.get('/api/v1/adverse-events')).json().total).toBe(0);
      expect((await other.post(aeUrl(), { entries: fields(nonSerious) })).statusCode).toBe(403);
    });

    it('a malformed id is a 400, an unknown one a 404', async () => {
      expect((await investigator().get('/api/v1/adverse-events/not-a-uuid')).statusCode).toBe(400);
      expect(
        (await investigator().get('/api/v1/adverse-events/00000000-0000-4000-8000-000000000000')).statusCode,
      ).toBe(404);
    });
  });
});
