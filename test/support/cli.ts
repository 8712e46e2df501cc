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

/**
 * Runs `exotrial …` in this process through runCli (the entry src/cli/main.ts uses), capturing what
 * it writes: for commands that need no database, a few milliseconds instead of a process start.
 */
export async function exotrialInProcess(
  args: string[],
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const { vi } = await import('vitest');
  const { runCli } = await import('../../src/cli/program.ts');
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = 0;
  let exitCode: number;
  try {
    exitCode = (await runCli(['node', 'exotrial', ...args])).exitCode;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  process.exitCode = 0;
  return { stdout, stderr, exitCode };
}

/**
 * Runs `exotrial …` in this process against a test database, as `exotrial` does in a process of its
 * own: DATABASE_URL for PostgreSQL, `--data` for a PGlite folder, logging silenced; the environment
 * is put back after. A process start per case cost several seconds; the command's work is the same.
 */
export async function exotrialInProcessOn(target: DatabaseTarget, args: string[]): Promise<CliResult> {
  const saved = { url: process.env.DATABASE_URL, level: process.env.LOG_LEVEL };
  process.env.LOG_LEVEL = 'silent';
  if (target.kind === 'postgres') process.env.DATABASE_URL = target.url;
  else delete process.env.DATABASE_URL;
  try {
    const dataArgs = target.kind === 'pglite' ? ['--data', target.dataDir] : [];
    const result = await exotrialInProcess([...args, ...dataArgs]);
    return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  } finally {
    for (const [name, value] of [
      ['DATABASE_URL', saved.url],
      ['LOG_LEVEL', saved.level],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
