import { mkdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Test databases live in temporary folders (PGlite folders, the test PostgreSQL server, the browser
// suites' servers), and both databases sync every commit to disk. EXOTRIAL_TEST_TMPDIR puts the
// temporary folders elsewhere, e.g. `EXOTRIAL_TEST_TMPDIR=/dev/shm/exotrial-tests`: on a RAM-backed
// folder a durable PGlite commit took 7 ms instead of 17-26 ms on a virtual disk, every fsync still
// made. It is not the default: tsx keeps its compile cache in the temporary folder too, and the CLI
// tests (a process each) ran slower with a cache of their own there.
const testTmpdir = process.env.EXOTRIAL_TEST_TMPDIR;
if (testTmpdir) {
  mkdirSync(testTmpdir, { recursive: true });
  // Set before the global set-up and the test workers start, which inherit it (os.tmpdir() reads it).
  process.env.TMPDIR = testTmpdir;
}

// One runner for every suite. `unit` holds pure and API tests (API suites run on PGlite and on the
// PostgreSQL server that test/global-setup.ts starts); `e2e` drives Debian's Chromium with Playwright.
export default defineConfig({
  test: {
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
