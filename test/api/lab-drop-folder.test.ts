import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { processDropFolder } from '../../src/lab-interface/drop-folder.ts';
import { fhirBundle, oruMessage } from '../support/lab-messages.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers } from '../support/trial-users.ts';

const today = new Date().toISOString().slice(0, 10);

describeEachDatabase('laboratory drop folder', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(kind);
    const users = await createTrialUsers(t);
    const coordinator = as(t.app, users.coordinator);
    const screened = await coordinator.post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: today,
      hospitalId: 'MRN-3003',
    });
    expect(screened.statusCode, screened.body).toBe(201);
    const consent = await coordinator.post(`/api/v1/participants/${screened.json().participantId}/consent`, {
      formVersion: '1.0',
      consentedAt: `${today}T00:00:00Z`,
      signer: 'participant',
    });
    expect(consent.statusCode, consent.body).toBe(201);
  });
  afterAll(async () => t?.close());

  it('receives each file, moves it to done/ or failed/, and leaves files still being written', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'exotrial-lab-drop-'));
    const day = today.replaceAll('-', '');
    const patient = (value: string) => ({
      hospitalId: 'MRN-3003',
      collectedAt: `${day}0900`,
      results: [{ loinc: '1988-5', name: 'CRP', value, unit: 'mg/L' }],
    });
    // Two messages in one file (each starts with MSH), lines ending in LF as files often have them.
    writeFileSync(
      join(folder, 'a.hl7'),
      `${oruMessage('FILE-1', [patient('12')]).replaceAll('\r', '\n')}\n${oruMessage('FILE-2', [patient('12')]).replaceAll('\r', '\n')}\n`,
    );
    writeFileSync(join(folder, 'b.hl7'), oruMessage('FILE-3', [patient('twelve')]));
    writeFileSync(
      join(folder, 'c.json'),
      JSON.stringify(
        fhirBundle('FILE-4', 'MRN-3003', `${today}T09:00:00+08:00`, [
          { loinc: '26881-3', name: 'IL-6', value: '8.5', unit: 'pg/mL' },
        ]),
      ),
    );
    writeFileSync(join(folder, 'd.hl7.part'), 'MSH|incomplete');

    const passes = await processDropFolder(t.database, t.studyId, folder);
    expect(
      passes.map((pass) => [pass.file, 'ackCode' in pass.outcome ? pass.outcome.ackCode : 'error']),
    ).toEqual([
      ['a.hl7', 'AA'],
      ['a.hl7', 'AA'],
      ['b.hl7', 'AE'],
      ['c.json', 'AA'],
    ]);
    expect(readdirSync(join(folder, 'done')).sort()).toEqual(['a.hl7', 'c.json']);
    expect(readdirSync(join(folder, 'failed'))).toEqual(['b.hl7']);
    expect(existsSync(join(folder, 'd.hl7.part'))).toBe(true);

    const labs = await t.database.read((db) =>
      db
        .selectFrom('form_record')
        .select('entries')
        .where('study_id', '=', t.studyId)
        .where('form_id', '=', 'labs')
        .executeTakeFirstOrThrow(),
    );
    const entries = typeof labs.entries === 'string' ? JSON.parse(labs.entries) : labs.entries;
    expect(entries.crp.value).toBe(12);
    expect(entries.il6.value).toBe(8.5);
    const sources = await t.database.read((db) =>
      db
        .selectFrom('lab_message')
        .select(['control_id', 'source', 'status'])
        .where('study_id', '=', t.studyId)
        .orderBy('control_id')
        .execute(),
    );
    expect(sources).toEqual([
      { control_id: 'FILE-1', source: 'file', status: 'accepted' },
      { control_id: 'FILE-2', source: 'file', status: 'accepted' },
      { control_id: 'FILE-3', source: 'file', status: 'rejected' },
      { control_id: 'FILE-4', source: 'file', status: 'accepted' },
    ]);
    // A second pass finds nothing new to read.
    expect(await processDropFolder(t.database, t.studyId, folder)).toEqual([]);
  });

  it('keeps every file moved: a name the laboratory sends again gets a number, nothing is overwritten', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'exotrial-lab-drop-'));
    const day = today.replaceAll('-', '');
    const message = (controlId: string, value: string) =>
      oruMessage(controlId, [
        {
          hospitalId: 'MRN-3003',
          collectedAt: `${day}1000`,
          results: [{ loinc: '1988-5', name: 'CRP', value, unit: 'mg/L' }],
        },
      ]);
    const sent = ['RESEND-1', 'RESEND-2', 'RESEND-3'].map((controlId) => message(controlId, '9'));
    for (const [index, text] of sent.entries()) {
      writeFileSync(join(folder, 'results.hl7'), text);
      writeFileSync(join(folder, 'bad.hl7'), message(`BAD-${index}`, 'nine'));
      await processDropFolder(t.database, t.studyId, folder);
    }
    expect(readdirSync(join(folder, 'done')).sort()).toEqual([
      'results-1.hl7',
      'results-2.hl7',
      'results.hl7',
    ]);
    expect(readdirSync(join(folder, 'failed')).sort()).toEqual(['bad-1.hl7', 'bad-2.hl7', 'bad.hl7']);
    // Each file holds what was sent under its name at its turn.
    expect(readFileSync(join(folder, 'done', 'results.hl7'), 'utf8')).toBe(sent[0]);
    expect(readFileSync(join(folder, 'done', 'results-2.hl7'), 'utf8')).toBe(sent[2]);
    expect(readFileSync(join(folder, 'failed', 'bad-1.hl7'), 'utf8')).toContain('BAD-1');
  });
});
