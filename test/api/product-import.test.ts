import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLoggerCsv } from '../../src/product/logger-csv.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import {
  createLot,
  createPharmacists,
  createUnit,
  type Pharmacists,
  vialByCode,
} from './product-fixtures.ts';

const MINUTE = 60_000;

/** A logger export in Shanghai time, one reading a minute from `start`. */
function loggerFile(start: number, temperatures: number[], extra = ''): string {
  const lines = temperatures.map((celsius, i) => {
    const local = new Date(start + i * MINUTE + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
    return `${local},${celsius}`;
  });
  return `Serial,LT-77\nTime zone: UTC+08:00\nDate Time,Temperature (°C)\n${lines.join('\n')}\n${extra}`;
}

describeEachDatabase('temperature log import', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let staff: Pharmacists;
  let unitId: string;
  let codes: string[];
  const start = Math.floor((Date.now() - 10 * 3_600_000) / 60_000) * 60_000;

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
      receivedAt: new Date(start - MINUTE).toISOString(),
    }));
  });
  afterAll(async () => t?.close());

  const upload = (body: string, user = staff.pharmacist, fileName = 'logger.csv') =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/product/storage-units/${unitId}/temperature-imports?fileName=${fileName}`,
      headers: { ...user.headers, 'content-type': 'text/csv' },
      payload: body,
    });
  const readingCount = () =>
    t.database.read(async (db) =>
      Number(
        (
          await db
            .selectFrom('temperature_reading')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('unit_id', '=', unitId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    );

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

  it('refuses a JSON body and a pharmacist of another site', async () => {
    const json = await t.app.inject({
      method: 'POST',
      url: `/api/v1/product/storage-units/${unitId}/temperature-imports`,
      headers: staff.pharmacist.headers,
      payload: { readings: [] },
    });
    expect(json.statusCode).toBe(415);
    expect((await upload(loggerFile(start, [-80]), staff.otherPharmacist)).statusCode).toBe(403);
  });

  it('imports the good rows, reports bad ones by line, and quarantines after a long excursion', async () => {
    const temperatures = [...Array(60).fill(-80), ...Array(45).fill(-40), ...Array(60).fill(-81)];
    const response = await upload(loggerFile(start, temperatures, '2026-13-01 00:00,-80\nlater,cold\n'));
    expect(response.statusCode, response.body).toBe(201);
    const result = response.json();
    expect(result).toMatchObject({ rowsRead: 167, rowsImported: 165, rowsDuplicate: 0, rowsBad: 2 });
    expect(result.badRows).toEqual([
      { line: 169, message: '"2026-13-01 00:00" is not a real date and time.' },
      { line: 170, message: '"later" is not a date and time (use YYYY-MM-DD HH:MM[:SS] with a zone).' },
    ]);
    expect(result.firstAt).toBe(new Date(start).toISOString());
    expect(result.excursions).toHaveLength(1);
    expect(result.excursions[0]).toMatchObject({ minutes: 45, maxCelsius: -40, vialsQuarantined: 2 });
    for (const code of codes) expect((await vialByCode(t, staff.pharmacist, code)).quarantined).toBe(true);
  });

  it('counts a second import of the same file as duplicates, with no new excursion', async () => {
    const temperatures = [...Array(60).fill(-80), ...Array(45).fill(-40), ...Array(60).fill(-81)];
    const response = await upload(loggerFile(start, temperatures));
    expect(response.json()).toMatchObject({ rowsImported: 0, rowsDuplicate: 165, excursions: [] });
    const excursions = await t.database.read((db) => db.selectFrom('excursion').selectAll().execute());
    expect(excursions).toHaveLength(1);
    const trail = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select(['action', 'new_value'])
        .where('action', '=', 'temperature.import')
        .execute(),
    );
    expect(trail).toHaveLength(2);
  });

  it('serves the chart thinned to min and max per bucket, keeping the excursion peak', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/product/storage-units/${unitId}/readings?points=20`,
      headers: staff.pharmacist.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.total).toBe(165);
    expect(body.points.length).toBeLessThanOrEqual(22);
    expect(Math.max(...body.points.map((point: { celsius: number }) => point.celsius))).toBe(-40);
  });
});

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
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let count = 0;
    for await (const batch of readLoggerCsv(Readable.from(file()))) {
      count += batch.length;
      if (count % 50_000 < batch.length) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(count).toBe(rows);
    // The file is about 26 MB and its readings would take far more as objects: the heap must not hold them.
    expect((peak - before) / 1024 / 1024).toBeLessThan(40);
  }, 120_000);
});
