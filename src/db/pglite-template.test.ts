import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDurablePglite } from './durable-pglite.ts';
import { packFolder, pgliteTemplateFile, unpackPgliteTemplate } from './pglite-template.ts';

const temporary: string[] = [];
afterAll(() => {
  for (const folder of temporary) rmSync(folder, { recursive: true, force: true });
});
const tempDir = () => {
  const folder = mkdtempSync(join(tmpdir(), 'exotrial-template-'));
  temporary.push(folder);
  return folder;
};

/** A small data folder: PG_VERSION sorts first, as in PGlite's; `zzz` sorts last. */
function templateOf(files: Record<string, string>): string {
  const folder = tempDir();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(folder, name, '..'), { recursive: true });
    writeFileSync(join(folder, name), content);
  }
  const file = join(tempDir(), 'template.tar.gz');
  writeFileSync(file, packFolder(folder));
  return file;
}

describe('the PGlite initdb template', () => {
  const files = {
    PG_VERSION: '17\n',
    'base/1/PG_VERSION': '17\n',
    'base/1/1259': 'catalog pages',
    'global/pg_control': 'control',
    zzz: 'last by name',
  };

  it('unpacks a packed folder file for file', () => {
    const target = join(tempDir(), 'data');
    expect(unpackPgliteTemplate(target, templateOf(files))).toBe(true);
    for (const [name, content] of Object.entries(files)) {
      expect(readFileSync(join(target, name), 'utf8'), name).toBe(content);
    }
  });

  it('writes PG_VERSION last, so an unpacking cut off leaves no folder taken for a database', () => {
    const target = join(tempDir(), 'data');
    // `zzz` cannot be written (a folder holds its place): the unpacking stops there.
    mkdirSync(join(target, 'zzz'), { recursive: true });
    expect(() => unpackPgliteTemplate(target, templateOf(files))).toThrow(/EISDIR/);
    expect(existsSync(join(target, 'base/1/1259'))).toBe(true);
    expect(existsSync(join(target, 'PG_VERSION'))).toBe(false);
  });

  it('is not used when there is none for the installed PGlite', () => {
    const target = join(tempDir(), 'data');
    expect(unpackPgliteTemplate(target, join(tempDir(), 'missing.tar.gz'))).toBe(false);
    expect(existsSync(target)).toBe(false);
  });

  it('opens an empty folder as a working database (the template `npm run build` makes)', async () => {
    expect(existsSync(pgliteTemplateFile()), 'run `npm run build` first (npm test does)').toBe(true);
    const folder = join(tempDir(), 'data');
    const pglite = await openDurablePglite(folder);
    try {
      const databases = await pglite.query<{ datname: string }>('select datname from pg_database order by 1');
      expect(databases.rows.map((row) => row.datname)).toEqual(['postgres', 'template0', 'template1']);
      await pglite.exec('create table visit (id int primary key); insert into visit values (1);');
    } finally {
      await pglite.close();
    }
    // Reopened, the folder is the same database (a restart, not a second unpacking).
    const reopened = await openDurablePglite(folder);
    try {
      const rows = await reopened.query<{ id: number }>('select id from visit');
      expect(rows.rows).toEqual([{ id: 1 }]);
    } finally {
      await reopened.close();
    }
  });
});
