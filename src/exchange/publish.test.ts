import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/errors.ts';
import { writeFileWhole, writeFolderWhole } from './publish.ts';

describe('export files written whole or not at all', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'exotrial-publish-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const failing = async () => {
    throw new Error('the export failed half-way');
  };

  it('renames a complete file into place, and leaves nothing when the work fails', async () => {
    const target = join(root, 'odm.xml');
    await writeFileWhole(target, async (path) => {
      expect(path).not.toBe(target);
      writeFileSync(path, '<ODM/>');
      expect(readdirSync(root)).toEqual([expect.stringMatching(/^\.odm\.xml\.partial-/)]);
    });
    expect(readFileSync(target, 'utf8')).toBe('<ODM/>');
    await expect(
      writeFileWhole(join(root, 'other.xml'), async (path) => {
        writeFileSync(path, '<ODM');
        await failing();
      }),
    ).rejects.toThrow('half-way');
    expect(readdirSync(root)).toEqual(['odm.xml']);
  });

  it('keeps an earlier file whole when a new export into it fails', async () => {
    const target = join(root, 'fhir.json');
    writeFileSync(target, '{"earlier":true}');
    await expect(
      writeFileWhole(target, async (path) => {
        writeFileSync(path, '{"half');
        await failing();
      }),
    ).rejects.toThrow();
    expect(readFileSync(target, 'utf8')).toBe('{"earlier":true}');
    expect(readdirSync(root)).toEqual(['fhir.json']);
  });

  it('renames a complete folder into place, and leaves nothing when the work fails', async () => {
    const target = join(root, 'sdtm');
    await writeFolderWhole(target, async (folder) => writeFileSync(join(folder, 'dm.xpt'), 'DM'));
    expect(readdirSync(target)).toEqual(['dm.xpt']);
    await expect(
      writeFolderWhole(join(root, 'second'), async (folder) => {
        writeFileSync(join(folder, 'dm.xpt'), 'half');
        await failing();
      }),
    ).rejects.toThrow('half-way');
    expect(readdirSync(root)).toEqual(['sdtm']);
  });

  it('refreshes an existing folder: new files replace old, stale export files go, other files stay', async () => {
    const target = join(root, 'sdtm');
    mkdirSync(target);
    for (const [name, text] of [
      ['cm.xpt', 'old CM'],
      ['suppcm.xpt', 'old SUPPCM'],
      ['notes.txt', 'mine'],
    ])
      writeFileSync(join(target, name as string), text as string);
    await writeFolderWhole(target, async (folder) => writeFileSync(join(folder, 'cm.xpt'), 'new CM'), {
      stale: /^(supp)?[a-z]{2}\.xpt$/,
    });
    expect(readdirSync(target).sort()).toEqual(['cm.xpt', 'notes.txt']);
    expect(readFileSync(join(target, 'cm.xpt'), 'utf8')).toBe('new CM');
    await expect(writeFolderWhole(target, failing)).rejects.toThrow();
    expect(readdirSync(target).sort()).toEqual(['cm.xpt', 'notes.txt']);
    expect(readdirSync(root)).toEqual(['sdtm']);
  });

  it('refuses a missing parent, a file for a folder and a folder for a file, saying what to do', async () => {
    const work = async () => {};
    const refusal = async (promise: Promise<unknown>) => {
      const error = await promise.then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(DomainError);
      return (error as DomainError).message;
    };
    expect(await refusal(writeFolderWhole(join(root, 'no', 'such', 'sdtm'), work, { option: '--out' }))).toBe(
      `The folder ${join(root, 'no', 'such')} does not exist: create it, or choose another --out.`,
    );
    writeFileSync(join(root, 'file'), '');
    expect(await refusal(writeFolderWhole(join(root, 'file'), work, { option: '--out' }))).toContain(
      'is a file: give --out a folder',
    );
    expect(await refusal(writeFileWhole(join(root, 'file', 'x.xml'), work, '--out'))).toContain(
      'is a file, not a folder',
    );
    expect(await refusal(writeFileWhole(root, work, '--out'))).toContain(
      'is a folder: give --out a file name',
    );
    expect(readdirSync(root)).toEqual(['file']);
  });
});
