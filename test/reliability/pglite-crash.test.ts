import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'exotrial-crash-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs the writer until it has acknowledged `acks` commits, then kills it with SIGKILL. */
function writeThenKill(acks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/run-ts.js', 'test/reliability/pglite-writer.ts', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastAck = 0;
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^ack (\d+)$/.exec(line);
        if (match) lastAck = Number(match[1]);
      }
      if (lastAck >= acks && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(lastAck);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

it('loses no acknowledged write when the process is killed mid-write, twice over', async () => {
  const firstRun = await writeThenKill(150);
  const secondRun = await writeThenKill(firstRun + 150);
  expect(secondRun).toBeGreaterThan(firstRun);
  // The killed process left its lock file behind; opening again must take it over and recover.
  const database = await openDatabase({ kind: 'pglite', dataDir });
  try {
    const rows = await database.read((db) =>
      sql<{ n: number }>`select n from crash_probe order by n`.execute(db),
    );
    const numbers = rows.rows.map((row) => row.n);
    // Every acknowledged row is there; at most the one in flight at the kill is extra.
    expect(numbers.length).toBeGreaterThanOrEqual(secondRun);
    expect(numbers.slice(0, secondRun)).toEqual(Array.from({ length: secondRun }, (_, i) => i + 1));
  } finally {
    await database.close();
  }
}, 180_000);
