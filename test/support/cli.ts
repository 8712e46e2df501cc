import { spawnSync } from 'node:child_process';
import type { DatabaseTarget } from '../../src/config.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `exotrial …` as a real process against a test database (PGlite folder or PostgreSQL URL). */
export function exotrial(
  args: string[],
  options: { target?: DatabaseTarget; input?: string } = {},
): CliResult {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  const databaseArgs: string[] = [];
  if (options.target?.kind === 'postgres') env.DATABASE_URL = options.target.url;
  if (options.target?.kind === 'pglite') databaseArgs.push('--data', options.target.dataDir);
  const result = spawnSync(process.execPath, ['bin/exotrial-dev.js', ...args, ...databaseArgs], {
    env,
    input: options.input ?? '',
    encoding: 'utf8',
    // A command that never ends fails its test instead of holding the whole run.
    timeout: 240_000,
    killSignal: 'SIGKILL',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
