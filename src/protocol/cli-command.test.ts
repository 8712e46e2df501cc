import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerProtocolCommand } from '../cli/protocol.ts';
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
  try {
    const program = new Command('exotrial').exitOverride();
    registerProtocolCommand(program);
    await program.parseAsync(['node', 'exotrial', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const exitCode = Number(process.exitCode ?? 0);
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

  it('validate reports an unreadable file as a problem, exit 1', async () => {
    const result = await run('protocol', 'validate', join(directory, 'missing.yaml'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('cannot read the protocol file');
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
