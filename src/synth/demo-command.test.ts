import { afterAll, beforeAll, expect, it } from 'vitest';
import { exotrial } from '../../test/support/cli.ts';
import { describeEachDatabase, freshTarget, type TestTarget } from '../../test/support/test-app.ts';
import { openDatabase } from '../db/connection.ts';

describeEachDatabase('exotrial demo', (kind) => {
  let fresh: TestTarget;
  beforeAll(async () => {
    fresh = await freshTarget(kind);
  });
  afterAll(async () => fresh?.dispose());

  it('refuses bad numbers with exit code 1 and says what to give', () => {
    for (const args of [
      ['--subjects', '0'],
      ['--sites', 'many'],
    ]) {
      const result = exotrial(['demo', ...args], { target: fresh.target });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/must be a whole number from \d+ to \d+/);
    }
  });

  it('fills an empty database, prints the accounts once, and leaves an intact audit trail', () => {
    const result = exotrial(['demo', '--subjects', '3', '--sites', '2', '--seed', '5'], {
      target: fresh.target,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('screened 3');
    expect(result.stdout).toMatch(/investigator\.jyt@demo\.exotrial\.org/);
    expect(result.stdout).toMatch(/admin@demo\.exotrial\.org\s+administrator/);
    expect(result.stdout).toMatch(/password: demo-\S{12}/);
    const verify = exotrial(['audit', 'verify'], { target: fresh.target });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 300_000);

  it('refuses to add to a database with real participants (exit 1) unless --force', async () => {
    const database = await openDatabase(fresh.target);
    try {
      await database.transaction((trx) =>
        trx
          .updateTable('participant')
          .set({ synthetic: false })
          .where('screening_number', '=', 'RJ-S001')
          .execute(),
      );
    } finally {
      await database.close();
    }
    const refused = exotrial(['demo', '--subjects', '1'], { target: fresh.target });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('real (non-synthetic) participant');
    const forced = exotrial(['demo', '--subjects', '1', '--force'], { target: fresh.target });
    expect(forced.code, forced.stderr).toBe(0);
    // A second run reuses the demo accounts with a new password.
    const password = /password: (\S+)/.exec(forced.stdout)?.[1];
    expect(password).toBeDefined();
    expect(forced.stdout).not.toContain('admin@demo.exotrial.org');
  }, 300_000);
});
