import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { cliCaller } from '../../src/cli/cli-caller.ts';
import { type Database, openDatabase } from '../../src/db/connection.ts';
import { studyWorklist } from '../../src/participants/worklist.service.ts';
import { buildApp } from '../../src/server/app.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { enrolledParticipant } from '../api/safety-support.ts';
import { exotrialInProcessOn } from '../support/cli.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';
import { createTrialUsers } from '../support/trial-users.ts';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const DAY = 86_400_000;
const day1 = new Date(Date.now() - 20 * DAY).toISOString().slice(0, 10);
/** Day 4 at noon in Shanghai (the site's zone): the day-4 forms are due, days 1–3 overdue or missing. */
const at = `${new Date(Date.parse(day1) + 3 * DAY).toISOString().slice(0, 10)}T12:00:00+08:00`;

describeEachDatabase('exotrial site and worklist', (kind) => {
  let target: TestTarget;
  let studyId: string;

  async function look<T>(work: (database: Database) => Promise<T>): Promise<T> {
    const database = await openDatabase(target.target);
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  }

  const exotrial = (args: string[]) => exotrialInProcessOn(target.target, args);

  beforeAll(async () => {
    target = await freshTarget(kind);
    const config = testConfig(target.target, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    const database = await openDatabase(target.target);
    const logger = pino({ level: 'silent' });
    const booted = await bootstrap(database, config, logger);
    studyId = booted.studyId;
    const app = await buildApp({ config, database, studyId }, { logger });
    await app.ready();
    const t = { app, database, studyId, config, setupSecret: null, close: async () => undefined };
    const users = await createTrialUsers(t);
    await enrolledParticipant(t, users, day1);
    await app.close();
    await database.close();
  });
  afterAll(async () => {
    await target?.dispose();
  });

  it('sets a site’s altitude and pressure, keeps what is left out, clears with none, and audits each change', async () => {
    const listed = await exotrial(['site', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^RJ\s.*altitude not set, pressure not set/m);

    const set = await exotrial(['site', 'settings', 'RJ', '--altitude', '2260', '--pressure', '585']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/altitude 2260 m, pressure 585 mmHg/);
    const kept = await exotrial(['site', 'settings', 'RJ', '--altitude', '800']);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toMatch(/altitude 800 m, pressure 585 mmHg/);
    const cleared = await exotrial(['site', 'settings', 'RJ', '--pressure', 'none']);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toMatch(/altitude 800 m, pressure not set/);

    const trail = await look((database) =>
      database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['actor_label', 'old_value', 'new_value'])
          .where('study_id', '=', studyId)
          .where('action', '=', 'site.settings.change')
          .orderBy('seq')
          .execute(),
      ),
    );
    expect(trail.map((event) => [event.old_value, event.new_value])).toEqual([
      [
        { altitudeM: null, barometricPressureMmHg: null },
        { altitudeM: 2260, barometricPressureMmHg: 585 },
      ],
      [
        { altitudeM: 2260, barometricPressureMmHg: 585 },
        { altitudeM: 800, barometricPressureMmHg: 585 },
      ],
      [
        { altitudeM: 800, barometricPressureMmHg: 585 },
        { altitudeM: 800, barometricPressureMmHg: null },
      ],
    ]);
    expect(trail[0]?.actor_label).toContain('cli site settings');
  });

  it('refuses an unknown site, a value out of range and a missing option, changing nothing', async () => {
    const unknown = await exotrial(['site', 'settings', 'XX', '--altitude', '10']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/There is no site XX\. The sites are: .*RJ/);
    const withoutPressure = await exotrial(['site', 'settings', 'RJ', '--altitude', '2260']);
    expect(withoutPressure.code).toBe(1);
    expect(withoutPressure.stderr).toContain(
      'Above 1000 m the PaO2/FiO2 ratio is corrected with the barometric pressure',
    );
    const high = await exotrial(['site', 'settings', 'RJ', '--altitude', '9000']);
    expect(high.code).toBe(1);
    expect(high.stderr).toContain('The altitude must be between -500 and 5500 m.');
    const word = await exotrial(['site', 'settings', 'RJ', '--pressure', 'high']);
    expect(word.code).toBe(1);
    expect(word.stderr).toContain('--pressure must be a number or none, not "high".');
    const nothing = await exotrial(['site', 'settings', 'RJ']);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('Give --altitude, --pressure or both');
    const changes = await look((database) =>
      database.read((db) =>
        db
          .selectFrom('audit_event')
          .select('seq')
          .where('study_id', '=', studyId)
          .where('action', '=', 'site.settings.change')
          .execute(),
      ),
    );
    expect(changes).toHaveLength(3);
  });

  it('prints the worklist as at a time, the same as the service computes, as text and as JSON', async () => {
    const json = await exotrial(['worklist', '--at', at, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const printed = JSON.parse(json.stdout);
    const expected = await look((database) =>
      database.read((db) => studyWorklist(db, studyId, cliCaller('test'), {}, new Date(at))),
    );
    expect(printed).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(printed.participants).toHaveLength(1);
    expect(printed.participants[0].today).toBe(at.slice(0, 10));
    expect(printed.counts.dueToday).toBeGreaterThan(0);
    expect(printed.counts.overdue + printed.counts.missing).toBeGreaterThan(0);

    const text = await exotrial(['worklist', '--at', at, '--state', 'due-today']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Due today ${printed.counts.dueToday}`);
    expect(text.stdout, text.stdout).toContain(
      `${printed.participants[0].participantLabel} (site ${printed.participants[0].siteId}, site date ${at.slice(0, 10)})`,
    );
    expect(text.stdout).not.toMatch(/^\s+(overdue|missing)\s/m);
    expect(text.stdout).toMatch(/^\s+due-today\s/m);

    const badState = await exotrial(['worklist', '--state', 'late']);
    expect(badState.code).toBe(1);
    expect(badState.stderr).toContain('--state must be due-today, overdue or missing');
    const badAt = await exotrial(['worklist', '--at', 'tomorrow']);
    expect(badAt.code).toBe(1);
    expect(badAt.stderr).toContain('--at must be a date and time');
  });
});
