import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLoggerCsv } from '../../src/product/logger-csv.ts';
import { createTestApp, describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import {
  createLot,
  createPharmacists,
  createUnit,
  type Pharmacists,
  vialByCode,
} from './product-fixtures.ts';

const MINUTE = 60_000;

/** A reading line in Shanghai time (the zone comes from the file's preamble). */
const shanghai = (at: number, celsius: number | string) =>
  `${new Date(at + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')},${celsius}`;

/** A logger export in Shanghai time, one reading a minute from `start`. */
function loggerFile(start: number, temperatures: number[], extra = ''): string {
  const lines = temperatures.map((celsius, i) => shanghai(start + i * MINUTE, celsius));
  return `Serial,LT-77\nTime zone: UTC+08:00\nDate Time,Temperature (°C)\n${lines.join('\n')}\n${extra}`;
}
/** The file line of the reading at index i of loggerFile's list (three lines of preamble and header). */
const lineOf = (index: number) => index + 4;

describeEachDatabase('temperature log import', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let staff: Pharmacists;
  let unitId: string;
  let codes: string[];
  // 25,000 readings a minute, ending an hour ago.
  const ROWS = 25_000;
  const start = Math.floor((Date.now() - (ROWS + 60) * MINUTE) / MINUTE) * MINUTE;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    staff = await createPharmacists(t, users);
    unitId = await createUnit(t, staff.pharmacist, 'RJ-L1', users.siteId);
    ({ codes } = await createLot(t, staff.pharmacist, {
      lotNumber: 'EXO-L1',
      unitId,
      vialCount: 2,
      manufacturedOn: new Date(start - 30 * 86_400_000).toISOString().slice(0, 10),
      receivedAt: new Date(start - MINUTE).toISOString(),
    }));
  });
  afterAll(async () => t?.close());

  const upload = (
    body: string,
    options: { user?: SignedIn; fileName?: string; skip?: boolean; unit?: string } = {},
  ) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/product/storage-units/${options.unit ?? unitId}/temperature-imports?fileName=${options.fileName ?? 'logger.csv'}${options.skip ? '&skipBadRows=true' : ''}`,
      headers: { ...(options.user ?? staff.pharmacist).headers, 'content-type': 'text/csv' },
      payload: body,
    });
  const readingCount = (unit = unitId) =>
    t.database.read(async (db) =>
      Number(
        (
          await db
            .selectFrom('temperature_reading')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('unit_id', '=', unit)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    );
  const patchUnit = (unit: string, payload: Record<string, unknown>) =>
    t.app.inject({
      method: 'PATCH',
      url: `/api/v1/product/storage-units/${unit}`,
      headers: staff.pharmacist.headers,
      payload,
    });
  const storedAt = (at: number) =>
    t.database.read((db) =>
      db
        .selectFrom('temperature_reading')
        .select('celsius')
        .where('unit_id', '=', unitId)
        .where('recorded_at', '=', new Date(at))
        .executeTakeFirst(),
    );

  /** 25,000 readings at −80 °C with 45 minutes at −20 °C in the middle. */
  const halfBadTemperatures = Array.from({ length: ROWS }, (_, i) => (i >= 20_000 && i < 20_045 ? -20 : -80));
  const MALFORMED_AT = 22_792;
  /** The same readings with one malformed line among them (the time cut short: "2026-03-0"). */
  const halfBadFile = () => {
    const lines = halfBadTemperatures.map((celsius, i) => shanghai(start + i * MINUTE, celsius));
    lines.splice(MALFORMED_AT, 0, '2026-03-0,-80');
    return `Serial,LT-77\nTime zone: UTC+08:00\nDate Time,Temperature (°C)\n${lines.join('\n')}\n`;
  };

  it('imports nothing from a file that is not a logger file, and says why', async () => {
    const response = await upload('name,dose\nAda,3\n');
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('not a data-logger file');
    const junk = await upload(`Date Time,Temperature\n${'not a time,warm\n'.repeat(30)}`);
    expect(junk.statusCode).toBe(400);
    expect(junk.json().message).toContain('Nothing was imported');
    expect(await readingCount()).toBe(0);
    const imports = await t.database.read((db) => db.selectFrom('temperature_import').selectAll().execute());
    expect(imports).toEqual([]);
  });

  it('refuses a JSON body, an unknown skipBadRows value and a pharmacist of another site', async () => {
    const json = await t.app.inject({
      method: 'POST',
      url: `/api/v1/product/storage-units/${unitId}/temperature-imports`,
      headers: staff.pharmacist.headers,
      payload: { readings: [] },
    });
    expect(json.statusCode).toBe(415);
    const odd = await t.app.inject({
      method: 'POST',
      url: `/api/v1/product/storage-units/${unitId}/temperature-imports?skipBadRows=yes`,
      headers: { ...staff.pharmacist.headers, 'content-type': 'text/csv' },
      payload: loggerFile(start, [-80]),
    });
    expect(odd.statusCode).toBe(400);
    expect((await upload(loggerFile(start, [-80]), { user: staff.otherPharmacist })).statusCode).toBe(403);
    expect(await readingCount()).toBe(0);
  });

  it('stores nothing from 25,000 good rows and one malformed line, naming the line and not echoing it', async () => {
    const response = await upload(halfBadFile());
    expect(response.statusCode, response.body).toBe(400);
    const body = response.json();
    expect(body.error).toBe('validation_failed');
    expect(body.message).toContain('1 of 25001 rows are not valid readings: nothing was imported.');
    expect(body.details.badRows).toEqual([
      {
        line: lineOf(MALFORMED_AT),
        message: 'The time is not a date and time (use YYYY-MM-DD HH:MM[:SS] with a zone).',
      },
    ]);
    expect(body.details.fields).toEqual([
      { field: `line ${lineOf(MALFORMED_AT)}`, message: body.details.badRows[0].message },
    ]);
    expect(response.body).not.toContain('2026-03-0,');
    expect(await readingCount()).toBe(0);
    const excursions = await t.database.read((db) => db.selectFrom('excursion').selectAll().execute());
    expect(excursions).toEqual([]);
    for (const code of codes) expect((await vialByCode(t, staff.pharmacist, code)).quarantined).toBe(false);
    const trail = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select('new_value')
        .where('action', '=', 'temperature.import_refused')
        .execute(),
    );
    expect(trail).toHaveLength(1);
    expect(trail[0]?.new_value).toMatchObject({
      rowsRead: 25_001,
      rowsBad: 1,
      badLines: [lineOf(MALFORMED_AT)],
    });
  }, 120_000);

  it('with skipBadRows stores the 25,000 good rows, lists the bad one and detects the −20 °C excursion', async () => {
    const response = await upload(halfBadFile(), { skip: true });
    expect(response.statusCode, response.body).toBe(201);
    const result = response.json();
    expect(result).toMatchObject({
      rowsRead: 25_001,
      rowsImported: ROWS,
      rowsDuplicate: 0,
      rowsBad: 1,
      skippedBadRows: true,
      badRows: [{ line: lineOf(MALFORMED_AT) }],
      firstAt: new Date(start).toISOString(),
      lastAt: new Date(start + (ROWS - 1) * MINUTE).toISOString(),
      gapMinutes: 3,
    });
    expect(result.excursions).toHaveLength(1);
    expect(result.excursions[0]).toMatchObject({
      kind: 'temperature',
      minutes: 45,
      minCelsius: -20,
      maxCelsius: -20,
      vialsQuarantined: 2,
      startedAt: new Date(start + 20_000 * MINUTE).toISOString(),
    });
    expect(await readingCount()).toBe(ROWS);
    for (const code of codes) expect((await vialByCode(t, staff.pharmacist, code)).quarantined).toBe(true);
  }, 120_000);

  it('re-importing the corrected file adds only what is new, with no new excursion', async () => {
    const corrected = loggerFile(start, [...halfBadTemperatures, -80]);
    const response = await upload(corrected);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({
      rowsRead: ROWS + 1,
      rowsImported: 1,
      rowsDuplicate: ROWS,
      rowsBad: 0,
    });
    expect(await readingCount()).toBe(ROWS + 1);
    const excursions = await t.database.read((db) => db.selectFrom('excursion').selectAll().execute());
    expect(excursions).toHaveLength(1);
    const again = await upload(corrected);
    expect(again.json()).toMatchObject({ rowsImported: 0, rowsDuplicate: ROWS + 1, excursions: [] });
  }, 120_000);

  it('makes two readings of one instant with different temperatures bad rows, in the file and in two zones', async () => {
    const at = start + (ROWS + 10) * MINUTE;
    const sameFile = loggerFile(
      at,
      [-80, -80, -80],
      `${shanghai(at + 3 * MINUTE, -80)}\n${shanghai(at + 3 * MINUTE, -20)}\n`,
    );
    const response = await upload(sameFile);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().details.badRows).toEqual([
      {
        line: 7,
        message:
          'The same instant as line 8 (in any zone) with a different temperature: correct the one that is wrong.',
      },
      {
        line: 8,
        message:
          'The same instant as line 7 (in any zone) with a different temperature: correct the one that is wrong.',
      },
    ]);
    // The same instant written in Shanghai time and in UTC, in a file with a zone column.
    const local = new Date(at + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
    const utc = new Date(at).toISOString().slice(0, 19).replace('T', ' ');
    const zones = await upload(`Date Time,Zone,Temperature\n${local},+08:00,-80\n${utc},Z,-65.5\n`);
    expect(zones.statusCode, zones.body).toBe(400);
    expect(zones.json().details.badRows.map((row: { line: number }) => row.line)).toEqual([2, 3]);
    // Written the same in both zones with the same temperature, it is one reading already present.
    const same = await upload(`Date Time,Zone,Temperature\n${local},+08:00,-80\n${utc},Z,-80\n`);
    expect(same.statusCode, same.body).toBe(201);
    expect(same.json()).toMatchObject({ rowsRead: 2, rowsImported: 1, rowsDuplicate: 1, rowsBad: 0 });
    expect((await storedAt(at))?.celsius).toBe(-80);
  });

  it('makes a reading that disagrees with the stored one a bad row; an identical one is already present', async () => {
    const at = start + 100 * MINUTE;
    const response = await upload(loggerFile(at, [-80, -45, -80]));
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().details.badRows).toEqual([
      {
        line: 5,
        message:
          'The log already holds a reading at this instant with another temperature (-80 °C): correct the one that is wrong.',
      },
    ]);
    expect((await storedAt(at + MINUTE))?.celsius).toBe(-80);
    const skipped = await upload(loggerFile(at, [-80, -45, -80]), { skip: true });
    expect(skipped.json()).toMatchObject({ rowsImported: 0, rowsDuplicate: 2, rowsBad: 1, excursions: [] });
    expect((await storedAt(at + MINUTE))?.celsius).toBe(-80);
  });

  it('makes a reading dated years ahead and one out of time order bad rows, and opens no excursion', async () => {
    const at = start + (ROWS + 20) * MINUTE;
    const years = new Date(Date.now() + 3 * 365 * 86_400_000).getTime();
    const file = loggerFile(
      at,
      [-80, -80],
      `${shanghai(years, -30)}\n${shanghai(at - 30 * MINUTE, -80)}\n${shanghai(at + 2 * MINUTE, -80)}\n`,
    );
    const refused = await upload(file);
    expect(refused.statusCode, refused.body).toBe(400);
    const lines = refused.json().details.badRows;
    expect(lines.map((row: { line: number }) => row.line)).toEqual([6, 7]);
    expect(lines[0].message).toMatch(/^The time is in the future \(after /);
    expect(lines[1].message).toBe(
      'The time is earlier than the reading on line 5: a logger file is in time order.',
    );
    const skipped = await upload(file, { skip: true });
    expect(skipped.statusCode, skipped.body).toBe(201);
    expect(skipped.json()).toMatchObject({ rowsImported: 3, rowsBad: 2 });
    // The log's silences since the earlier files are data gaps; there is no temperature excursion.
    const found = skipped.json().excursions as Array<{ kind: string; endedAt: string | null }>;
    expect(found.filter((excursion) => excursion.kind === 'temperature')).toEqual([]);
    expect(found.every((excursion) => excursion.endedAt !== null)).toBe(true);
    const open = await t.database.read((db) =>
      db.selectFrom('excursion').selectAll().where('ended_at', 'is', null).execute(),
    );
    expect(open).toEqual([]);
  });

  it('serves the chart thinned to min and max per bucket, keeping the excursion peak', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/product/storage-units/${unitId}/readings?points=20`,
      headers: staff.pharmacist.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.total).toBe(ROWS + 1 + 1 + 3);
    expect(body.points.length).toBeLessThanOrEqual(22);
    expect(Math.max(...body.points.map((point: { celsius: number }) => point.celsius))).toBe(-20);
  });

  it('records a silence longer than the logging interval as a data gap that quarantines its vials for a decision', async () => {
    const gapUnit = await createUnit(t, staff.pharmacist, 'RJ-G1', users.siteId);
    const gapStart = Math.floor((Date.now() - 6 * 3_600_000) / MINUTE) * MINUTE;
    const { codes: inside } = await createLot(t, staff.pharmacist, {
      lotNumber: 'EXO-G1',
      unitId: gapUnit,
      vialCount: 2,
      receivedAt: new Date(gapStart - MINUTE).toISOString(),
    });
    // An hour a minute, three hours of silence, an hour a minute.
    const hour = Array(60).fill(-80);
    const lines = [
      ...hour.map((celsius, i) => shanghai(gapStart + i * MINUTE, celsius)),
      ...hour.map((celsius, i) => shanghai(gapStart + (239 + i) * MINUTE, celsius)),
    ];
    const file = `Time zone: +08:00\nDate Time,Temperature\n${lines.join('\n')}\n`;
    const response = await upload(file, { unit: gapUnit });
    expect(response.statusCode, response.body).toBe(201);
    const result = response.json();
    expect(result.gapMinutes).toBe(3);
    expect(result.excursions).toEqual([
      expect.objectContaining({
        kind: 'data_gap',
        startedAt: new Date(gapStart + 59 * MINUTE).toISOString(),
        endedAt: new Date(gapStart + 239 * MINUTE).toISOString(),
        minutes: 180,
        minCelsius: null,
        maxCelsius: null,
        vialsQuarantined: 2,
        vialsAwaitingDisposition: 2,
      }),
    ]);
    for (const code of inside) expect((await vialByCode(t, staff.pharmacist, code)).quarantined).toBe(true);
    // Found again by the same file, it is the same gap.
    const again = await upload(file, { unit: gapUnit });
    expect(again.json()).toMatchObject({ rowsImported: 0, excursions: [] });
    const gaps = await t.database.read((db) =>
      db.selectFrom('excursion').selectAll().where('unit_id', '=', gapUnit).execute(),
    );
    expect(gaps).toHaveLength(1);
    const decided = await as(t.app, staff.pharmacist).post(
      `/api/v1/product/excursions/${result.excursions[0].excursionId}/disposition`,
      { decision: 'release', reason: 'The freezer alarm log shows it stayed cold.', password: PASSWORD },
    );
    expect(decided.statusCode, decided.body).toBe(200);
    expect(decided.json()).toMatchObject({ kind: 'data_gap', vials: 2, vialsAwaitingDisposition: 0 });
  });

  it('takes the longest silence from the unit when set there, and finds a five-year silence by default', async () => {
    const quiet = await createUnit(t, staff.pharmacist, 'RJ-G2', users.siteId);
    const settings = await patchUnit(quiet, { maxLoggingGapMinutes: 240, version: 1 });
    expect(settings.statusCode, settings.body).toBe(200);
    expect(settings.json()).toMatchObject({ maxLoggingGapMinutes: 240, version: 2 });
    const stale = await patchUnit(quiet, { maxLoggingGapMinutes: 10, version: 1 });
    expect(stale.statusCode).toBe(409);
    const zero = await patchUnit(quiet, { maxLoggingGapMinutes: 0, version: 2 });
    expect(zero.statusCode).toBe(400);
    const at = Math.floor((Date.now() - 10 * 3_600_000) / MINUTE) * MINUTE;
    const threeHours = `Time zone: +08:00\nDate Time,Temperature\n${[0, 1, 181, 182].map((m) => shanghai(at + m * MINUTE, -80)).join('\n')}\n`;
    const within = await upload(threeHours, { unit: quiet });
    expect(within.statusCode, within.body).toBe(201);
    expect(within.json()).toMatchObject({ gapMinutes: 240, excursions: [] });

    const longAgo = Math.floor((Date.now() - 5 * 366 * 86_400_000) / MINUTE) * MINUTE;
    const yearsUnit = await createUnit(t, staff.pharmacist, 'RJ-G3', users.siteId);
    const lines = [
      ...[0, 1, 2].map((m) => shanghai(longAgo + m * MINUTE, -80)),
      ...[0, 1, 2].map((m) => shanghai(at + m * MINUTE, -80)),
    ];
    const fiveYears = await upload(`Time zone: +08:00\nDate Time,Temperature\n${lines.join('\n')}\n`, {
      unit: yearsUnit,
    });
    expect(fiveYears.statusCode, fiveYears.body).toBe(201);
    const [gap] = fiveYears.json().excursions;
    expect(gap).toMatchObject({ kind: 'data_gap', startedAt: new Date(longAgo + 2 * MINUTE).toISOString() });
    expect(gap.minutes).toBeGreaterThan(5 * 365 * 24 * 60);
  });
});

/** V8's full garbage collection, exposed for this process (as `node --expose-gc` would). */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('logger file streaming', () => {
  it('reads 1,000,000 rows with flat memory', async () => {
    const rows = 1_000_000;
    const start = Date.parse('2024-01-01T00:00:00Z');
    async function* file() {
      yield 'Time zone: +08:00\nDate Time,Temperature\n';
      let chunk = '';
      for (let i = 0; i < rows; i++) {
        chunk += `${new Date(start + i * MINUTE).toISOString().slice(0, 19).replace('T', ' ')},-80.5\n`;
        if (chunk.length > 64 * 1024) {
          yield chunk;
          chunk = '';
        }
      }
      yield chunk;
    }
    // What the reader holds, not garbage V8 has yet to collect (which depends on the heap's size
    // and the machine's load): a full collection before each sample.
    const collect = exposedGc();
    collect();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let count = 0;
    for await (const batch of readLoggerCsv(Readable.from(file()))) {
      count += batch.length;
      if (count % 50_000 < batch.length) {
        collect();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
    }
    expect(count).toBe(rows);
    // The file is about 26 MB and its readings would take far more as objects: the heap must not hold them.
    expect((peak - before) / 1024 / 1024).toBeLessThan(40);
  }, 120_000);
});
