import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';

const today = new Date().toISOString().slice(0, 10);
const consentedAt = `${today}T00:00:00Z`;
const at = `${today}T08:00`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const header =
  'participant,visit,assessedAt,temperature,heartRate,respiratoryRate,systolicBp,diastolicBp,spo2,atRest,oxygenSupport,oxygenFlow';
/** A vitals line at screening: the sample patient's values, with `changes` put in. */
function vitalsLine(participant: string, changes: Record<string, string> = {}): string {
  const values: Record<string, string> = {
    assessedAt: at,
    temperature: '37.6',
    heartRate: '88',
    respiratoryRate: '22',
    systolicBp: '124',
    diastolicBp: '76',
    spo2: '93',
    atRest: 'yes',
    oxygenSupport: 'Nasal cannula',
    oxygenFlow: '3',
    ...changes,
  };
  return [
    participant,
    'screening',
    ...header
      .split(',')
      .slice(2)
      .map((column) => values[column] ?? ''),
  ].join(',');
}
const csv = (...lines: string[]) => `${[header, ...lines].join('\n')}\n`;

describeEachDatabase('form data import', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  const numbers: string[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    const coordinator = as(t.app, users.coordinator);
    for (let index = 0; index < 3; index += 1) {
      const screened = await coordinator.post('/api/v1/participants', {
        siteId: users.siteId,
        screeningDate: today,
      });
      expect(screened.statusCode, screened.body).toBe(201);
      ids.push(screened.json().participantId);
      numbers.push(screened.json().screeningNumber);
      const consent = await coordinator.post(
        `/api/v1/participants/${screened.json().participantId}/consent`,
        {
          formVersion: '1.0',
          consentedAt,
          signer: 'participant',
        },
      );
      expect(consent.statusCode, consent.body).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  const upload = (text: string, query: Record<string, string> = {}, who = users.dataManager) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/imports/form-data?${new URLSearchParams({ fileName: 'vitals.csv', ...query })}`,
      headers: { ...who.headers, 'content-type': 'text/csv' },
      payload: text,
    });
  const chainHead = () =>
    t.database.read((db) =>
      db
        .selectFrom('audit_chain_head')
        .select(['seq', 'hash'])
        .where('study_id', '=', t.studyId)
        .executeTakeFirst(),
    );
  const vitalsRecords = () =>
    t.database.read((db) =>
      db
        .selectFrom('form_record')
        .select(['record_id', 'participant_id', 'entries'])
        .where('study_id', '=', t.studyId)
        .where('form_id', '=', 'vitals')
        .orderBy('participant_id')
        .execute(),
    );
  const savedValue = (entries: unknown, item: string) =>
    (typeof entries === 'string' ? JSON.parse(entries) : entries)[item]?.value;

  // Line 2 is good; 3 names no participant; 4 is above the hard limit; 5 gives no code of the list.
  const bad = () =>
    csv(
      vitalsLine(numbers[0] ?? ''),
      vitalsLine('RJ-S999'),
      vitalsLine(numbers[1] ?? '', { temperature: '50' }),
      vitalsLine(numbers[2] ?? '', { oxygenSupport: 'Oxygen tent' }),
    );

  const expectedProblems = () => [
    { line: 3, message: 'No participant has the study or screening number "RJ-S999".' },
    {
      line: 4,
      column: 'temperature',
      message: 'Must be within 25–45 Cel (values outside are not possible).',
    },
    { line: 5, column: 'oxygenSupport', message: 'Choose one of the listed answers.' },
    // No code of the list: to the skip logic the flow is not asked, so the value given is a problem too.
    {
      line: 5,
      column: 'oxygenFlow',
      message: 'This item is not asked given the other answers; leave it blank.',
    },
  ];

  it('answers a dry run with every problem and the changes, writing nothing', async () => {
    const before = await chainHead();
    const response = await upload(bad(), { dryRun: 'true' });
    expect(response.statusCode, response.body).toBe(200);
    const result = response.json();
    expect(result).toMatchObject({
      dryRun: true,
      imported: false,
      rows: 4,
      problemCount: 4,
      badLines: [3, 4, 5],
    });
    expect(result.problems).toEqual(expectedProblems().map((problem) => expect.objectContaining(problem)));
    // The Import page shows each problem in the user's language: the form's checks in their Chinese, the
    // import's own problems in theirs.
    const chinese = result.problems.map((problem: { messages: { zh: string } }) => problem.messages.zh);
    expect(chinese[0]).toBe('没有研究编号或筛选编号为“RJ-S999”的受试者。');
    for (const text of chinese) expect(text).toMatch(/[\u4e00-\u9fff]/);
    // The good line would enter its ten values.
    expect(result.valuesEntered).toBe(10);
    expect(result.changes).toContainEqual(
      expect.objectContaining({
        line: 2,
        participant: numbers[0],
        item: 'oxygenSupport',
        kind: 'enter',
        new: 'nasal-cannula',
      }),
    );
    expect(await vitalsRecords()).toEqual([]);
    expect(await chainHead()).toEqual(before);
  });

  it('refuses a file with bad rows whole: 400, every problem listed, nothing written', async () => {
    const before = await chainHead();
    const response = await upload(bad());
    expect(response.statusCode, response.body).toBe(400);
    const body = response.json();
    expect(body.error).toBe('validation_failed');
    expect(body.message).toContain('3 lines of vitals.csv cannot be imported; nothing was imported');
    expect(body.details.problems).toEqual(
      expectedProblems().map((problem) => expect.objectContaining(problem)),
    );
    expect(await vitalsRecords()).toEqual([]);
    expect(await chainHead()).toEqual(before);
  });

  it('finds edit-check failures on the saved values too (hard edit check), by line', async () => {
    const response = await upload(csv(vitalsLine(numbers[2] ?? '', { diastolicBp: '130' })), {
      dryRun: 'true',
    });
    expect(response.json().problems).toEqual([
      expect.objectContaining({
        line: 2,
        column: 'diastolicBp',
        message: 'Diastolic pressure must be below systolic pressure.',
      }),
    ]);
  });

  it('refuses anyone but the data manager', async () => {
    expect((await upload(bad(), { dryRun: 'true' }, users.coordinator)).statusCode).toBe(403);
  });

  it('with skipBadRows imports the good lines, audited with the file, and lists what it skipped', async () => {
    const text = bad();
    const response = await upload(text, { skipBadRows: 'true' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      imported: true,
      badLines: [3, 4, 5],
      valuesEntered: 10,
      recordsCreated: 1,
    });
    const records = await vitalsRecords();
    expect(records.map((record) => record.participant_id)).toEqual([ids[0]]);
    expect(savedValue(records[0]?.entries, 'temperature')).toBe(37.6);
    const events = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select(['action', 'reason', 'field'])
        .where('study_id', '=', t.studyId)
        .where('entity_id', '=', records[0]?.record_id ?? '')
        .execute(),
    );
    expect(events).toHaveLength(10);
    for (const event of events) {
      expect(event.action).toBe('crf.value.enter');
      expect(event.reason).toBe(`imported from vitals.csv (sha-256 ${sha(text)})`);
    }
  });

  it('opens an edit-check query for an implausible value, as on entry', async () => {
    const response = await upload(csv(vitalsLine(numbers[1] ?? '', { spo2: '45' })));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ imported: true, queriesOpened: 1, valuesEntered: 10 });
    const queries = await t.database.read((db) =>
      db
        .selectFrom('data_query')
        .select(['check_key', 'status'])
        .where('study_id', '=', t.studyId)
        .where('participant_id', '=', ids[1] ?? '')
        .execute(),
    );
    expect(queries).toEqual([{ check_key: 'spo2#plausible', status: 'open' }]);
  });

  it('changes nothing when the same file comes again, and only what changed in a changed file', async () => {
    const text = csv(vitalsLine(numbers[1] ?? '', { spo2: '45' }));
    const before = await chainHead();
    const again = await upload(text);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({
      imported: true,
      valuesEntered: 0,
      valuesChanged: 0,
      valuesUnchanged: 10,
      changeCount: 0,
    });
    expect(await chainHead()).toEqual(before);

    const changedText = csv(vitalsLine(numbers[1] ?? '', { spo2: '52', heartRate: '90' }));
    const changed = await upload(changedText, { fileName: 'vitals-2.csv' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      valuesEntered: 0,
      valuesChanged: 2,
      valuesUnchanged: 8,
      recordsChanged: 1,
    });
    const byItem = (a: { item: string }, b: { item: string }) => a.item.localeCompare(b.item);
    expect(changed.json().changes.sort(byItem)).toEqual([
      expect.objectContaining({ item: 'heartRate', kind: 'change', old: 88, new: 90 }),
      expect.objectContaining({ item: 'spo2', kind: 'change', old: 45, new: 52 }),
    ]);
    const events = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select(['action', 'field', 'reason'])
        .where('study_id', '=', t.studyId)
        .where('seq', '>', before?.seq ?? 0)
        .orderBy('seq')
        .execute(),
    );
    const reason = `imported from vitals-2.csv (sha-256 ${sha(changedText)})`;
    const changes = events.filter((event) => event.action === 'crf.value.change');
    expect(changes.sort((a, b) => String(a.field).localeCompare(String(b.field)))).toEqual([
      { action: 'crf.value.change', field: 'screening:vitals[1].heartRate', reason },
      { action: 'crf.value.change', field: 'screening:vitals[1].spo2', reason },
    ]);
    expect(events.filter((event) => event.action === 'crf.import')).toHaveLength(1);
    // The correction made the plausibility check pass: its query closed, as on entry.
    const queries = await t.database.read((db) =>
      db
        .selectFrom('data_query')
        .select('status')
        .where('participant_id', '=', ids[1] ?? '')
        .execute(),
    );
    expect(queries).toEqual([{ status: 'closed' }]);
  });

  describe('a locked record', () => {
    it('is refused, and written with an override that gives its reason', async () => {
      const [record] = (await vitalsRecords()).filter((row) => row.participant_id === ids[0]);
      const dataManager = as(t.app, users.dataManager);
      expect((await dataManager.post(`/api/v1/records/${record?.record_id}/lock`, {})).statusCode).toBe(204);
      const text = csv(vitalsLine(numbers[0] ?? '', { temperature: '38.1' }));
      const refused = await upload(text);
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().details.problems).toEqual([
        expect.objectContaining({
          line: 2,
          message:
            'The vitals form of screening is locked; import with an override and its reason to change it.',
        }),
      ]);
      expect(
        savedValue(
          (await vitalsRecords()).find((row) => row.participant_id === ids[0])?.entries,
          'temperature',
        ),
      ).toBe(37.6);

      const overridden = await upload(text, { overrideLocked: 'source document corrected by the site' });
      expect(overridden.statusCode, overridden.body).toBe(200);
      expect(overridden.json()).toMatchObject({ valuesChanged: 1 });
      const event = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select('reason')
          .where('entity_id', '=', record?.record_id ?? '')
          .where('action', '=', 'crf.value.change')
          .executeTakeFirstOrThrow(),
      );
      expect(event.reason).toBe(
        `imported from vitals.csv (sha-256 ${sha(text)}); written to a locked record: source document corrected by the site`,
      );
    });
  });

  describe('a signed record', () => {
    it('is refused; with an override the change is written and the signature breaks', async () => {
      const [record] = (await vitalsRecords()).filter((row) => row.participant_id === ids[1]);
      const investigator = as(t.app, users.investigator);
      const signed = await investigator.post(`/api/v1/records/${record?.record_id}/sign`, {
        password: PASSWORD,
      });
      expect(signed.statusCode, signed.body).toBe(200);
      const text = csv(vitalsLine(numbers[1] ?? '', { spo2: '52', heartRate: '90', temperature: '37.9' }));
      const refused = await upload(text);
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().details.problems).toEqual([
        expect.objectContaining({
          line: 2,
          message:
            'The vitals form of screening is signed; import with an override and its reason to change it.',
        }),
      ]);
      // The same values as saved are no change: they pass a signed record untouched.
      const same = await upload(csv(vitalsLine(numbers[1] ?? '', { spo2: '52', heartRate: '90' })));
      expect(same.json()).toMatchObject({ imported: true, changeCount: 0 });

      const overridden = await upload(text, { overrideLocked: 'laboratory re-sent the value' });
      expect(overridden.statusCode, overridden.body).toBe(200);
      const trail = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['action', 'reason'])
          .where('entity_id', '=', record?.record_id ?? '')
          .where('action', 'in', ['crf.value.change', 'signature.broken'])
          .orderBy('seq', 'desc')
          .limit(2)
          .execute(),
      );
      expect(trail.map((event) => event.action).sort()).toEqual(['crf.value.change', 'signature.broken']);
      expect(trail.find((event) => event.action === 'crf.value.change')?.reason).toBe(
        `imported from vitals.csv (sha-256 ${sha(text)}); written to a signed record: laboratory re-sent the value`,
      );
    });
  });

  describe('files it cannot read', () => {
    it('answers 400 saying what to fix', async () => {
      const noParticipant = await upload('visit,temperature\nscreening,37\n');
      expect(noParticipant.statusCode).toBe(400);
      expect(noParticipant.json().message).toBe(
        'vitals.csv cannot be imported as CSV: No column holds the participant: name one "participant" (the study or screening number), or map it.',
      );
      const empty = await upload(`${header}\n`);
      expect(empty.statusCode).toBe(400);
      expect(empty.json().message).toBe('vitals.csv holds no data to import.');
      const notOdm = await upload('a note', { format: 'odm' });
      expect(notOdm.statusCode).toBe(400);
      expect(notOdm.json().message).toContain(
        'cannot be imported as CDISC ODM 1.3.2 XML: The file is not readable as ODM XML',
      );
      const badMapping = await upload(bad(), { mapping: '{"columns":' });
      expect(badMapping.statusCode).toBe(400);
      expect(badMapping.json().message).toContain('The mapping is not JSON');
    });
  });
});
