import { mkdirSync, statfsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Test databases live in temporary folders (PGlite folders, the test PostgreSQL server, the browser
// suites' servers), and both databases sync every commit to disk. EXOTRIAL_TEST_TMPDIR puts every
// temporary folder elsewhere, e.g. `EXOTRIAL_TEST_TMPDIR=/dev/shm/exotrial-tests`: on a RAM-backed
// folder a durable PGlite commit took 7 ms instead of 17-26 ms on a virtual disk, every fsync still
// made. It does not move the whole temporary folder by default: tsx keeps its compile cache there
// too, and the CLI tests (a process each) ran slower with a cache of their own there.
const testTmpdir = process.env.EXOTRIAL_TEST_TMPDIR;
if (testTmpdir) {
  mkdirSync(testTmpdir, { recursive: true });
  // Set before the global set-up and the test workers start, which inherit it (os.tmpdir() reads it).
  process.env.TMPDIR = testTmpdir;
}

// Without it, only the database folders (made through test/support/test-dirs.ts: the API suites'
// PGlite folders, the test PostgreSQL server's data directory, the browser suites' servers) go to
// /dev/shm when the machine has one with room (CI containers often give it 64 MB). The code under
// test makes every fsync it makes on disk; RAM only makes them return sooner. The results stay
// honest: the crash and fault tests kill processes or fill a folder of their own, never the machine,
// and what a killed process wrote is in the page cache, on disk or on tmpfs alike. Set
// EXOTRIAL_TEST_DATA_DIR to choose the folder, or to os.tmpdir() to keep databases on disk.
const SHM = '/dev/shm';
const SHM_ROOM = 4 * 1024 ** 3;
function shmWithRoom(): boolean {
  try {
    const stats = statfsSync(SHM);
    return stats.bavail * stats.bsize >= SHM_ROOM;
  } catch {
    return false;
  }
}
if (!testTmpdir && !process.env.EXOTRIAL_TEST_DATA_DIR && shmWithRoom()) {
  process.env.EXOTRIAL_TEST_DATA_DIR = `${SHM}/exotrial-tests-${process.getuid?.() ?? 'user'}`;
}
if (process.env.EXOTRIAL_TEST_DATA_DIR) {
  mkdirSync(process.env.EXOTRIAL_TEST_DATA_DIR, { recursive: true, mode: 0o755 });
}

// One runner for every suite. `unit` holds pure and API tests (API suites run on PGlite and on the
// PostgreSQL server that test/global-setup.ts starts); `e2e` drives Debian's Chromium with Playwright.
//
// Files run one after another unless told otherwise: vitest gives a run one worker fewer than the
// machine's cores, which is one on a 2-core machine, and the `e2e` project (one file at a time, as
// its browsers and servers compete for the cores) runs after `unit`. Much of a unit file's time is
// spent waiting on fsync, PostgreSQL and child processes, so `unit` runs UNIT_WORKERS files at once
// (EXOTRIAL_TEST_WORKERS or `--maxWorkers` to choose). Unit files share nothing that a second worker
// could disturb: each makes its own PGlite folders and its own databases on the test PostgreSQL
// server (test/support/test-app.ts), its own temporary files and free ports.
const UNIT_WORKERS = Number(process.env.EXOTRIAL_TEST_WORKERS) || 2;

export default defineConfig({
  test: {
    maxWorkers: UNIT_WORKERS,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/e2e/**'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
