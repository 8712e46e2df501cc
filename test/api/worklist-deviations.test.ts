import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultPrivacy } from '../../src/exchange/privacy.ts';
import { exportSdtmDirectory } from '../../src/exchange/sdtm/sdtm-files.ts';
import { sdtmDomains } from '../../src/exchange/sdtm/variables.ts';
import { participantWorklist, studyWorklist } from '../../src/participants/worklist.service.ts';
import type { WorkItem } from '../../src/participants/worklist.ts';
import { renderReportHtml } from '../../src/report/report.html.ts';
import { loadReport } from '../../src/report/report.service.ts';
import { sampleVitals } from '../../src/synth/sample-patient.ts';
import { readWithHaven } from '../exchange/r-support.ts';
import {
  dateAfter,
  dosedParticipant,
  givenDose,
  recordDose,
  siteDateFromToday,
} from '../support/dosed-participant.ts';
import { createTestApp, describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { enrolledParticipant, fields } from './safety-support.ts';

// Worklists at fixed clocks in the test site's zone (Asia/Shanghai, UTC+8): at 00:30 there the UTC
// date is still the day before, so a worklist read on the UTC date would be a day behind. And the
// deviation log: a form saved outside its window proposes one, by hand, confirmed, rejected, refused.

/** An instant at a wall-clock time on `date` at the site. */
const atSite = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);

const callerOf = async (t: TestApp, user: SignedIn) => {
  const me = await as(t.app, user).get('/api/v1/auth/me');
  expect(me.statusCode, me.body).toBe(200);
  const view = me.json().user;
  return { user: view, actor: { type: 'user' as const, userId: view.userId, label: view.email } };
};

const find = (items: WorkItem[], visitKey: string, formId: string, instance = 1) =>
  items.find((item) => item.visitKey === visitKey && item.formId === formId && item.instance === instance);

describeEachDatabase('worklists and protocol deviations', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;
  // Day 1 three weeks ago at the site: every date used below is in the past, as saved dates must be.
  const day1 = siteDateFromToday(-21);
  const studyDay = (day: number) => dateAfter(day1, day - 1);
  const vitalsUrl = (id: string, visitKey: string) =>
    `/api/v1/participants/${id}/visits/${encodeURIComponent(visitKey)}/forms/vitals?instance=1`;

  beforeAll(async () => {
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    participantId = await enrolledParticipant(t, users, day1);
  });
  afterAll(async () => t?.close());

  it('lists a daily form due today by the site date, not the UTC date, and the day before as missing', async () => {
    const coordinator = await callerOf(t, users.coordinator);
    // 00:30 on study day 7 in Shanghai is 16:30 UTC on study day 6.
    const early = atSite(studyDay(7), '00:30');
    expect(early.toISOString().slice(0, 10)).toBe(studyDay(6));
    const list = await t.database.read((db) =>
      participantWorklist(db, t.studyId, coordinator, participantId, early),
    );
    expect(list.today).toBe(studyDay(7));
    expect(find(list.items, 'daily-status', 'clinicalStatus', 7)).toMatchObject({
      state: 'due-today',
      daysLate: 0,
    });
    expect(find(list.items, 'daily-status', 'clinicalStatus', 6)).toMatchObject({
      state: 'missing',
      daysLate: 1,
    });
    expect(find(list.items, 'daily-status', 'clinicalStatus', 8)?.state).toBe('upcoming');
    // Day 6's vitals (window ±0) closed yesterday; day 7's (−2/+2 days) are due on their target day.
    expect(find(list.items, 'day-6', 'vitals')).toMatchObject({ state: 'missing', daysLate: 1 });
    expect(find(list.items, 'day-7', 'vitals')).toMatchObject({
      state: 'due-today',
      targetDate: studyDay(7),
    });
    // 23:30 the evening before (15:30 UTC, same UTC date): day 7 has not begun at the site.
    const evening = await t.database.read((db) =>
      participantWorklist(db, t.studyId, coordinator, participantId, atSite(studyDay(6), '23:30')),
    );
    expect(find(evening.items, 'daily-status', 'clinicalStatus', 7)?.state).toBe('upcoming');
    expect(find(evening.items, 'daily-status', 'clinicalStatus', 6)?.state).toBe('due-today');
    expect(find(evening.items, 'day-6', 'vitals')?.state).toBe('due-today');
  });

  it('counts a form overdue past its target while the window is open, missing once it closed, done once saved', async () => {
    const coordinator = await callerOf(t, users.coordinator);
    const read = (date: string) =>
      t.database.read((db) =>
        participantWorklist(db, t.studyId, coordinator, participantId, atSite(date, '09:00')),
      );
    // Day 5 opens day 7's window (−2 days): it may be done early, but it is not due yet.
    expect(find((await read(studyDay(5))).items, 'day-7', 'vitals')?.state).toBe('upcoming');
    expect(find((await read(studyDay(8))).items, 'day-7', 'vitals')).toMatchObject({
      state: 'overdue',
      daysLate: 1,
    });
    expect(find((await read(studyDay(9))).items, 'day-7', 'vitals')).toMatchObject({
      state: 'overdue',
      daysLate: 2,
    });
    expect(find((await read(studyDay(10))).items, 'day-7', 'vitals')).toMatchObject({
      state: 'missing',
      daysLate: 3,
    });
    const saved = await as(t.app, users.coordinator).put(vitalsUrl(participantId, 'day-7'), {
      version: 0,
      entries: fields(sampleVitals(`${studyDay(7)}T09:00`)),
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const after = await read(studyDay(10));
    expect(find(after.items, 'day-7', 'vitals')).toMatchObject({ state: 'done', daysLate: 0 });
    expect(after.counts.missing).toBe(after.items.filter((item) => item.state === 'missing').length);
    // Saved in window: nothing proposed.
    const log = await as(t.app, users.coordinator).get(`/api/v1/deviations?participantId=${participantId}`);
    expect(log.json().deviations).toEqual([]);
  });

  it("the study-wide worklist shows a site's participants to a data manager, filtered by site and state", async () => {
    const dataManager = await callerOf(t, users.dataManager);
    const clock = atSite(studyDay(10), '09:00');
    const all = await t.database.read((db) => studyWorklist(db, t.studyId, dataManager, {}, clock));
    const mine = all.participants.find((entry) => entry.participantId === participantId);
    expect(mine?.items.some((item) => item.state === 'missing')).toBe(true);
    expect(mine?.items.every((item) => ['due-today', 'overdue', 'missing'].includes(item.state))).toBe(true);
    expect(all.counts.missing).toBeGreaterThan(0);
    const missingOnly = await t.database.read((db) =>
      studyWorklist(db, t.studyId, dataManager, { siteId: users.siteId, state: 'missing' }, clock),
    );
    expect(
      missingOnly.participants.flatMap((entry) => entry.items).every((item) => item.state === 'missing'),
    ).toBe(true);
    const otherSite = await t.database.read((db) =>
      studyWorklist(db, t.studyId, dataManager, { siteId: users.otherSiteId }, clock),
    );
    expect(otherSite.participants).toEqual([]);
    // Over HTTP: the other site's coordinator sees none of it and may not ask for the first site.
    const other = as(t.app, users.otherCoordinator);
    expect((await other.get('/api/v1/worklist')).json().participants).toEqual([]);
    expect((await other.get(`/api/v1/worklist?siteId=${users.siteId}`)).statusCode).toBe(403);
    expect((await other.get(`/api/v1/participants/${participantId}/worklist`)).statusCode).toBe(403);
    const monitor = await as(t.app, users.monitor).get(`/api/v1/participants/${participantId}/worklist`);
    expect(monitor.statusCode, monitor.body).toBe(200);
    expect(monitor.json().items.length).toBeGreaterThan(0);
    expect((await other.get('/api/v1/worklist?state=late')).statusCode).toBe(400);
  });

  it('a form dated outside its window proposes one deviation in the same transaction, audited', async () => {
    const coordinator = as(t.app, users.coordinator);
    // Day 14's window is days 12 to 16: vitals measured on day 18 are 2 days after it closed.
    const refused = await coordinator.put(vitalsUrl(participantId, 'day-14'), {
      version: 0,
      entries: fields({ ...sampleVitals(`${studyDay(18)}T09:00`), heartRate: 900 }),
    });
    expect(refused.statusCode).toBe(400);
    expect(
      (await coordinator.get(`/api/v1/deviations?participantId=${participantId}`)).json().deviations,
    ).toEqual([]);
    const saved = await coordinator.put(vitalsUrl(participantId, 'day-14'), {
      version: 0,
      entries: fields(sampleVitals(`${studyDay(18)}T09:00`)),
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const log = (await coordinator.get(`/api/v1/deviations?participantId=${participantId}`)).json()
      .deviations;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      origin: 'system',
      status: 'proposed',
      category: 'visit-window',
      severity: 'minor',
      visitId: 'day-14',
      formId: 'vitals',
      occurredOn: studyDay(18),
      reportedBy: 'Coordinator',
    });
    expect(log[0].description).toContain('2 days after its window closed');
    // A correction of the same record, still outside, proposes no second one.
    const corrected = await coordinator.put(vitalsUrl(participantId, 'day-14'), {
      version: saved.json().version,
      entries: fields({ heartRate: 90 }),
      reason: 'Transcription error',
    });
    expect(corrected.statusCode, corrected.body).toBe(200);
    expect(
      (await coordinator.get(`/api/v1/deviations?participantId=${participantId}`)).json().deviations,
    ).toHaveLength(1);
    const events = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select(['action', 'entity_id', 'actor_label'])
        .where('study_id', '=', t.studyId)
        .where('entity_type', '=', 'protocol_deviation')
        .execute(),
    );
    expect(events).toEqual([
      { action: 'deviation.propose', entity_id: log[0].deviationId, actor_label: 'coordinator@example.org' },
    ]);
  });

  it('records a deviation by hand, confirmed by the investigator; a rejected one needs a reason', async () => {
    const monitor = as(t.app, users.monitor);
    const recorded = await monitor.post('/api/v1/deviations', {
      participantId,
      visitId: 'day-7',
      category: 'study-procedure',
      severity: 'major',
      description: 'Blood gas not drawn at day 7.',
      occurredOn: studyDay(7),
    });
    expect(recorded.statusCode, recorded.body).toBe(201);
    const deviation = recorded.json();
    expect(deviation).toMatchObject({
      origin: 'manual',
      status: 'proposed',
      severity: 'major',
      reportedBy: 'Monitor',
    });
    const investigator = as(t.app, users.investigator);
    const confirmed = await investigator.post(`/api/v1/deviations/${deviation.deviationId}/decision`, {
      decision: 'confirm',
      version: deviation.version,
      correctiveAction: 'Staff retrained on the schedule of activities.',
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json()).toMatchObject({
      status: 'confirmed',
      decidedBy: 'Investigator',
      correctiveAction: 'Staff retrained on the schedule of activities.',
      version: deviation.version + 1,
    });
    const again = await investigator.post(`/api/v1/deviations/${deviation.deviationId}/decision`, {
      decision: 'reject',
      version: deviation.version + 1,
      reason: 'Second thoughts',
    });
    expect(again.statusCode).toBe(409);
    const proposed = (
      await investigator.get(`/api/v1/deviations?participantId=${participantId}&status=proposed`)
    ).json().deviations[0];
    const noReason = await monitor.post(`/api/v1/deviations/${proposed.deviationId}/decision`, {
      decision: 'reject',
      version: proposed.version,
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('Say why the deviation is rejected.');
    const stale = await monitor.post(`/api/v1/deviations/${proposed.deviationId}/decision`, {
      decision: 'reject',
      version: proposed.version + 5,
      reason: 'Window widened by amendment',
    });
    expect(stale.statusCode).toBe(409);
    const rejected = await monitor.post(`/api/v1/deviations/${proposed.deviationId}/decision`, {
      decision: 'reject',
      version: proposed.version,
      reason: 'Window widened by amendment',
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json()).toMatchObject({
      status: 'rejected',
      decisionReason: 'Window widened by amendment',
      decidedBy: 'Monitor',
    });
    const events = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select(['action', 'entity_id', 'reason'])
        .where('study_id', '=', t.studyId)
        .where('entity_type', '=', 'protocol_deviation')
        .where('action', '!=', 'deviation.propose')
        .orderBy('seq')
        .execute(),
    );
    expect(events).toEqual([
      { action: 'deviation.record', entity_id: deviation.deviationId, reason: null },
      { action: 'deviation.confirm', entity_id: deviation.deviationId, reason: null },
      { action: 'deviation.reject', entity_id: proposed.deviationId, reason: 'Window widened by amendment' },
    ]);
  });

  it('refuses a role without the right (403) and bad input (400, 404) with messages that say what to fix', async () => {
    const coordinator = as(t.app, users.coordinator);
    const body = {
      participantId,
      category: 'other',
      severity: 'minor',
      description: 'Visit done by telephone.',
      occurredOn: studyDay(14),
    };
    const made = await coordinator.post('/api/v1/deviations', body);
    expect(made.statusCode, made.body).toBe(201);
    // A coordinator records deviations but does not confirm them; another site's coordinator does neither.
    const decision = await coordinator.post(`/api/v1/deviations/${made.json().deviationId}/decision`, {
      decision: 'confirm',
      version: 1,
    });
    expect(decision.statusCode).toBe(403);
    expect((await as(t.app, users.otherCoordinator).post('/api/v1/deviations', body)).statusCode).toBe(403);
    expect(
      (await as(t.app, users.otherCoordinator).get(`/api/v1/deviations?participantId=${participantId}`))
        .statusCode,
    ).toBe(403);
    const badCategory = await coordinator.post('/api/v1/deviations', { ...body, category: 'lateness' });
    expect(badCategory.statusCode).toBe(400);
    expect(badCategory.body).toContain('Choose one of: visit-window');
    const blank = await coordinator.post('/api/v1/deviations', { ...body, description: '   ' });
    expect(blank.statusCode).toBe(400);
    const badVisit = await coordinator.post('/api/v1/deviations', { ...body, visitId: 'day-99' });
    expect(badVisit.statusCode).toBe(400);
    expect(badVisit.body).toContain('There is no visit day-99');
    const badDate = await coordinator.post('/api/v1/deviations', { ...body, occurredOn: '2026-02-30' });
    expect(badDate.statusCode).toBe(400);
    const unknown = await as(t.app, users.investigator).post(
      '/api/v1/deviations/00000000-0000-4000-8000-000000000000/decision',
      { decision: 'confirm', version: 1 },
    );
    expect(unknown.statusCode).toBe(404);
    const count = await t.database.read((db) =>
      db
        .selectFrom('protocol_deviation')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    );
    // The window proposal, the monitor's, the coordinator's one accepted entry: nothing half-written.
    expect(Number(count.n)).toBe(3);
  });

  it('exports the confirmed deviations as SDTM DV, in XPT and CSV, declared in define.xml', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'exotrial-dv-'));
    try {
      const csv = await exportSdtmDirectory(t.database, t.studyId, join(folder, 'csv'), {
        format: 'csv',
        privacy: defaultPrivacy,
        csvCells: 'raw',
      });
      const [header = [], ...rows] = parse(readFileSync(join(folder, 'csv', 'dv.csv'), 'utf8'), {
        record_delimiter: '\r\n',
      }) as string[][];
      const dv = rows.map((row) => Object.fromEntries(header.map((name, index) => [name, row[index] ?? ''])));
      // Only the one the investigator confirmed: the proposal rejected and the entry left proposed are not deviations.
      expect(dv).toEqual([
        expect.objectContaining({
          DOMAIN: 'DV',
          DVSEQ: '1',
          DVTERM: 'Blood gas not drawn at day 7.',
          DVCAT: 'STUDY PROCEDURE',
          DVSCAT: 'MAJOR',
          VISIT: 'Day 7',
          DVSTDTC: studyDay(7),
          DVSTDY: '7',
        }),
      ]);
      expect(header).toEqual(sdtmDomains.DV.variables.map((variable) => variable.name));
      expect(csv.files.find((file) => file.domain === 'DV')?.rows).toBe(1);
      const xpt = await exportSdtmDirectory(t.database, t.studyId, join(folder, 'xpt'), {
        format: 'xpt',
        privacy: defaultPrivacy,
      });
      const define = readFileSync(xpt.define, 'utf8');
      expect(define).toContain('<ItemGroupDef OID="IG.DV"');
      expect(define).toMatch(/<ItemDef OID="IT.DV.DVTERM" Name="DVTERM" DataType="text" Length="\d+"/);
      if (kind === 'pglite') {
        const [file] = readWithHaven([join(folder, 'xpt', 'dv.xpt')]);
        expect(file?.label).toBe('Protocol Deviations');
        expect(file?.columns.map((column) => [column.name, column.label])).toEqual(
          sdtmDomains.DV.variables.map((variable) => [variable.name, variable.label]),
        );
        expect(file?.columns.find((column) => column.name === 'DVSTDY')?.values).toEqual([7]);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('the trial report counts the confirmed deviations by category beside the participant flow', async () => {
    const { model, protocol } = await loadReport(t.database, t.studyId, null);
    expect(model.deviations).toEqual([{ category: 'study-procedure', major: 1, minor: 0 }]);
    const html = renderReportHtml(model, protocol);
    const flow = html.slice(html.indexOf('<section id="consort">'), html.indexOf('<section id="baseline">'));
    expect(flow).toContain('Confirmed protocol deviations');
    expect(flow).toMatch(/<td>Study procedure<\/td><td>1<\/td><td>0<\/td>/);
  });

  it('a dose started outside its window proposes a dose-window deviation with the dose record', async () => {
    const doseDay1 = siteDateFromToday(-10);
    const dosed = await dosedParticipant(t, users, {
      day1: doseDay1,
      vials: [
        { visitId: 'day-1', code: 'DV-0001', thawedAt: atSite(doseDay1, '07:30') },
        { visitId: 'day-2', code: 'DV-0002', thawedAt: atSite(dateAfter(doseDay1, 1), '19:30') },
      ],
      doses: [{ visitId: 'day-1', body: givenDose('DV-0001', doseDay1) }],
    });
    const deviationsOf = async () =>
      (
        await as(t.app, users.investigator).get(`/api/v1/deviations?participantId=${dosed.participantId}`)
      ).json().deviations;
    expect(await deviationsOf()).toEqual([]);
    // Dose 2 is due 24 h after dose 1 (08:00) within ±6 h: 20:00 is 6 h after the window closed at 14:00.
    await recordDose(t, users.coordinator, dosed.participantId, 'day-2', {
      ...givenDose('DV-0002', dateAfter(doseDay1, 1), '20:00', '20:15'),
      windowReason: 'Nebuliser out of order in the morning',
    });
    const [proposal] = await deviationsOf();
    expect(proposal).toMatchObject({
      origin: 'system',
      status: 'proposed',
      category: 'dose-window',
      visitId: 'day-2',
      occurredOn: dateAfter(doseDay1, 1),
    });
    expect(proposal.description).toBe(
      `Dose 2 (day-2) started on ${dateAfter(doseDay1, 1)} at the site, 6 h after its window closed.`,
    );
  });

  it('a locked casebook takes no new or decided deviation (423), and nothing is written', async () => {
    const dataManager = as(t.app, users.dataManager);
    const pending = (
      await dataManager.get(`/api/v1/deviations?participantId=${participantId}&status=proposed`)
    ).json().deviations[0];
    expect(pending).toBeDefined();
    expect((await dataManager.post(`/api/v1/participants/${participantId}/lock`, {})).statusCode).toBe(204);
    const before = (await dataManager.get('/api/v1/deviations')).json().deviations.length;
    const recorded = await as(t.app, users.monitor).post('/api/v1/deviations', {
      participantId,
      category: 'other',
      severity: 'minor',
      description: 'Found after the lock.',
      occurredOn: studyDay(20),
    });
    expect(recorded.statusCode).toBe(423);
    const decided = await as(t.app, users.investigator).post(
      `/api/v1/deviations/${pending.deviationId}/decision`,
      {
        decision: 'confirm',
        version: pending.version,
      },
    );
    expect(decided.statusCode).toBe(423);
    expect((await dataManager.get('/api/v1/deviations')).json().deviations.length).toBe(before);
    expect(
      (await dataManager.post(`/api/v1/participants/${participantId}/unlock`, { reason: 'deviation review' }))
        .statusCode,
    ).toBe(204);
  });
});
