import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { buildDemoTrial, type DemoTrial } from './demo-trial.ts';

describe('export downloads over HTTP', () => {
  let t: TestApp;
  let users: TrialUsers;
  let demo: DemoTrial;
  let folder: string;

  beforeAll(async () => {
    t = await createTestApp('pglite', {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    demo = await buildDemoTrial(t, users);
    folder = mkdtempSync(join(tmpdir(), 'exotrial-export-routes-'));
  });
  afterAll(async () => {
    await t?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  const download = (user: SignedIn, url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers: { ...user.headers, ...headers } });
  const exportEvents = () =>
    t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select(['actor_id', 'actor_label', 'new_value'])
        .where('study_id', '=', t.studyId)
        .where('action', '=', 'export.run')
        .orderBy('seq')
        .execute(),
    );

  const routes = [
    '/api/v1/fhir/Bundle',
    '/api/v1/exports/odm',
    '/api/v1/exports/sdtm',
    '/api/v1/exports/sdtm/dm',
    '/api/v1/exports/redcap',
  ];

  it('refuses roles without export.run, and records nothing for them', async () => {
    for (const url of routes) {
      const response = await as(t.app, users.coordinator).get(url);
      expect(response.statusCode, url).toBe(403);
    }
    expect(await exportEvents()).toEqual([]);
  });

  it('streams ODM metadata and records who exported what', async () => {
    const response = await download(users.dataManager, '/api/v1/exports/odm?metadataOnly=true');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toContain('application/xml');
    expect(response.headers['content-disposition']).toMatch(/attachment; filename="odm-metadata-/);
    expect(response.body).toContain('Granularity="Metadata"');
    expect(response.body).not.toContain('<ClinicalData');
    const [event] = await exportEvents();
    expect(event?.actor_label).toBe('datamanager@example.org');
    expect(event?.new_value).toEqual({
      kind: 'odm-metadata',
      includeIdentifiers: false,
      datesShifted: false,
    });
  });

  it('serves the FHIR Bundle as one JSON document', async () => {
    const response = await download(users.dataManager, '/api/v1/fhir/Bundle');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toContain('application/fhir+json');
    const bundle = response.json() as {
      resourceType: string;
      entry: Array<{ resource: { resourceType: string } }>;
    };
    expect(bundle.resourceType).toBe('Bundle');
    const types = new Set(bundle.entry.map((entry) => entry.resource.resourceType));
    expect([...types]).toEqual(expect.arrayContaining(['ResearchStudy', 'Patient', 'AdverseEvent']));
  });

  it('shifts dates with a key sent as a header, keeps the key out of the trail, and refuses a short key', async () => {
    const short = await download(users.dataManager, '/api/v1/exports/sdtm/dm?format=csv', {
      'x-date-shift-key': 'short',
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().message).toContain('at least 8 characters');
    const key = 'a secret shifting key';
    const plain = await download(users.dataManager, '/api/v1/exports/sdtm/dm?format=csv');
    const shifted = await download(users.dataManager, '/api/v1/exports/sdtm/dm?format=csv', {
      'x-date-shift-key': key,
    });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toContain('text/csv');
    expect(plain.body.split('\r\n')[0]).toMatch(/^STUDYID,DOMAIN,USUBJID,/);
    expect(plain.body).toContain(`${demo.day1}T09:00:00Z`);
    expect(shifted.statusCode).toBe(200);
    expect(shifted.body).not.toContain(`${demo.day1}T09:00:00Z`);
    expect(shifted.body.split('\r\n')).toHaveLength(plain.body.split('\r\n').length);
    const events = await exportEvents();
    expect(events.at(-1)?.new_value).toMatchObject({ kind: 'sdtm-csv', datesShifted: true, domains: ['DM'] });
    expect(JSON.stringify(events)).not.toContain(key);
  });

  it('documents every download in the OpenAPI document', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(response.statusCode).toBe(200);
    const paths = response.json().paths as Record<string, { get?: { parameters?: Array<{ name: string }> } }>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(['/api/v1/fhir/Bundle', ...routes.slice(1, 3)]),
    );
    const parameters = paths['/api/v1/exports/odm']?.get?.parameters?.map((parameter) => parameter.name);
    expect(parameters).toEqual(
      expect.arrayContaining(['metadataOnly', 'includeIdentifiers', 'x-date-shift-key']),
    );
  });

  it('refuses an unknown domain with a 400 that lists the domains', async () => {
    const response = await download(users.dataManager, '/api/v1/exports/sdtm/zz');
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('dm');
  });

  it('streams one transport file per domain', async () => {
    const response = await download(users.dataManager, '/api/v1/exports/sdtm/ae');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-sas-xport');
    expect(response.rawPayload.subarray(0, 48).toString('latin1')).toContain('HEADER RECORD*******LIBRARY');
    expect(response.rawPayload.length % 80).toBe(0);
  });

  it('zips every SDTM domain with define.xml into an archive unzip accepts', async () => {
    const response = await download(users.dataManager, '/api/v1/exports/sdtm?format=csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/zip');
    const file = join(folder, 'sdtm.zip');
    writeFileSync(file, response.rawPayload);
    expect(execFileSync('unzip', ['-t', file]).toString()).toContain('No errors detected');
    const listing = execFileSync('unzip', ['-Z1', file]).toString().trim().split('\n').sort();
    expect(listing).toEqual(
      ['ae', 'cm', 'dm', 'ds', 'dv', 'ex', 'lb', 'mb', 'mh', 'sv', 'ta', 'te', 'ts', 'tv', 'vs']
        .map((code) => `sdtm/${code}.csv`)
        .concat('sdtm/define.xml')
        .sort(),
    );
    const dm = execFileSync('unzip', ['-p', file, 'sdtm/dm.csv']).toString();
    expect(dm.split('\r\n').filter(Boolean)).toHaveLength(3); // header and two participants
  });

  it("exports REDCap's flat records CSV and its dictionary, zipped together by default", async () => {
    const data = await download(users.dataManager, '/api/v1/exports/redcap?part=data');
    expect(data.statusCode, data.body).toBe(200);
    const [header = '', ...lines] = data.body.split('\r\n').filter(Boolean);
    const columns = header.split(',');
    expect(columns.slice(0, 4)).toEqual([
      'record_id',
      'redcap_event_name',
      'redcap_repeat_instrument',
      'redcap_repeat_instance',
    ]);
    expect(columns).toEqual(expect.arrayContaining(['vitals_spo2', 'demographics_complete']));
    const cell = (line: string, name: string) => line.split(',')[columns.indexOf(name)];
    const preDose = lines.find((line) => line.includes(',day_1_pre_dose_arm_1,'));
    expect(preDose && cell(preDose, 'vitals_complete')).toBe('1');
    const adverse = lines.find((line) => line.includes(',common_arm_1,adverseevent,1,'));
    expect(adverse && cell(adverse, 'adverseevent_term')).toBe('Cough after nebulisation');
    expect(adverse && cell(adverse, 'adverseevent_serious')).toBe('0');
    // The date of birth leaves only with includeIdentifiers.
    const screening = lines.find(
      (line) => line.includes(',screening_arm_1,,,') && cell(line, 'demographics_sex'),
    );
    expect(screening && cell(screening, 'demographics_birthdate')).toBe('');
    const withIdentifiers = await download(
      users.dataManager,
      '/api/v1/exports/redcap?part=data&includeIdentifiers=true',
    );
    expect(withIdentifiers.body).toMatch(/,\d{4}-\d{2}-\d{2},/);

    const archive = await download(users.dataManager, '/api/v1/exports/redcap');
    const file = join(folder, 'redcap.zip');
    writeFileSync(file, archive.rawPayload);
    expect(execFileSync('unzip', ['-Z1', file]).toString().trim().split('\n')).toEqual([
      'redcap/data-dictionary.csv',
      'redcap/data.csv',
    ]);
    const dictionary = execFileSync('unzip', ['-p', file, 'redcap/data-dictionary.csv']).toString();
    expect(dictionary.startsWith('Variable / Field Name,Form Name,Section Header,Field Type')).toBe(true);
    expect(execFileSync('unzip', ['-p', file, 'redcap/data.csv']).toString()).toBe(data.body);
  });
});
