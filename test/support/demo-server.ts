import { rmSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { expect } from 'vitest';
import { launchBrowser } from './browser.ts';
import { exotrial } from './cli.ts';
import { freePort } from './postgres.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';
import { makeTestDataDir } from './test-dirs.ts';

export interface DemoServer {
  server: ServerProcess;
  browser: Browser;
  /** The demo accounts' password, as `exotrial demo` prints it. */
  password: string;
  close(): Promise<void>;
}

/**
 * A synthetic trial (`exotrial demo`) in a fresh PGlite folder, served by the real server process,
 * and a browser to drive it: one start per browser test file.
 */
export async function startDemoServer(
  name: string,
  demo: { subjects: number; seed: number },
): Promise<DemoServer> {
  const dataDir = makeTestDataDir(`exotrial-e2e-${name}-`);
  const run = exotrial(['demo', '--subjects', String(demo.subjects), '--seed', String(demo.seed)], {
    target: { kind: 'pglite', dataDir },
  });
  expect(run.code, run.stderr).toBe(0);
  const password = /password: (\S+)/.exec(run.stdout)?.[1] ?? '';
  expect(password).not.toBe('');
  const server = await startServerProcess(['--port', String(await freePort()), '--data', dataDir]);
  const browser = await launchBrowser();
  return {
    server,
    browser,
    password,
    close: async () => {
      await browser.close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
