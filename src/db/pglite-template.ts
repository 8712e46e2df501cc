import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * An empty PGlite folder starts from a template: the data folder that PGlite's initdb makes, shut
 * down cleanly, packed once per PGlite version (by `npm run build`) and unpacked into the folder
 * instead of running initdb again. initdb is most of a first start (about 7 s of processor time);
 * unpacking takes a fraction of a second. Without a template for the installed PGlite version a
 * first start runs initdb as before. The template is made the way a first start makes a database
 * (PGlite's own initdb through its Node file system), so what a first start leaves is the same.
 */

const BLOCK = 512;
const VERSION_FILE = 'PG_VERSION';

/** PGlite's package folder and version, found through Node's resolution like its import. */
function pgliteInstall(): { folder: string; version: string } {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const folder = join(dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string };
  return { folder, version };
}

/** Where the template of the installed PGlite lives: node_modules/.cache, beside the package it belongs to. */
export function pgliteTemplateFile(): string {
  const { folder, version } = pgliteInstall();
  return join(folder, '..', '..', '.cache', 'exotrial', `pglite-${version}-initdb.tar.gz`);
}

interface TarEntry {
  name: string;
  mode: number;
  /** null for a folder. */
  data: Uint8Array | null;
}

function field(header: Uint8Array, start: number, length: number, value: string): void {
  header.set(new TextEncoder().encode(value).subarray(0, length), start);
}

/** One ustar header: the name, octal mode and size, type '0' (file) or '5' (folder), and its checksum. */
function tarHeader({ name, mode, data }: TarEntry): Uint8Array {
  if (new TextEncoder().encode(name).length > 100) throw new Error(`Name too long for the template: ${name}`);
  const header = new Uint8Array(BLOCK);
  field(header, 0, 100, name);
  field(header, 100, 8, `${(mode & 0o7777).toString(8).padStart(7, '0')}\0`);
  field(header, 108, 8, '0000000\0');
  field(header, 116, 8, '0000000\0');
  field(header, 124, 12, `${(data?.length ?? 0).toString(8).padStart(11, '0')}\0`);
  field(header, 136, 12, '00000000000\0');
  field(header, 156, 1, data ? '0' : '5');
  field(header, 257, 8, 'ustar\u000000');
  field(header, 148, 8, '        ');
  const sum = header.reduce((total, byte) => total + byte, 0);
  field(header, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

function packTar(entries: TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    parts.push(tarHeader(entry));
    if (entry.data) {
      parts.push(entry.data, new Uint8Array((BLOCK - (entry.data.length % BLOCK)) % BLOCK));
    }
  }
  parts.push(new Uint8Array(2 * BLOCK));
  return Buffer.concat(parts);
}

function unpackTar(tar: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  const text = (start: number, end: number) =>
    new TextDecoder().decode(tar.subarray(start, end)).replace(/\0.*$/s, '');
  for (let offset = 0; offset + BLOCK <= tar.length && tar[offset] !== 0; ) {
    const size = Number.parseInt(text(offset + 124, offset + 136).trim() || '0', 8);
    const mode = Number.parseInt(text(offset + 100, offset + 108).trim() || '0', 8);
    const isFolder = text(offset + 156, offset + 157) === '5';
    const start = offset + BLOCK;
    entries.push({
      name: text(offset, offset + 100),
      mode,
      data: isFolder ? null : tar.subarray(start, start + size),
    });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

/** A folder's entries, parents before children, with paths relative to it. */
function folderEntries(root: string, relative = ''): TarEntry[] {
  const entries: TarEntry[] = [];
  for (const name of readdirSync(join(root, relative)).sort()) {
    const path = relative ? `${relative}/${name}` : name;
    const stats = statSync(join(root, path));
    if (stats.isDirectory()) {
      entries.push({ name: path, mode: stats.mode, data: null }, ...folderEntries(root, path));
    } else {
      entries.push({ name: path, mode: stats.mode, data: readFileSync(join(root, path)) });
    }
  }
  return entries;
}

/** A folder as a gzipped tar, parents before children. */
export function packFolder(folder: string): Buffer {
  return gzipSync(packTar(folderEntries(folder)));
}

/** Makes the template of the installed PGlite unless it is there; returns its file. */
export async function ensurePgliteTemplate(file = pgliteTemplateFile()): Promise<string> {
  if (existsSync(file)) return file;
  const folder = mkdtempSync(join(tmpdir(), 'exotrial-pglite-template-'));
  try {
    // initdb as a first start runs it, then a clean shutdown: the folder opens without recovery.
    // Loaded here only: unpacking a template needs no PGlite, and the server's thread, which unpacks
    // it, leaves PGlite's module (400 kB) to the thread that runs the database (pglite-thread.js).
    const [{ PGlite }, { NodeFS }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite/nodefs'),
    ]);
    const pglite = await PGlite.create({ fs: new NodeFS(folder) });
    await pglite.close();
    mkdirSync(dirname(file), { recursive: true });
    // Written beside and renamed, so a build cut off leaves no half template behind.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, packFolder(folder));
    renameSync(partial, file);
    return file;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Unpacks the template into `dataDir` when there is one for the installed PGlite; false if not.
 * PG_VERSION, which makes PGlite take a folder for a database, is written last: a first start cut off
 * while unpacking leaves a folder that the next start unpacks again, never half a database.
 */
export function unpackPgliteTemplate(dataDir: string, file = pgliteTemplateFile()): boolean {
  if (!existsSync(file)) return false;
  const entries = unpackTar(gunzipSync(readFileSync(file)));
  const versionFile = entries.find((entry) => entry.name === VERSION_FILE);
  if (!versionFile?.data) throw new Error(`The PGlite template ${file} has no ${VERSION_FILE}: delete it.`);
  mkdirSync(dataDir, { recursive: true });
  for (const entry of [...entries.filter((entry) => entry !== versionFile), versionFile]) {
    const path = join(dataDir, entry.name);
    if (entry.data) writeFileSync(path, entry.data, { mode: entry.mode });
    else mkdirSync(path, { recursive: true, mode: entry.mode });
  }
  return true;
}

/** A folder without a database gets the initdb template, when there is one, before PGlite opens it. */
export function prepareDataFolder(dataDir: string): void {
  if (!existsSync(join(dataDir, VERSION_FILE))) unpackPgliteTemplate(dataDir);
}
