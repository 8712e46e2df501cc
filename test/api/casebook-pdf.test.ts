import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  dateAfter,
  dosedParticipant,
  givenDose,
  saveSpo2Fall,
  siteDateFromToday,
  spo2FallEvent,
} from '../support/dosed-participant.ts';
import { chromiumPdfText } from '../support/pdf-text.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';

/** The PDF's text with its line breaks as spaces: table cells wrap where the page makes them. */
const flat = (pdf: Buffer) => chromiumPdfText(pdf).text.replace(/\s*\n\s*/g, ' ');

/** One form of the casebook: from its heading (`Form — Visit`) to the next form's. */
function formBlock(text: string, heading: string): string {
  const start = text.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  return text.slice(start + heading.length).split(' — ')[0] ?? '';
}

// The casebook PDF of a dosed participant read back as text: the values as entered (and changed, with
// the reason, in the audit appendix), the doses, the adverse event, the signatures and SDV marks; who
// may download it; and the blank worksheets in Chinese.

const day1 = siteDateFromToday(-2);
const day2 = dateAfter(day1, 1);
const vial = (visitId: string, code: string, thawedOn: string) => ({
  visitId,
  code,
  thawedAt: new Date(`${thawedOn}T07:30:00+08:00`),
  dispensedAt: new Date(),
});
const formUrl = (participantId: string, visitKey: string) =>
  `/api/v1/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/vitals?instance=1`;

describeEachDatabase('participant casebook and blank worksheets as PDF', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;
  let studyNumber: string;
  let heartRateBefore: number;
  const figures: string[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    const dosed = await dosedParticipant(t, users, {
      day1,
      vials: [vial('day-1', 'VIAL-CB1', day1), vial('day-2', 'VIAL-CB2', day2)],
      doses: [
        { visitId: 'day-1', body: givenDose('VIAL-CB1', day1) },
        { visitId: 'day-2', body: givenDose('VIAL-CB2', day2) },
      ],
    });
    participantId = dosed.participantId;
    const coordinator = as(t.app, users.coordinator);
    studyNumber = (await coordinator.get(`/api/v1/participants/${participantId}`)).json().studyNumber;
    await saveSpo2Fall(t, users.coordinator, participantId, day1);
    const event = await as(t.app, users.investigator).post(
      `/api/v1/participants/${participantId}/adverse-events`,
      spo2FallEvent(
        day1,
        'Oxygen desaturation <b>after</b> nebulisation',
        dosed.administrationIds['day-1'] ?? '',
      ),
    );
    expect(event.statusCode, event.body).toBe(201);
    // A value changed with its reason: the appendix must show old → new and why.
    const before = (await coordinator.get(formUrl(participantId, 'day-1/pre-dose'))).json();
    heartRateBefore = before.entries.heartRate.value;
    expect(heartRateBefore).not.toBe(97);
    const changed = await coordinator.put(formUrl(participantId, 'day-1/pre-dose'), {
      version: before.version,
      entries: { heartRate: { value: 97 } },
      reason: `Monitor printout read again: 97 not ${heartRateBefore}`,
    });
    expect(changed.statusCode, changed.body).toBe(200);
    const recordId: string = changed.json().recordId;
    const sdv = await as(t.app, users.monitor).post(`/api/v1/records/${recordId}/sdv`, {
      itemIds: ['heartRate'],
    });
    expect(sdv.statusCode, sdv.body).toBe(200);
    // After the dose: SpO2 verified at revision 1, then corrected: the mark no longer counts. The
    // respiratory rate gets a monitor's query, still open.
    const after = (await coordinator.get(formUrl(participantId, 'day-1/post-30'))).json();
    const verified = await as(t.app, users.monitor).post(`/api/v1/records/${after.recordId}/sdv`, {
      itemIds: ['spo2'],
    });
    expect(verified.statusCode, verified.body).toBe(200);
    const corrected = await coordinator.put(formUrl(participantId, 'day-1/post-30'), {
      version: after.version,
      entries: { spo2: { value: 90 } },
      reason: 'Pulse oximeter value re-read',
    });
    expect(corrected.statusCode, corrected.body).toBe(200);
    const query = await as(t.app, users.monitor).post('/api/v1/queries', {
      recordId: after.recordId,
      itemId: 'respiratoryRate',
      text: 'Please confirm the rate against the chart',
    });
    expect(query.statusCode, query.body).toBe(201);
    const signed = await as(t.app, users.investigator).post(`/api/v1/records/${recordId}/sign`, {
      password: PASSWORD,
    });
    expect(signed.statusCode, signed.body).toBe(200);
  }, 300_000);

  afterAll(async () => {
    console.info(`[${kind}] ${figures.join('; ')}`);
    await t?.close();
  });

  it('prints every value with its unit, status, SDV mark and signature, the doses, the event and the audit trail', async () => {
    const started = performance.now();
    const response = await as(t.app, users.investigator).get(
      `/api/v1/participants/${participantId}/casebook.pdf`,
    );
    const elapsed = performance.now() - started;
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="casebook-${studyNumber}.pdf"`,
    );
    figures.push(
      `casebook of a dosed participant: ${Math.round(elapsed)} ms, ${response.rawPayload.length} bytes`,
    );
    const { pages } = chromiumPdfText(response.rawPayload);
    expect(pages).toBeGreaterThan(3);
    const text = flat(response.rawPayload);
    expect(text).toContain(`Casebook ${studyNumber}`);
    // Each vitals form under its visit and timepoint, each value with its unit: SpO2 95 % before the
    // dose; 30 minutes after, 90 % as corrected after an SDV mark on the first value, which no longer
    // counts; the heart rate as changed, at revision 2, verified and signed.
    const preDose = formBlock(text, 'Vital signs and oxygen support — Day 1 (dose 1) · Before the dose');
    expect(preDose).toMatch(/Heart rate 97 \/min rev\. 2 ✓ Monitor, \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(preDose).toMatch(/Oxygen saturation \(SpO2\) 95 % rev\. 1/);
    expect(preDose).toMatch(/Signatures: Investigator · Meaning: [^·]+ · \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    const postDose = formBlock(
      text,
      'Vital signs and oxygen support — Day 1 (dose 1) · 30 minutes after the dose',
    );
    expect(postDose).toMatch(/Respiratory rate 22 \/min query open; rev\. 1 /);
    expect(postDose).toMatch(
      /Oxygen saturation \(SpO2\) 90 % rev\. 2 SDV on an earlier revision \(rev\. 1\)/,
    );
    // Consent, doses (vial, start at the site's wall clock), the adverse event.
    expect(text).toMatch(
      /Informed consent Form version Consented Obtained by Signed by 1\.0 \d{4}-\d{2}-\d{2} \d{2}:\d{2} Coordinator The participant/,
    );
    expect(text).toMatch(
      new RegExp(`1 Day 1 \\(dose 1\\) completed VIAL-CB1 ${day1} 08:00 ${day1} 08:15 3 mL`),
    );
    expect(text).toContain(`2 Day 2 (dose 2) completed VIAL-CB2 ${day2} 08:00`);
    // Typed text is printed as typed, markup included: escaped, never read as HTML.
    expect(text).toContain('Event 1: Oxygen desaturation <b>after</b> nebulisation');
    // The appendix: the change with the person's name, the field by name, old → new and the reason.
    const appendix = text.slice(text.indexOf('Appendix: audit trail'));
    expect(appendix).toMatch(
      new RegExp(
        `Coordinator Value changed Day 1 \\(dose 1\\) · Before the dose · Vital signs and oxygen support · Heart rate ${heartRateBefore} /min → 97 /min Monitor printout read again: 97 not ${heartRateBefore}`,
      ),
    );
  }, 120_000);

  it('is recorded as an export in the participant’s trail', async () => {
    const trail = await as(t.app, users.dataManager).get(
      `/api/v1/audit?participantId=${participantId}&action=export.run&limit=10`,
    );
    expect(trail.statusCode, trail.body).toBe(200);
    const exports = trail.json().events as Array<{ actorName: string; newValue: Record<string, unknown> }>;
    expect(exports[0]?.actorName).toBe('Investigator');
    expect(exports[0]?.newValue).toMatchObject({
      kind: 'casebook-pdf',
      participant: studyNumber,
      language: 'en',
    });
  });

  it('finds the participant by study or screening number, and prints in Chinese', async () => {
    const response = await as(t.app, users.monitor).get(
      `/api/v1/participants/${studyNumber}/casebook.pdf?lang=zh`,
    );
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
    const text = flat(response.rawPayload);
    expect(text).toContain(`病例报告表 ${studyNumber}`);
    expect(text).toContain('心率');
    expect(text).toContain('附录：稽查轨迹');
  }, 120_000);

  it('is refused to people of another site and to the signed-out, and writes nothing then', async () => {
    const head = () =>
      t.database.read((db) =>
        db
          .selectFrom('audit_chain_head')
          .select('seq')
          .where('study_id', '=', t.studyId)
          .executeTakeFirstOrThrow(),
      );
    const before = await head();
    const other = await as(t.app, users.otherCoordinator).get(
      `/api/v1/participants/${participantId}/casebook.pdf`,
    );
    expect(other.statusCode).toBe(403);
    expect(other.json().error).toBe('forbidden');
    const anonymous = await t.app.inject({
      method: 'GET',
      url: `/api/v1/participants/${participantId}/casebook.pdf`,
    });
    expect(anonymous.statusCode).toBe(401);
    expect(await head()).toEqual(before);
  });

  it('answers an unknown participant with a 404 naming it', async () => {
    for (const reference of ['RJ-999', '00000000-0000-4000-8000-000000000000']) {
      const response = await as(t.app, users.investigator).get(
        `/api/v1/participants/${reference}/casebook.pdf`,
      );
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({
        error: 'not_found',
        message: expect.stringContaining(reference),
      });
    }
  });

  it('prints the blank worksheets of a visit in Chinese for any signed-in user, and names the visits for an unknown one', async () => {
    const started = performance.now();
    const response = await as(t.app, users.coordinator).get(
      '/api/v1/protocol/crf-blank.pdf?visit=day-1&lang=zh',
    );
    figures.push(
      `blank worksheets of day 1 (zh): ${Math.round(performance.now() - started)} ms, ${response.rawPayload.length} bytes`,
    );
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    const { pages } = chromiumPdfText(response.rawPayload);
    const text = flat(response.rawPayload);
    expect(pages).toBeGreaterThan(1);
    for (const label of ['生命体征及氧疗支持', '心率', '呼吸频率', '受试者编号', '签名缩写'])
      expect(text).toContain(label);
    expect(text).toContain('°C');
    const unknown = await as(t.app, users.monitor).get('/api/v1/protocol/crf-blank.pdf?visit=day-99');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/day-99.*screening, .*day-1/);
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/protocol/crf-blank.pdf' });
    expect(anonymous.statusCode).toBe(401);
  }, 120_000);
});
