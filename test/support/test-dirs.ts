import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where test databases live: the folder vitest.config.ts chose (a RAM-backed one when the machine
 * has room there), else the temporary folder. Only database folders go there; see vitest.config.ts.
 */
export function testDataRoot(): string {
  return process.env.EXOTRIAL_TEST_DATA_DIR || tmpdir();
}

/** A new, empty folder for a test database, named with `prefix`. */
export function makeTestDataDir(prefix: string): string {
  return mkdtempSync(join(testDataRoot(), prefix));
}
