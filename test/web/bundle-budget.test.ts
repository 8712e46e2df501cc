import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

// The script a browser downloads to show a page: the entry, the page's own chunk, and every chunk
// either imports statically (dynamic imports load later, on demand). Sizes are gzipped with zlib's
// default level, as a server or proxy would send them; 1 kB = 1000 bytes, as Vite prints.
const DIST = join(import.meta.dirname, '../../web/dist');
const MANIFEST = join(DIST, '.vite/manifest.json');
const SIGN_IN_BUDGET = 250_000;
const PAGE_BUDGET = 350_000;
const ADMIN_LAYOUT = 'src/pages/admin/admin-layout.tsx';

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
}
type Manifest = Record<string, ManifestChunk>;

function readManifest(): Manifest {
  if (!existsSync(MANIFEST)) {
    throw new Error(`${MANIFEST} is missing: run \`npm run build\` first (npm test does).`);
  }
  return JSON.parse(readFileSync(MANIFEST, 'utf8')) as Manifest;
}

function chunk(manifest: Manifest, key: string): ManifestChunk {
  const found = manifest[key];
  if (!found) throw new Error(`The manifest has no chunk ${key}`);
  return found;
}

/** The files a chunk pulls in before it runs: itself and its static imports, transitively. */
function staticClosure(manifest: Manifest, key: string, files = new Set<string>()): Set<string> {
  const { file, imports = [] } = chunk(manifest, key);
  if (files.has(file)) return files;
  files.add(file);
  for (const imported of imports) staticClosure(manifest, imported, files);
  return files;
}

const gzipped = new Map<string, number>();
function gzippedSize(file: string): number {
  let size = gzipped.get(file);
  if (size === undefined) {
    size = gzipSync(readFileSync(join(DIST, file))).length;
    gzipped.set(file, size);
  }
  return size;
}

function download(manifest: Manifest, keys: string[]): number {
  const files = new Set<string>();
  for (const key of keys) staticClosure(manifest, key, files);
  return [...files].reduce((sum, file) => sum + gzippedSize(file), 0);
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

describe('script budget per page (web/dist/.vite/manifest.json)', () => {
  const manifest = readManifest();
  const entryKey = Object.keys(manifest).find((key) => manifest[key]?.isEntry);
  const pageKeys = Object.keys(manifest)
    .filter((key) => manifest[key]?.isDynamicEntry && key.startsWith('src/pages/'))
    .sort();
  const chineseKey = 'src/i18n/zh.ts';

  it('builds one entry, a chunk per page, and the Chinese table apart', () => {
    expect(entryKey).toBe('index.html');
    for (const page of ['login-page', 'account-page', 'protocol/protocol-page', 'dosing/dosing-page']) {
      expect(pageKeys).toContain(`src/pages/${page}.tsx`);
    }
    expect(pageKeys.length).toBeGreaterThanOrEqual(25);
    expect(chunk(manifest, chineseKey).isDynamicEntry).toBe(true);
    // Neither the Chinese table nor a page is part of what every page downloads.
    const shell = staticClosure(manifest, entryKey ?? '');
    expect(shell.has(chunk(manifest, chineseKey).file)).toBe(false);
    for (const page of pageKeys) expect(shell.has(chunk(manifest, page).file), page).toBe(false);
  });

  it(`keeps sign-in within ${kB(SIGN_IN_BUDGET)} and every page within ${kB(PAGE_BUDGET)}, in both languages`, () => {
    const entry = entryKey ?? '';
    const rows = pageKeys.map((page) => {
      // The administration pages open inside the administration layout, itself a chunk.
      const shown = page.startsWith('src/pages/admin/') ? [entry, ADMIN_LAYOUT, page] : [entry, page];
      return {
        page: page.replace(/^src\/pages\//, ''),
        budget: page === 'src/pages/login-page.tsx' ? SIGN_IN_BUDGET : PAGE_BUDGET,
        english: download(manifest, shown),
        chinese: download(manifest, [...shown, chineseKey]),
      };
    });
    const total = Object.values(manifest).reduce(
      (sum, { file }) => sum + readFileSync(join(DIST, file)).length,
      0,
    );
    const table = rows.map(
      ({ page, budget, english, chinese }) =>
        `${page.padEnd(40)} ${kB(english).padStart(9)} ${kB(chinese).padStart(9)}   budget ${kB(budget)}`,
    );
    const report = [
      `all script: ${kB(total)} (minified, not gzipped) in ${Object.keys(manifest).length} chunks`,
      `${'page (gzipped download)'.padEnd(40)} ${'English'.padStart(9)} ${'Chinese'.padStart(9)}`,
      ...table,
    ].join('\n');
    console.log(report);
    const over = rows.filter(({ budget, english, chinese }) => Math.max(english, chinese) > budget);
    expect(
      over.map(({ page }) => page),
      `over budget:\n${report}`,
    ).toEqual([]);
  });
});
