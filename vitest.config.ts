import { existsSync, mkdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Test databases live in temporary folders (PGlite folders, the test PostgreSQL server, the browser
// suites' servers), and both databases sync every commit to disk. On a RAM-backed folder each sync
// costs a tenth of what it does on a virtual disk, so temporary folders go to /dev/shm where there is
// one. The code runs as in production: every fsync is still made. EXOTRIAL_TEST_TMPDIR names another
// folder (`EXOTRIAL_TEST_TMPDIR=/tmp` for the disk).
const testTmpdir =
  process.env.EXOTRIAL_TEST_TMPDIR ?? (existsSync('/dev/shm') ? '/dev/shm/exotrial-tests' : undefined);
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
