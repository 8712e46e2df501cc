import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DatabaseKind } from '../../src/db/connection.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

const today = new Date().toISOString().slice(0, 10);
const consentedAt = `${today}T00:00:00Z`;
const formUrl = (participantId: string, visitKey: string, formId: string, instance = 1) =>
  `/api/v1/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/${formId}?instance=${instance}`;
const fields = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));

interface Study {
  t: TestApp;
  users: TrialUsers;
  participants: string[];
}

/** A study with three participants screened and consented the same way, so their numbers match. */
async function study(kind: DatabaseKind): Promise<Study> {
  const t = await createTestApp(kind);
  const users = await createTrialUsers(t);
  const coordinator = as(t.app, users.coordinator);
  const participants: string[] = [];
  for (let index = 0; index < 3; index += 1) {
    const screened = await coordinator.post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: today,
    });
    participants.push(screened.json().participantId);
    const consent = await coordinator.post(`/api/v1/participants/${screened.json().participantId}/consent`, {
      formVersion: '1.0',
      consentedAt,
      signer: 'participant',
    });
    expect(consent.statusCode, consent.body).toBe(201);
  }
  return { t, users, participants };
}

/** Every saved value of a study by screening number, visit, form, instance and item (revisions aside). */
async function savedValues(t: TestApp): Promise<Record<string, unknown>> {
  const rows = await t.database.read((db) =>
    db
      .selectFrom('form_record as r')
      .innerJoin('participant as p', (join) =>
        join.onRef('p.study_id', '=', 'r.study_id').onRef('p.participant_id', '=', 'r.participant_id'),
      )
      .select(['p.screening_number', 'r.visit_id', 'r.form_id', 'r.instance', 'r.entries'])
      .where('r.study_id', '=', t.studyId)
      .execute(),
  );
  const values: Record<string, unknown> = {};
  for (const row of rows) {
    const entries = (typeof row.entries === 'string' ? JSON.parse(row.entries) : row.entries) as Record<
      string,
      { value: unknown; missing?: string; missingReason?: string }
    >;
    for (const [item, entry] of Object.entries(entries)) {
      values[`${row.screening_number} ${row.visit_id} ${row.form_id}[${row.instance}].${item}`] = {
        value: entry.value,
        missing: entry.missing,
        missingReason: entry.missingReason,
      };
    }
  }
  return values;
}

describeEachDatabase('form data import round trips', (kind) => {
  let source: Study;
  let target: Study;

  beforeAll(async () => {
    source = await study(kind);
    target = await study(kind);
    const coordinator = as(source.t.app, source.users.coordinator);
    const [first, second] = source.participants;
    const saves: Array<[string, string, string, number, Record<string, unknown>]> = [
      [
        first ?? '',
        'screening',
        'vitals',
        1,
        {
          assessedAt: `${today}T08:00`,
          temperature: 37.6,
          heartRate: 88,
          respiratoryRate: 22,
          systolicBp: 124,
          diastolicBp: 76,
          atRest: true,
          oxygenSupport: 'nasal-cannula',
          oxygenFlow: 3,
        },
      ],
      [
        first ?? '',
        'screening',
        'chestCt',
        1,
        {
          performedOn: today,
          viralPneumonia: true,
          pattern: ['ground-glass', 'consolidation'],
          lobesInvolved: 3,
        },
      ],
      [
        second ?? '',
        'screening',
        'conmeds',
        2,
        {
          medication: 'Lopinavir & ritonavir <200/50 mg> "tablets", twice daily',
          category: 'antiviral',
          indication: 'COVID-19',
          startDate: today,
          ongoing: true,
        },
      ],
    ];
    for (const [participantId, visit, form, instance, values] of saves) {
      const entries: Record<string, unknown> = fields(values);
      if (form === 'vitals') entries.spo2 = { missing: 'not_done', missingReason: 'probe out of order' };
      const saved = await coordinator.put(formUrl(participantId, visit, form, instance), {
        version: 0,
        entries,
      });
      expect(saved.statusCode, saved.body).toBe(200);
    }
  });
  afterAll(async () => {
    await source?.t.close();
    await target?.t.close();
  });

  const importInto = (s: Study, body: string | Buffer, query: Record<string, string>, type: string) =>
    s.t.app.inject({
      method: 'POST',
      url: `/api/v1/imports/form-data?${new URLSearchParams(query)}`,
      headers: { ...s.users.dataManager.headers, 'content-type': type },
      payload: body,
    });

  it("gives the same values when a study's ODM export is imported into a study with the same participants", async () => {
    const exported = await source.t.app.inject({
      method: 'GET',
      url: '/api/v1/exports/odm',
      headers: source.users.dataManager.headers,
    });
    expect(exported.statusCode, exported.body.slice(0, 300)).toBe(200);
    const odm = exported.body;
    const expected = await savedValues(source.t);
    // Vitals (nine values and a missing-data code), the chest CT and the second conmeds entry.
    expect(Object.keys(expected)).toHaveLength(19);
    expect(await savedValues(target.t)).not.toEqual(expected);

    const dry = await importInto(target, odm, { fileName: 'study.xml', dryRun: 'true' }, 'application/xml');
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ format: 'odm', problemCount: 0, imported: false });

    const imported = await importInto(target, odm, { fileName: 'study.xml' }, 'application/xml');
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toMatchObject({ imported: true, problemCount: 0 });
    expect(await savedValues(target.t)).toEqual(expected);

    // Read back into the study it came from, the export changes nothing.
    const back = await importInto(source, odm, { fileName: 'study.xml' }, 'application/xml');
    expect(back.json()).toMatchObject({ valuesEntered: 0, valuesChanged: 0, problemCount: 0 });
  });

  it("gives the same values from a study's REDCap records export, missing-data codes aside", async () => {
    const fresh = await study(kind);
    try {
      const exported = await source.t.app.inject({
        method: 'GET',
        url: `/api/v1/exports/redcap?${new URLSearchParams({ part: 'data', raw: 'true' })}`,
        headers: source.users.dataManager.headers,
      });
      expect(exported.statusCode, exported.body.slice(0, 300)).toBe(200);
      const imported = await importInto(
        fresh,
        exported.body,
        { fileName: 'redcap.csv', format: 'redcap' },
        'text/csv',
      );
      expect(imported.statusCode, imported.body).toBe(200);
      expect(imported.json()).toMatchObject({ format: 'redcap', imported: true, problemCount: 0 });
      // REDCap has no missing-data codes: the export leaves the value blank, so it comes back not given.
      const expected = Object.fromEntries(
        Object.entries(await savedValues(source.t)).filter(
          ([, entry]) => (entry as { missing?: string }).missing === undefined,
        ),
      );
      expect(Object.keys(expected)).toHaveLength(18);
      expect(await savedValues(fresh.t)).toEqual(expected);
      const again = await importInto(
        fresh,
        exported.body,
        { fileName: 'redcap.csv', format: 'redcap' },
        'text/csv',
      );
      expect(again.json()).toMatchObject({ valuesEntered: 0, valuesChanged: 0, changeCount: 0 });
    } finally {
      await fresh.t.close();
    }
  });

  it('imports the CSV template it writes, blank and filled in', async () => {
    const template = await target.t.app.inject({
      method: 'GET',
      url: '/api/v1/imports/form-data/template?visit=day-7',
      headers: target.users.dataManager.headers,
    });
    expect(template.statusCode, template.body).toBe(200);
    const lines = template.body.trimEnd().split('\r\n');
    const header = lines[0]?.split(',') ?? [];
    expect(header.slice(0, 4)).toEqual(['participant', 'visit', 'instance', 'vitals.assessedAt']);
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 3).join(','))).toEqual([
      'RJ-S001,day-7,1',
      'RJ-S002,day-7,1',
      'RJ-S003,day-7,1',
    ]);
    const blank = await importInto(target, template.body, { fileName: 'template.csv' }, 'text/csv');
    expect(blank.statusCode, blank.body).toBe(200);
    expect(blank.json()).toMatchObject({ rows: 3, values: 0, problemCount: 0, changeCount: 0 });

    const filled = lines.map((line, index) => {
      if (index !== 3) return line;
      const cells = line.split(',');
      cells[header.indexOf('rtPcr.collectedOn')] = today;
      cells[header.indexOf('chestCt.lobesInvolved')] = '2';
      return cells.join(',');
    });
    const result = await importInto(
      target,
      `${filled.join('\r\n')}\r\n`,
      { fileName: 'template.csv', skipBadRows: 'false', dryRun: 'true' },
      'text/csv',
    );
    expect(result.statusCode, result.body).toBe(200);
    expect(
      result
        .json()
        .changes.map((change: { form: string; item: string }) => `${change.form}.${change.item}`)
        .sort(),
    ).toEqual(['chestCt.lobesInvolved', 'rtPcr.collectedOn']);
  });

  it('reads an XLSX workbook as the CSV: typed cells, dates as dates', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('vitals');
    sheet.addRow([
      'participant',
      'visit',
      'vitals.assessedAt',
      'temperature',
      'heartRate',
      'atRest',
      'oxygenSupport',
    ]);
    sheet.addRow(['RJ-S003', 'screening', new Date(`${today}T09:30:00Z`), 38.4, 101, true, 'Room air']);
    sheet.addRow(['RJ-S404', 'screening', null, 37, 80, false, 'none']);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
    const response = await importInto(
      target,
      buffer,
      { fileName: 'vitals.xlsx', dryRun: 'true' },
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(response.statusCode, response.body).toBe(200);
    const result = response.json();
    expect(result).toMatchObject({ format: 'xlsx', rows: 2, problemCount: 1 });
    expect(result.problems[0]).toMatchObject({
      line: 3,
      message: 'No participant has the study or screening number "RJ-S404".',
    });
    const changes = Object.fromEntries(
      result.changes.map((change: { item: string; new: unknown }) => [change.item, change.new]),
    );
    expect(changes).toEqual({
      assessedAt: `${today}T09:30`,
      temperature: 38.4,
      heartRate: 101,
      atRest: true,
      oxygenSupport: 'none',
    });
  });
});
