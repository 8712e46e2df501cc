import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DatabaseKind } from '../../src/db/connection.ts';
import { importOdmMetadata } from '../../src/exchange/odm/odm-import.ts';
import { REPOSITORY_ROOT } from '../exchange/r-support.ts';
import { siteDateFromToday } from '../support/dosed-participant.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// An amendment that changes an item's type and removes another, read through ODM: one complete
// MetaDataVersion per version with data, each ClinicalData pointing at the version its values were
// entered under, so the interleukin-6 value entered as a number under version 1.0 is described by
// 1.0's float ItemDef and the one entered as text under 1.1 by 1.1's text ItemDef. The file passes
// the official schema, and imported into a study with the same amendment it gives back every value,
// each record under the version it was entered under.

const SCHEMA = join(REPOSITORY_ROOT, '..', 'shared', 'schemas', 'odm1-3-2', 'ODM1-3-2.xsd');
const shipped = readFileSync(join(REPOSITORY_ROOT, 'protocols', 'mexcovid.yaml'), 'utf8');
const il6 = / {6}- id: il6\n[\s\S]*?(?= {6}- id: dDimer\n)/;
const platelets = / {6}- id: platelets\n[\s\S]*?(?= {6}- id: crp\n)/;
/** Amendment 1 (version 2, "1.1"): IL-6 reported as text (a laboratory's "<2"), no platelet count. */
const amended = shipped
  .replace(/^version: .*$/m, 'version: "1.1"')
  .replace(platelets, '')
  .replace(
    il6,
    `      - id: il6
        type: text
        label: { en: Interleukin-6 (IL-6) as reported, zh: 白细胞介素-6（IL-6）报告值 }
        required: true
        sdtm: { domain: LB, variable: LBORRES, testCode: IL6 }
`,
  );

const today = siteDateFromToday(0);
const consentedAt = `${siteDateFromToday(-1)}T02:00:00Z`;
const labsUrl = (participantId: string) =>
  `/api/v1/participants/${participantId}/visits/screening/forms/labs?instance=1`;
const fields = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));

interface Study {
  t: TestApp;
  users: TrialUsers;
}

async function screened(study: Study): Promise<string> {
  const coordinator = as(study.t.app, study.users.coordinator);
  const participant = await coordinator.post('/api/v1/participants', {
    siteId: study.users.siteId,
    screeningDate: siteDateFromToday(-1),
  });
  expect(participant.statusCode, participant.body).toBe(201);
  const participantId: string = participant.json().participantId;
  const consent = await coordinator.post(`/api/v1/participants/${participantId}/consent`, {
    formVersion: '1.0',
    consentedAt,
    signer: 'participant',
  });
  expect(consent.statusCode, consent.body).toBe(201);
  return participantId;
}

async function amend(study: Study): Promise<void> {
  const dataManager = as(study.t.app, study.users.dataManager);
  const loaded = await dataManager.post('/api/v1/protocol/versions', {
    source: amended,
    reason: 'Amendment 1: IL-6 as reported text, no platelet count',
  });
  expect(loaded.statusCode, loaded.body).toBe(201);
  const approved = await dataManager.post('/api/v1/protocol/versions/2/approvals', {
    siteId: study.users.siteId,
    approvedOn: siteDateFromToday(-1),
  });
  expect(approved.statusCode, approved.body).toBe(201);
}

async function saveLabs(study: Study, participantId: string, values: Record<string, unknown>) {
  const saved = await as(study.t.app, study.users.coordinator).put(labsUrl(participantId), {
    version: 0,
    entries: fields(values),
  });
  expect(saved.statusCode, saved.body).toBe(200);
  return saved.json().protocolVersion as number;
}

/** Each laboratory record: its participant's screening number, its version, and its values. */
async function labRecords(t: TestApp) {
  const rows = await t.database.read((db) =>
    db
      .selectFrom('form_record as r')
      .innerJoin('participant as p', (join) =>
        join.onRef('p.study_id', '=', 'r.study_id').onRef('p.participant_id', '=', 'r.participant_id'),
      )
      .select(['p.screening_number', 'r.protocol_version', 'r.entries'])
      .where('r.study_id', '=', t.studyId)
      .where('r.form_id', '=', 'labs')
      .orderBy('p.screening_number')
      .execute(),
  );
  return rows.map((row) => {
    const entries = (typeof row.entries === 'string' ? JSON.parse(row.entries) : row.entries) as Record<
      string,
      { value: unknown }
    >;
    return {
      participant: row.screening_number,
      version: row.protocol_version,
      values: Object.fromEntries(Object.entries(entries).map(([item, entry]) => [item, entry.value])),
    };
  });
}

const sections = (xml: string, element: string, attribute: string) =>
  [
    ...xml.matchAll(
      new RegExp(`<${element} [^>]*?${attribute}="([^"]+)"[^>]*>([\\s\\S]*?)</${element}>`, 'g'),
    ),
  ].map((match) => ({ oid: match[1] ?? '', body: match[2] ?? '' }));

async function study(kind: DatabaseKind): Promise<Study> {
  const t = await createTestApp(kind);
  return { t, users: await createTrialUsers(t) };
}

describeEachDatabase('ODM of an amended study: a MetaDataVersion per version', (kind) => {
  let source: Study;
  let odm = '';
  let folder = '';

  beforeAll(async () => {
    expect(amended).toContain('type: text\n        label: { en: Interleukin-6 (IL-6) as reported');
    expect(amended).not.toMatch(/id: platelets\n/);
    source = await study(kind);
    const before = await screened(source);
    expect(await saveLabs(source, before, { collectedOn: today, il6: 8, platelets: 187 })).toBe(1);
    await amend(source);
    const after = await screened(source);
    expect(await saveLabs(source, after, { collectedOn: today, il6: '<2' })).toBe(2);
    const exported = await as(source.t.app, source.users.dataManager).get('/api/v1/exports/odm');
    expect(exported.statusCode, exported.body.slice(0, 300)).toBe(200);
    expect(exported.headers['x-unplaced-values']).toBe('0');
    odm = exported.body;
    folder = mkdtempSync(join(tmpdir(), 'exotrial-odm-versions-'));
  });
  afterAll(async () => {
    await source?.t.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('describes each version by its own definitions, complete', () => {
    const versions = sections(odm, 'MetaDataVersion', 'OID');
    expect(versions.map((version) => version.oid)).toEqual(['MDV.1.0', 'MDV.1.1']);
    const [first, second] = versions.map((version) => version.body);
    expect(first).toMatch(/<ItemDef OID="I\.labs\.il6" Name="il6" DataType="float" SignificantDigits="1">/);
    expect(first).toContain('<ItemDef OID="I.labs.platelets"');
    expect(second).toMatch(/<ItemDef OID="I\.labs\.il6" Name="il6" DataType="text">/);
    expect(second).toContain('Interleukin-6 (IL-6) as reported');
    expect(second).not.toContain('I.labs.platelets');
    // Each is whole: every form, not only what changed.
    for (const body of [first, second]) expect(body).toContain('<FormDef OID="F.vitals"');
    // Every site names both versions.
    expect(odm).toMatch(/<Location [^>]*>(<MetaDataVersionRef [^>]*\/>){2}<\/Location>/);
  });

  it('puts each value under the MetaDataVersion it was entered under', () => {
    const clinical = sections(odm, 'ClinicalData', 'MetaDataVersionOID');
    expect(clinical.map((data) => data.oid)).toEqual(['MDV.1.0', 'MDV.1.1']);
    const [first, second] = clinical.map((data) => data.body);
    expect(first).toContain('<ItemData ItemOID="I.labs.il6" Value="8">');
    expect(first).toContain('<ItemData ItemOID="I.labs.platelets" Value="187">');
    expect(first).not.toContain('Value="&lt;2"');
    expect(second).toContain('<ItemData ItemOID="I.labs.il6" Value="&lt;2">');
    expect(second).not.toContain('I.labs.platelets');
    // Each participant's records sit in one ClinicalData here; both hold one SubjectData.
    expect(first?.match(/<SubjectData /g)).toHaveLength(1);
    expect(second?.match(/<SubjectData /g)).toHaveLength(1);
  });

  it('validates against the official ODM 1.3.2 schema, with its data and as metadata only', async () => {
    const metadata = await as(source.t.app, source.users.dataManager).get(
      '/api/v1/exports/odm?metadataOnly=true',
    );
    expect(metadata.statusCode).toBe(200);
    expect(sections(metadata.body, 'MetaDataVersion', 'OID').map((version) => version.oid)).toEqual([
      'MDV.1.0',
      'MDV.1.1',
    ]);
    for (const [name, xml] of [
      ['amended.xml', odm],
      ['amended-metadata.xml', metadata.body],
    ] as const) {
      const file = join(folder, name);
      writeFileSync(file, xml);
      const lint = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, file], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(lint.error, 'xmllint (libxml2-utils) is needed').toBeUndefined();
      expect(lint.stderr).toContain('validates');
      expect(lint.status, lint.stderr.slice(0, 4000)).toBe(0);
    }
    // The check is real: two MetaDataVersions under one OID break the schema's uniqueness.
    const twice = join(folder, 'same-oid.xml');
    writeFileSync(twice, odm.replace('<MetaDataVersion OID="MDV.1.1"', '<MetaDataVersion OID="MDV.1.0"'));
    const broken = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, twice], { encoding: 'utf8' });
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toMatch(/UC-S-2|[Dd]uplicate/);
  });

  it('imports as metadata the forms of the latest version, naming the earlier one', () => {
    const imported = importOdmMetadata(odm);
    const labs = imported.forms.find((form) => form.id === 'labs');
    expect(labs?.items.find((item) => item.id === 'il6')?.type).toBe('text');
    expect(labs?.items.some((item) => item.id === 'platelets')).toBe(false);
    expect(imported.notes).toEqual([
      'earlier metadata versions MDV.1.0: the forms are those of the last, MDV.1.1',
    ]);
  });

  it('reads back into a study with the same amendment without loss, each record under its version', async () => {
    const target = await study(kind);
    try {
      await amend(target);
      // Both participants are screened after the amendment: new records would follow version 2.
      await screened(target);
      await screened(target);
      const upload = (query: Record<string, string>) =>
        target.t.app.inject({
          method: 'POST',
          url: `/api/v1/imports/form-data?${new URLSearchParams({ fileName: 'amended.xml', ...query })}`,
          headers: { ...target.users.dataManager.headers, 'content-type': 'application/xml' },
          payload: odm,
        });
      const imported = await upload({});
      expect(imported.statusCode, imported.body).toBe(200);
      expect(imported.json()).toMatchObject({ imported: true, problemCount: 0 });
      const expected = await labRecords(source.t);
      expect(expected.map((record) => [record.version, record.values.il6])).toEqual([
        [1, 8],
        [2, '<2'],
      ]);
      expect(await labRecords(target.t)).toEqual(expected);
      // A second reading changes nothing.
      const again = await upload({});
      expect(again.json()).toMatchObject({ valuesEntered: 0, valuesChanged: 0, problemCount: 0 });
    } finally {
      await target.t.close();
    }
  });
});
