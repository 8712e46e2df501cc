import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { enrolledParticipant, fields, shanghaiLocal } from './safety-support.ts';

const HOUR = 3_600_000;
const today = new Date().toISOString().slice(0, 10);

// MEXCOVID's adverseEvent form has hard checks only; this amendment adds a soft one to the grade.
const gradeItem = `        range: { low: 1, high: 5 }
        required: true
        sdtm: { domain: AE, variable: AETOXGR }`;
const softCheck = `        range: { low: 1, high: 5 }
        required: true
        checks:
          - rule: adverseEvent.grade < 4 or adverseEvent.serious = true
            severity: soft
            message: { en: A grade 4 event is life-threatening; confirm it is not serious., zh: 4 级事件危及生命，请确认其是否为严重不良事件。 }
        sdtm: { domain: AE, variable: AETOXGR }`;
const shipped = readFileSync('protocols/mexcovid.yaml', 'utf8');
const amended = shipped.replace(/^version: .*$/m, 'version: "1.1"').replace(gradeItem, softCheck);

describeEachDatabase('soft checks on adverse events open data queries; history and filters', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;
  let aeId: string;
  let queryId: string;

  beforeAll(async () => {
    expect(amended).not.toBe(shipped.replace(/^version: .*$/m, 'version: "1.1"'));
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    const amendment = await as(t.app, users.dataManager).post('/api/v1/protocol/versions', {
      source: amended,
      reason: 'Soft check: grade 4 and not serious',
    });
    expect(amendment.statusCode, amendment.body).toBe(201);
    // The site works under the amendment once its ethics approval is recorded.
    const approval = await as(t.app, users.dataManager).post('/api/v1/protocol/versions/2/approvals', {
      siteId: users.siteId,
      approvedOn: today,
    });
    expect(approval.statusCode, approval.body).toBe(201);
    participantId = await enrolledParticipant(t, users, today);
  });
  afterAll(async () => t?.close());

  const coordinator = () => as(t.app, users.coordinator);
  const investigator = () => as(t.app, users.investigator);
  const monitor = () => as(t.app, users.monitor);
  const queryRows = () =>
    t.database.read((db) =>
      db.selectFrom('data_query').selectAll().where('study_id', '=', t.studyId).execute(),
    );

  const grade4 = {
    term: 'Hypoxaemia',
    onsetAt: shanghaiLocal(new Date(Date.now() - 3 * HOUR)),
    ongoing: true,
    grade: 4,
    serious: false,
    inhalationAssociated: false,
    actionTaken: 'none',
    outcome: 'recovering',
  };

  describe('opening', () => {
    it('a failing soft check saves the event with a warning and opens one query on the item', async () => {
      const saved = await coordinator().post(`/api/v1/participants/${participantId}/adverse-events`, {
        entries: fields(grade4),
      });
      expect(saved.statusCode, saved.body).toBe(201);
      const body = saved.json();
      aeId = body.aeId;
      expect(body.warnings).toEqual([
        { item: 'grade', message: expect.objectContaining({ en: expect.stringContaining('grade 4') }) },
      ]);
      expect(body.queries).toHaveLength(1);
      expect(body.queries[0]).toMatchObject({
        recordId: aeId,
        participantId,
        siteId: users.siteId,
        formId: 'adverseEvent',
        visitKey: `AE ${body.number}`,
        itemId: 'grade',
        origin: 'edit_check',
        status: 'open',
        messages: [{ by: 'system', kind: 'raise' }],
      });
      queryId = body.queries[0].queryId;
      const trail = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['action'])
          .where('study_id', '=', t.studyId)
          .where('entity_id', '=', queryId)
          .execute(),
      );
      expect(trail.map((event) => event.action)).toEqual(['query.raise']);
    });

    it('the query inbox lists it beside form queries, filtered by the adverseEvent form', async () => {
      const inbox = await coordinator().get('/api/v1/queries?status=open&formId=adverseEvent');
      expect(inbox.statusCode, inbox.body).toBe(200);
      expect(inbox.json()).toMatchObject({ total: 1, items: [{ queryId, recordId: aeId }] });
      const list = await coordinator().get('/api/v1/participants?limit=500');
      const participant = list
        .json()
        .items.find((entry: { participantId: string }) => entry.participantId === participantId);
      expect(participant).toMatchObject({ openQueries: 1, answeredQueries: 0 });
    });

    it('saving the event again with the check still failing opens no second query', async () => {
      const current = (await coordinator().get(`/api/v1/adverse-events/${aeId}`)).json();
      const saved = await investigator().put(`/api/v1/adverse-events/${aeId}`, {
        version: current.version,
        entries: fields({ causality: 'unlikely' }),
      });
      expect(saved.statusCode, saved.body).toBe(200);
      expect(saved.json().warnings).toHaveLength(1);
      expect(await queryRows()).toHaveLength(1);
    });

    it('an event whose values pass opens no query', async () => {
      const saved = await coordinator().post(`/api/v1/participants/${participantId}/adverse-events`, {
        entries: fields({ ...grade4, term: 'Nausea', grade: 2 }),
      });
      expect(saved.statusCode, saved.body).toBe(201);
      expect(saved.json()).toMatchObject({ warnings: [], queries: [] });
      expect(await queryRows()).toHaveLength(1);
    });
  });

  describe('answering and closing, as for form queries', () => {
    it('site staff answer, a monitor closes; the site cannot close; a stale version gets 409', async () => {
      const answered = await coordinator().post(`/api/v1/queries/${queryId}/answer`, {
        text: 'Checked with the investigator: hospitalisation was not prolonged.',
        version: 1,
      });
      expect(answered.statusCode, answered.body).toBe(200);
      expect(answered.json()).toMatchObject({ status: 'answered', version: 2 });
      // The participant list counts it apart: it now waits for the monitor, not the site.
      const list = (await monitor().get('/api/v1/participants?limit=500')).json();
      expect(
        list.items.find((entry: { participantId: string }) => entry.participantId === participantId),
      ).toMatchObject({ openQueries: 0, answeredQueries: 1 });
      const bySite = await coordinator().post(`/api/v1/queries/${queryId}/close`, { text: 'ok', version: 2 });
      expect(bySite.statusCode).toBe(403);
      const stale = await monitor().post(`/api/v1/queries/${queryId}/close`, { text: 'ok', version: 1 });
      expect(stale.statusCode).toBe(409);
      const closed = await monitor().post(`/api/v1/queries/${queryId}/close`, {
        text: 'Accepted.',
        version: 2,
      });
      expect(closed.json()).toMatchObject({
        status: 'closed',
        messages: [{ kind: 'raise' }, { kind: 'answer' }, { kind: 'close' }],
      });
      const event = (await coordinator().get(`/api/v1/adverse-events/${aeId}`)).json();
      expect(event.queries).toMatchObject([{ queryId, status: 'closed' }]);
    });

    it('a re-opened query closes by itself once the corrected value passes', async () => {
      const reopened = await monitor().post(`/api/v1/queries/${queryId}/reopen`, {
        text: 'Source shows ICU transfer.',
        version: 3,
      });
      expect(reopened.json()).toMatchObject({ status: 'open' });
      const current = (await coordinator().get(`/api/v1/adverse-events/${aeId}`)).json();
      const corrected = await coordinator().put(`/api/v1/adverse-events/${aeId}`, {
        version: current.version,
        entries: fields({
          serious: true,
          seriousnessCriteria: ['life-threatening'],
          awareAt: shanghaiLocal(new Date(Date.now() - 2 * HOUR)),
        }),
        reason: 'Source verified: ICU transfer, life-threatening.',
      });
      expect(corrected.statusCode, corrected.body).toBe(200);
      expect(corrected.json().warnings).toEqual([]);
      const query = corrected.json().queries.find((entry: { queryId: string }) => entry.queryId === queryId);
      expect(query).toMatchObject({ status: 'closed' });
      expect(query.messages.at(-1)).toMatchObject({ by: 'system', kind: 'close' });
      const open = await coordinator().get('/api/v1/queries?status=open&formId=adverseEvent');
      expect(open.json().total).toBe(0);
    });

    it('the event’s history lists values entered and changed with reasons, and its queries', async () => {
      const response = await coordinator().get(`/api/v1/adverse-events/${aeId}/history`);
      expect(response.statusCode, response.body).toBe(200);
      const history = response.json();
      expect(history.map((entry: { action: string }) => entry.action)).toEqual(
        expect.arrayContaining(['safety.ae.create', 'safety.ae.value.enter', 'query.raise', 'query.answer']),
      );
      const change = history.find(
        (entry: { action: string; item: string }) =>
          entry.action === 'safety.ae.value.change' && entry.item === 'serious',
      );
      expect(change).toMatchObject({
        oldValue: { value: false },
        newValue: { value: true },
        reason: 'Source verified: ICU transfer, life-threatening.',
        by: expect.any(String),
      });
      const seqs = history.map((entry: { seq: number }) => entry.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect((await coordinator().get('/api/v1/adverse-events/not-an-id/history')).statusCode).toBe(400);
    });

    it('filters the list by grade, seriousness, relatedness and participant', async () => {
      const list = async (query: string) =>
        (await coordinator().get(`/api/v1/adverse-events?${query}`))
          .json()
          .items.map((item: { summary: { term: string } }) => item.summary.term);
      expect(await list('grade=4')).toEqual(['Hypoxaemia']);
      expect(await list('grade=2')).toEqual(['Nausea']);
      expect(await list('serious=true')).toEqual(['Hypoxaemia']);
      expect(await list('related=false')).toEqual(['Hypoxaemia']);
      expect(await list('related=not-assessed')).toEqual(['Nausea']);
      expect(await list('related=true')).toEqual([]);
      expect((await list(`participantId=${participantId}`)).sort()).toEqual(['Hypoxaemia', 'Nausea']);
      const bad = await coordinator().get('/api/v1/adverse-events?grade=7');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().details.fields[0].field).toContain('grade');
    });

    it('a monitor raises a manual query on an event’s field; an item never saved is refused', async () => {
      const raised = await monitor().post('/api/v1/queries', {
        recordId: aeId,
        itemId: 'onsetAt',
        text: 'Source notes the onset one day earlier?',
      });
      expect(raised.statusCode, raised.body).toBe(201);
      expect(raised.json()).toMatchObject({
        recordId: aeId,
        formId: 'adverseEvent',
        itemId: 'onsetAt',
        origin: 'manual',
        status: 'open',
      });
      const unknown = await monitor().post('/api/v1/queries', {
        recordId: aeId,
        itemId: 'resolvedAt',
        text: 'x',
      });
      expect(unknown.statusCode).toBe(400);
      const event = (await coordinator().get(`/api/v1/adverse-events/${aeId}`)).json();
      expect(event.queries.filter((query: { origin: string }) => query.origin === 'manual')).toHaveLength(1);
      const answered = await coordinator().post(`/api/v1/queries/${raised.json().queryId}/answer`, {
        text: 'Onset confirmed as entered.',
        version: 1,
      });
      expect(answered.json()).toMatchObject({ status: 'answered' });
    });

    it('people of another site see neither the event nor its query', async () => {
      const other = as(t.app, users.otherCoordinator);
      const inbox = await other.get('/api/v1/queries?formId=adverseEvent');
      expect(inbox.json().total).toBe(0);
      expect((await other.get(`/api/v1/adverse-events/${aeId}`)).statusCode).toBe(403);
    });
  });
});
