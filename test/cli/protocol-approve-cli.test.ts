import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type Database, openDatabase } from '../../src/db/connection.ts';
import { siteWorkingVersions } from '../../src/protocol/site-version.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { exotrialInProcessOn } from '../support/cli.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

// `exotrial protocol approve VERSION --site SITE --date DATE`: a site's ethics approval of an amendment,
// after which the site works under it; every refusal is one line, and nothing is written by one.

const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const amended = readFileSync('protocols/mexcovid.yaml', 'utf8').replace(/^version: .*$/m, 'version: "1.1"');

describeEachDatabase('exotrial protocol approve', (kind) => {
  let target: TestTarget;
  let studyId: string;
  let folder: string;

  async function look<T>(work: (database: Database) => Promise<T>): Promise<T> {
    const database = await openDatabase(target.target);
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  }

  const exotrial = (args: string[]) => exotrialInProcessOn(target.target, args);

  const approvals = () =>
    look((database) =>
      database.read((db) =>
        db.selectFrom('protocol_site_approval').selectAll().orderBy('version_no').execute(),
      ),
    );

  beforeAll(async () => {
    target = await freshTarget(kind);
    folder = mkdtempSync(join(tmpdir(), 'exotrial-approve-'));
    const config = testConfig(target.target, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    const database = await openDatabase(target.target);
    studyId = (await bootstrap(database, config, pino({ level: 'silent' }))).studyId;
    await database.close();
    const file = join(folder, 'amended.yaml');
    writeFileSync(file, amended);
    const amendment = await exotrial(['protocol', 'amend', file, '--reason', 'Amendment 1']);
    expect(amendment.code, amendment.stderr).toBe(0);
  });
  afterAll(async () => {
    await target?.dispose();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('refuses an unknown version, site or date in one line and writes nothing', async () => {
    const before = await approvals();
    for (const [args, message] of [
      [
        ['9.9', '--site', 'ruijin', '--date', yesterday],
        /no protocol version 9\.9; the study has 1 \(1\.0\), 2 \(1\.1\)/,
      ],
      [['1.1', '--site', 'nowhere', '--date', yesterday], /Site nowhere was not found/],
      [['1.1', '--site', 'ruijin', '--date', '05/12/2026'], /YYYY-MM-DD/],
      [['1.1', '--site', 'ruijin', '--date', '2999-01-01'], /cannot be after today at the site/],
    ] as const) {
      const result = await exotrial(['protocol', 'approve', ...args]);
      expect(result.code, result.stdout).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    expect(await approvals()).toEqual(before);
    const working = await look((database) => database.read((db) => siteWorkingVersions(db, studyId)));
    expect(working.get('ruijin')).toBe(1);
  });

  it('records the approval by label or number; the site then works under that version', async () => {
    const approved = await exotrial(['protocol', 'approve', '1.1', '--site', 'ruijin', '--date', yesterday]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toBe(
      `Site ruijin works under protocol version 2 (1.1), approved on ${yesterday}.\n`,
    );
    const working = await look((database) => database.read((db) => siteWorkingVersions(db, studyId)));
    expect(working.get('ruijin')).toBe(2);
    expect(await approvals()).toEqual([
      expect.objectContaining({ site_id: 'ruijin', version_no: 2, approved_on: yesterday }),
    ]);
    const trail = await look((database) =>
      database.read((db) =>
        db.selectFrom('audit_event').selectAll().where('action', '=', 'protocol.approve').execute(),
      ),
    );
    expect(trail).toEqual([
      expect.objectContaining({
        actor_label: expect.stringMatching(/^cli protocol approve/),
        new_value: { siteId: 'ruijin', version: 2, label: '1.1', approvedOn: yesterday },
      }),
    ]);
    const again = await exotrial(['protocol', 'approve', '2', '--site', 'ruijin', '--date', yesterday]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already works under protocol version 2/);
  });
});
