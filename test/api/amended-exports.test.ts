import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { siteDateFromToday } from '../support/dosed-participant.ts';
import { chromiumPdfText } from '../support/pdf-text.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { enrolledParticipant, fields } from './safety-support.ts';

// Nothing entered is lost when an amendment removes an item: a platelet count and a (required, left
// blank) white cell count entered under version 1 at a site that then approves amendments removing
// both and renaming the laboratory form. SDTM LB, ODM, REDCap, the report and the casebook PDF still
// carry the count, each record read under its own version (ODM: under version 1's MetaDataVersion);
// the casebook grid still counts the blank required field and SDV still counts the removed one. A
// value no version defines is named, not dropped.

const shipped = readFileSync('protocols/mexcovid.yaml', 'utf8');
const removedItems =
  / {6}- id: wbc\n[\s\S]*?(?= {6}- id: lymphocytes\n)| {6}- id: platelets\n[\s\S]*?(?= {6}- id: crp\n)/g;
const labsTitle = 'title: { en: Laboratory tests, zh: 实验室检查 }';
/** Amendment 1 (version 2): the white cell and platelet counts leave the laboratory form. */
const withoutItems = shipped.replace(/^version: .*$/m, 'version: "1.1"').replace(removedItems, '');
/** Amendment 2 (version 3): the laboratory form is renamed as well. */
const renamed = withoutItems
  .replace(/^version: .*$/m, 'version: "1.2"')
  .replace(labsTitle, 'title: { en: Blood tests, zh: 血液检查 }');

/** Every required laboratory value but the white cell count, and the platelet count. */
const labValues = (collectedOn: string) => ({
  collectedOn,
  lymphocytes: 1.1,
  crp: 12,
  il6: 8,
  dDimer: 0.6,
  alt: 30,
  ast: 28,
  bilirubin: 10,
  creatinine: 80,
  platelets: 187,
});

const csvRows = (text: string) => {
  const [header = [], ...rows] = parse(text, { record_delimiter: '\r\n' }) as string[][];
  return rows.map((row) => Object.fromEntries(header.map((name, index) => [name, row[index] ?? ''])));
};

describeEachDatabase('exports and casebooks after an amendment removes items', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId = '';
  let recordId = '';
  const day1 = siteDateFromToday(-5);
  const yesterday = siteDateFromToday(-1);
  const labsUrl = () => `/api/v1/participants/${participantId}/visits/screening/forms/labs?instance=1`;

  beforeAll(async () => {
    expect(withoutItems).not.toMatch(/id: (wbc|platelets)\n/);
    expect(renamed).toContain('en: Blood tests');
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    participantId = await enrolledParticipant(t, users, day1);
    const coordinator = as(t.app, users.coordinator);
    const before = await coordinator.get(labsUrl());
    expect(before.statusCode, before.body).toBe(200);
    const saved = await coordinator.put(labsUrl(), {
      version: before.json().version,
      entries: fields(labValues(day1)),
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().protocolVersion).toBe(1);
    recordId = saved.json().recordId;
    const dataManager = as(t.app, users.dataManager);
    for (const [source, reason] of [
      [withoutItems, 'Amendment 1: no white cell or platelet counts'],
      [renamed, 'Amendment 2: the laboratory form renamed'],
    ]) {
      const loaded = await dataManager.post('/api/v1/protocol/versions', { source, reason });
      expect(loaded.statusCode, loaded.body).toBe(201);
    }
    for (const version of [2, 3]) {
      const approved = await dataManager.post(`/api/v1/protocol/versions/${version}/approvals`, {
        siteId: users.siteId,
        approvedOn: yesterday,
      });
      expect(approved.statusCode, approved.body).toBe(201);
    }
    const detail = await coordinator.get(`/api/v1/participants/${participantId}`);
    expect(detail.json().siteProtocolVersion).toBe(3);
  });
  afterAll(async () => t?.close());

  it('keeps the platelet count in SDTM LB, mapped by the version that defines it', async () => {
    const response = await as(t.app, users.dataManager).get('/api/v1/exports/sdtm/lb?format=csv');
    expect(response.statusCode, response.body.slice(0, 200)).toBe(200);
    expect(response.headers['x-unplaced-values']).toBe('0');
    const platelets = csvRows(response.body).filter((row) => row.LBTESTCD === 'PLAT');
    expect(platelets.map((row) => [row.LBORRES, row.VISIT])).toEqual([['187', 'Screening and baseline']]);
  });

  it('keeps it in ODM: under the MetaDataVersion of version 1, which still defines it', async () => {
    const response = await as(t.app, users.dataManager).get('/api/v1/exports/odm');
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-unplaced-values']).toBe('0');
    const versions = [
      ...response.body.matchAll(/<MetaDataVersion OID="([^"]+)"[^>]*>([\s\S]*?)<\/MetaDataVersion>/g),
    ];
    // Version 1 holds every record; version 2 none; version 3 is the current one.
    expect(versions.map((match) => match[1])).toEqual(['MDV.1.0', 'MDV.1.2']);
    const [first, current] = versions.map((match) => match[2] ?? '');
    expect(first).toContain('<ItemDef OID="I.labs.platelets"');
    expect(first).toMatch(/<FormDef OID="F\.labs" Name="Laboratory tests"/);
    expect(current).not.toContain('<ItemDef OID="I.labs.platelets"');
    expect(current).not.toContain('<ItemDef OID="I.labs.wbc"');
    expect(current).toMatch(/<FormDef OID="F\.labs" Name="Blood tests"/);
    const clinical = [
      ...response.body.matchAll(
        /<ClinicalData [^>]*MetaDataVersionOID="([^"]+)">([\s\S]*?)<\/ClinicalData>/g,
      ),
    ];
    expect(clinical.map((match) => match[1])).toEqual(['MDV.1.0', 'MDV.1.2']);
    const labs = [
      ...(clinical[0]?.[2] ?? '').matchAll(/<FormData FormOID="F\.labs"[^>]*>[\s\S]*?<\/FormData>/g),
    ].map((match) => match[0]);
    expect(labs).toHaveLength(1);
    expect(labs[0]).toContain('Entered under protocol version 1');
    expect(labs[0]).toMatch(/<ItemData ItemOID="I\.labs\.platelets" Value="187"/);
    expect(clinical[1]?.[2]).not.toContain('<FormData');
  });

  it('keeps it in the REDCap dictionary and records', async () => {
    const dataManager = as(t.app, users.dataManager);
    const dictionary = await dataManager.get('/api/v1/exports/redcap?part=dictionary');
    expect(dictionary.statusCode).toBe(200);
    const field = csvRows(dictionary.body).find((row) => row['Variable / Field Name'] === 'labs_platelets');
    expect(field?.['Form Name']).toBe('labs');
    const data = await dataManager.get('/api/v1/exports/redcap?part=data');
    expect(data.statusCode).toBe(200);
    expect(data.headers['x-unplaced-values']).toBe('0');
    const screening = csvRows(data.body).filter(
      (row) => row.redcap_event_name === 'screening_arm_1' && row.redcap_repeat_instrument === '',
    );
    expect(screening.map((row) => row.labs_platelets)).toEqual(['187']);
  });

  it('counts it in the report’s baseline table', async () => {
    const response = await as(t.app, users.dataManager).get('/api/v1/report?format=json');
    expect(response.statusCode, response.body.slice(0, 200)).toBe(200);
    const report = response.json();
    const row = report.baseline.find(
      (entry: { label: { en: string } }) => entry.label.en === 'Platelet count',
    );
    expect(row).toMatchObject({ kind: 'numeric', summary: { n: 1, median: 187 }, missing: 0 });
    expect(report.protocolVersion).toBe('1.2');
    expect(report).not.toHaveProperty('unplacedValues');
  });

  it('prints it in the casebook PDF under the form as entered, version 1', async () => {
    const response = await as(t.app, users.investigator).get(
      `/api/v1/participants/${participantId}/casebook.pdf`,
    );
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
    const text = chromiumPdfText(response.rawPayload).text.replace(/\s*\n\s*/g, ' ');
    const start = text.indexOf('Laboratory tests — Screening and baseline · Protocol version 1');
    expect(start, text.slice(0, 2000)).toBeGreaterThanOrEqual(0);
    const block = text.slice(start).split(' — ')[1] ?? '';
    expect(block).toMatch(/Platelet count 187\b/);
    expect(block).toMatch(/White blood cell count missing/);
  });

  it('checks the record in the casebook grid and SDV under its own version', async () => {
    const grid = async () => {
      const response = await as(t.app, users.monitor).get(`/api/v1/participants/${participantId}/casebook`);
      expect(response.statusCode, response.body).toBe(200);
      return response
        .json()
        .cells.find(
          (cell: { visitKey: string; formId: string }) =>
            cell.visitKey === 'screening' && cell.formId === 'labs',
        ).state;
    };
    // The white cell count is required under version 1 and blank: incomplete, though version 3 has no such item.
    expect(await grid()).toBe('incomplete');
    const record = (await as(t.app, users.monitor).get(labsUrl())).json();
    expect(record.protocolVersion).toBe(1);
    expect(record.entries.platelets.value).toBe(187);
    const others = Object.keys(record.entries).filter((itemId) => itemId !== 'platelets');
    const monitor = as(t.app, users.monitor);
    const first = await monitor.post(`/api/v1/records/${recordId}/sdv`, { itemIds: others });
    expect(first.statusCode, first.body).toBe(200);
    // The removed platelet count is still a saved field to verify: the form is not verified without it.
    expect(await grid()).toBe('incomplete');
    const last = await monitor.post(`/api/v1/records/${recordId}/sdv`, { itemIds: ['platelets'] });
    expect(last.statusCode, last.body).toBe(200);
    expect(await grid()).toBe('verified');
    expect((await monitor.get(labsUrl())).json().entries.platelets.verified).toBe(true);
  });

  it('names a saved value that no version defines instead of leaving it out', async () => {
    // Written around the API, as a broken import might: an item no protocol version has ever had.
    const ghost = JSON.stringify({ ghostCount: { value: 5, revision: 1 } });
    await t.database.transaction((trx) =>
      sql`update form_record set entries = entries || ${ghost}::jsonb where record_id = ${recordId}`.execute(
        trx,
      ),
    );
    const dataManager = as(t.app, users.dataManager);
    const odm = await dataManager.get('/api/v1/exports/odm');
    expect(odm.headers['x-unplaced-values']).toBe('1');
    expect(odm.body).toContain(
      `Saved values their protocol version does not define, not exported: screening · labs.ghostCount (record ${recordId}, protocol version 1)`,
    );
    const redcap = await dataManager.get('/api/v1/exports/redcap?part=data');
    expect(redcap.headers['x-unplaced-values']).toBe('1');
    const sdtm = await dataManager.get('/api/v1/exports/sdtm/lb?format=csv');
    expect(sdtm.headers['x-unplaced-values']).toBe('1');
    const report = (await dataManager.get('/api/v1/report?format=json')).json();
    expect(report.unplacedValues).toEqual([
      `screening · labs.ghostCount (record ${recordId}, protocol version 1)`,
    ]);
    const trail = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select('new_value')
        .where('study_id', '=', t.studyId)
        .where('action', '=', 'export.run')
        .orderBy('seq', 'desc')
        .limit(3)
        .execute(),
    );
    expect(trail.map((event) => (event.new_value as { unplacedValues?: number }).unplacedValues)).toEqual([
      1, 1, 1,
    ]);
  });
});
