import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../cli/program.ts';
import { defaultProtocolPath } from './load.ts';

// The CLI command lives in src/cli/protocol.ts; its tests sit here with the protocol module it drives.

async function run(...args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
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
  process.exitCode = undefined;
  let exitCode: number;
  try {
    exitCode = (await runCli(['node', 'exotrial', ...args])).exitCode;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  process.exitCode = undefined;
  return { stdout, stderr, exitCode };
}

describe('exotrial protocol', () => {
  let directory = '';
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'exotrial-protocol-'));
  });
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('validate prints one OK line and exits 0 for the shipped protocol', async () => {
    const result = await run('protocol', 'validate', defaultProtocolPath());
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toMatch(/^OK .*mexcovid\.yaml: mexcovid version 1\.0 \(14 forms/);
  });

  it('validate lists each problem as FILE:LINE path: message and exits 1', async () => {
    const text = await readFile(defaultProtocolPath(), 'utf8');
    const broken = join(directory, 'broken.yaml');
    await writeFile(broken, text.replace('plannedEnrolment: 30', 'plannedEnrolment: -30'));
    const result = await run('protocol', 'validate', broken);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    const line = text.split('\n').findIndex((entry) => entry.includes('plannedEnrolment: 30')) + 1;
    expect(result.stderr).toContain(`${broken}:${line} study.plannedEnrolment: `);
  });

  it('validate refuses a YAML alias bomb in one line, exit 1', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [index, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h'].entries()) {
      const previous = `*${String.fromCharCode(97 + index)}`;
      levels.push(`${name}: &${name} [${Array(9).fill(previous).join(',')}]`);
    }
    const bomb = join(directory, 'bomb.yaml');
    await writeFile(bomb, `${levels.join('\n')}\n`);
    const result = await run('protocol', 'validate', bomb);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^\S*bomb\.yaml:\d+ \(yaml\): the YAML's aliases \(\*name\) would expand to more than 1000 copies[^\n]*\n$/,
    );
  });

  it('validate reports a missing file in one line, exit 1', async () => {
    const result = await run('protocol', 'validate', join(directory, 'missing.yaml'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `${join(directory, 'missing.yaml')} does not exist: give the path of a protocol YAML file.\n`,
    );
  });

  it('show prints a summary in English and in Chinese', async () => {
    const english = await run('protocol', 'show', defaultProtocolPath());
    expect(english.exitCode).toBe(0);
    expect(english.stdout).toContain('MEXCOVID (mexcovid)');
    expect(english.stdout).toContain('Exclusion');
    const chinese = await run('protocol', 'show', defaultProtocolPath(), '--lang', 'zh');
    expect(chinese.stdout).toContain('排除标准');
    expect(chinese.stdout).toContain('上海交通大学医学院附属瑞金医院');
  });

  it('show refuses an unknown language', async () => {
    const result = await run('protocol', 'show', defaultProtocolPath(), '--lang', 'fr');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('--lang must be en or zh');
  });
});
