import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOdm } from '../../src/exchange/odm/odm-export.ts';
import { importOdmMetadata } from '../../src/exchange/odm/odm-import.ts';
import { metaDataVersionOids } from '../../src/exchange/odm/odm-metadata.ts';
import { defaultPrivacy } from '../../src/exchange/privacy.ts';
import { loadProtocolFile } from '../../src/protocol/load.ts';
import { createTestApp, type TestApp } from '../support/test-app.ts';
import { createTrialUsers } from '../support/trial-users.ts';
import { buildDemoTrial } from './demo-trial.ts';
import { REPOSITORY_ROOT } from './r-support.ts';

const SCHEMA = join(REPOSITORY_ROOT, '..', 'shared', 'schemas', 'odm1-3-2', 'ODM1-3-2.xsd');

function xmllintAvailable(): boolean {
  const probe = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined;
}

/** xmllint's verdict against the official ODM 1.3.2 schema: null when valid, else its messages. */
function schemaErrors(file: string): string | null {
  const result = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return result.status === 0 ? null : result.stderr.slice(0, 4000);
}

async function collect(chunks: AsyncGenerator<string>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += chunk;
  return out;
}

describe('CDISC ODM 1.3.2', () => {
  let t: TestApp;
  let folder: string;
  let metadata: string;
  let full: string;
  const created = new Date('2026-03-01T12:00:00Z');

  beforeAll(async () => {
    t = await createTestApp('pglite', {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    await buildDemoTrial(t, await createTrialUsers(t));
    folder = mkdtempSync(join(tmpdir(), 'exotrial-odm-'));
    metadata = await collect(
      exportOdm(t.database, t.studyId, { metadataOnly: true, privacy: defaultPrivacy, created }),
    );
    full = await collect(
      exportOdm(t.database, t.studyId, {
        metadataOnly: false,
        privacy: defaultPrivacy,
        created,
        batchSize: 1,
      }),
    );
    writeFileSync(join(folder, 'metadata.xml'), metadata);
    writeFileSync(join(folder, 'full.xml'), full);
  });
  afterAll(async () => {
    await t?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('describes the protocol in both languages with units, range checks, skip logic and derivations', () => {
    expect(metadata).toContain('<TranslatedText xml:lang="zh">生命体征及氧疗支持</TranslatedText>');
    expect(metadata).toContain('<MeasurementUnit OID="MU.mm[Hg]" Name="mm[Hg]">');
    expect(metadata).toMatch(
      /<ItemDef OID="I.vitals.temperature" Name="temperature" DataType="float" SignificantDigits="1">/,
    );
    // Temperature: hard limits 25–45 °C (refused outside), plausible 34–41 °C (a query outside).
    expect(metadata).toContain('<RangeCheck Comparator="GE" SoftHard="Hard"><CheckValue>25</CheckValue>');
    expect(metadata).toContain('<RangeCheck Comparator="LE" SoftHard="Hard"><CheckValue>45</CheckValue>');
    expect(metadata).toContain('<RangeCheck Comparator="GE" SoftHard="Soft"><CheckValue>34</CheckValue>');
    expect(metadata).toContain('<RangeCheck Comparator="LE" SoftHard="Soft"><CheckValue>41</CheckValue>');
    expect(metadata).toContain(
      '<FormalExpression Context="exotrial:rule">not (informedConsent.consentSigned = true)</FormalExpression>',
    );
    expect(metadata).toContain(
      '<MethodDef OID="M.demographics.age" Name="Derive demographics.age" Type="Computation">',
    );
    expect(metadata).toContain(
      '<StudyEventDef OID="SE.daily-status" Name="Daily clinical status" Repeating="Yes" Type="Scheduled">',
    );
    expect(metadata).not.toContain('<ClinicalData');
  });

  it('carries clinical data with audit records, missing values and signatures, without dates of birth', () => {
    expect(full).toContain(
      '<ItemData ItemOID="I.vitals.temperature" Value="37.6"><AuditRecord><UserRef UserOID="USR.',
    );
    expect(full).toMatch(
      /<ItemData ItemOID="I.labs.il6" IsNull="Yes">.*<Annotation SeqNum="1"><Comment>not_done: Assay not available<\/Comment>/,
    );
    expect(full).toMatch(
      /<FormData FormOID="F.exposure"><Signature><UserRef UserOID="USR.[^"]+"\/><LocationRef LocationOID="LOC.ruijin"\/><SignatureRef SignatureOID="SD./,
    );
    expect(full).toContain('<StudyEventData StudyEventOID="SE.daily-status" StudyEventRepeatKey="2">');
    expect(full).toContain('<FormData FormOID="F.conmeds" FormRepeatKey="1">');
    expect(full).not.toContain('<ItemData ItemOID="I.demographics.birthDate"');
    expect(full).toContain('<ItemData ItemOID="I.demographics.sex" Value="M">');
    expect(full.match(/<SubjectData /g)).toHaveLength(2);
  });

  it('describes a study of one protocol version with one MetaDataVersion, its data pointing at it', () => {
    for (const file of [metadata, full])
      expect([...file.matchAll(/<MetaDataVersion OID="([^"]+)"/g)].map((match) => match[1])).toEqual([
        'MDV.1.0',
      ]);
    expect([...full.matchAll(/<ClinicalData [^>]*>/g)].map((match) => match[0])).toEqual([
      '<ClinicalData StudyOID="ST.mexcovid" MetaDataVersionOID="MDV.1.0">',
    ]);
    expect(full).toMatch(
      /<MetaDataVersionRef StudyOID="ST.mexcovid" MetaDataVersionOID="MDV.1.0" EffectiveDate="\d{4}-\d\d-\d\d"\/>/,
    );
  });

  describe('validates against the official schema with xmllint', () => {
    if (!xmllintAvailable()) {
      if (process.env.CI === 'true') it('needs xmllint under CI', () => expect.fail('install libxml2-utils'));
      else it.skip('xmllint is not installed (CI installs libxml2-utils)', () => {});
      return;
    }
    it('metadata only', () => expect(schemaErrors(join(folder, 'metadata.xml'))).toBeNull());
    it('metadata and clinical data', () => expect(schemaErrors(join(folder, 'full.xml'))).toBeNull());
    it('and the validation is real: a broken file fails', () => {
      writeFileSync(join(folder, 'broken.xml'), metadata.replace('DataType="float"', 'DataType="real"'));
      expect(schemaErrors(join(folder, 'broken.xml'))).toMatch(/DataType/);
    });
  });

  it('names each protocol version’s MetaDataVersion by its label, numbered where labels repeat', async () => {
    const loaded = await loadProtocolFile(join(REPOSITORY_ROOT, 'protocols', 'mexcovid.yaml'));
    if (!loaded.ok) throw new Error('the shipped protocol does not load');
    const labelled = (versionNo: number, version: string) => ({
      versionNo,
      protocol: { ...loaded.protocol, version },
    });
    const oids = metaDataVersionOids([labelled(1, '1.0'), labelled(2, '1.1'), labelled(3, '1.1')]);
    expect([...oids]).toEqual([
      [1, 'MDV.1.0'],
      [2, 'MDV.1.1.v2'],
      [3, 'MDV.1.1.v3'],
    ]);
  });

  it('imports its own metadata back into the same forms and code lists (round trip)', async () => {
    const loaded = await loadProtocolFile(join(REPOSITORY_ROOT, 'protocols', 'mexcovid.yaml'));
    if (!loaded.ok) throw new Error('the shipped protocol does not load');
    const protocol = loaded.protocol;
    const imported = importOdmMetadata(metadata);
    expect(imported.notes).toEqual([]);
    expect(imported.forms).toEqual(protocol.forms);
    const used = new Set(
      protocol.forms.flatMap((form) => form.items.flatMap((item) => (item.codeList ? [item.codeList] : []))),
    );
    expect(imported.codeLists).toEqual(protocol.codeLists.filter((list) => used.has(list.id)));
  });

  it('imports a foreign ODM file and reports what it could not map', () => {
    const foreign = readFileSync(
      join(REPOSITORY_ROOT, '..', 'shared', 'schemas', 'odm1-3-2', 'minimal-example.xml'),
      'utf8',
    );
    const imported = importOdmMetadata(foreign);
    expect(imported.forms.length).toBeGreaterThan(0);
    expect(() => importOdmMetadata('<not-odm/>')).toThrow(/root element/);
    expect(() => importOdmMetadata('<ODM FileOID="unterminated></ODM>')).toThrow(/well-formed/);
    expect(() => importOdmMetadata('<ODM></ODM>')).toThrow(/no Study\/MetaDataVersion/);
  });
});
