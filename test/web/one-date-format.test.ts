import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatAxisTime, formatDate, formatDateTime, formatWallClock } from '../../web/src/format.ts';

// Every date a page shows goes through web/src/format.ts, so each language has one format. A page that
// formats a date itself (the browser's locale formats, its own Intl formatter, an ISO string cut and
// patched) is found here by reading the web app's source.
const WEB = join(import.meta.dirname, '../../web/src');
const FORMATTER = join(WEB, 'format.ts');
const ownFormatting: Array<[string, RegExp]> = [
  ['a locale format of the browser', /\.toLocale(Date|Time)?String\(/],
  ['its own Intl date formatter', /Intl\.DateTimeFormat\(/],
  ['an ISO time cut and patched', /\.replace\(\s*'T'\s*,\s*' '\s*\)/],
  ['a dayjs format', /dayjs\([^)]*\)\.format\(/],
];
// Helpers that read a wall clock for an input's value (not for display) may use Intl to find the zone.
const readsClockForInputs = new Set([join(WEB, 'api/site-clock.ts')]);

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe('one date format per language', () => {
  it('no web file but format.ts formats a date for display', () => {
    const files = sourceFiles(WEB);
    expect(files.length).toBeGreaterThan(50);
    const found: string[] = [];
    for (const file of files) {
      if (file === FORMATTER) continue;
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, index) => {
        for (const [what, pattern] of ownFormatting) {
          if (what === 'its own Intl date formatter' && readsClockForInputs.has(file)) continue;
          if (pattern.test(line)) found.push(`${relative(WEB, file)}:${index + 1} uses ${what}`);
        }
      });
    }
    expect(found).toEqual([]);
  });

  it('the scan finds a page that formats a date itself', () => {
    const page =
      "const at = new Date(value).toLocaleString('en-GB');\n<td>{at.slice(0, 16).replace('T', ' ')}</td>";
    const hits = ownFormatting.filter(([, pattern]) => page.split('\n').some((line) => pattern.test(line)));
    expect(hits.map(([what]) => what)).toEqual([
      'a locale format of the browser',
      'an ISO time cut and patched',
    ]);
  });

  it('writes dates and times in ISO order in English and the usual form in Chinese, with the zone', () => {
    expect(formatDate('2026-12-04', 'en')).toBe('2026-12-04');
    expect(formatDate('2026-12-04', 'zh')).toBe('2026年12月4日');
    expect(formatDateTime('2026-12-04T00:30:00Z', 'Asia/Shanghai', 'en')).toBe('2026-12-04 08:30 UTC+8');
    expect(formatDateTime('2026-12-04T00:30:00Z', 'Asia/Shanghai', 'zh')).toBe('2026年12月4日 08:30 UTC+8');
    expect(formatDateTime('2026-12-03T23:30:00Z', 'Europe/London', 'en')).toBe('2026-12-03 23:30 UTC');
    expect(formatWallClock('2026-12-04T08:30', 'en', 'Asia/Shanghai')).toBe('2026-12-04 08:30 UTC+8');
    expect(formatAxisTime(new Date('2026-12-04T00:30:00Z'), 'Asia/Shanghai', 'zh')).toBe('12月4日 08:30');
    expect(formatAxisTime(new Date('2026-12-04T00:30:00Z'), 'Asia/Shanghai', 'en')).toBe('12-04 08:30');
    expect(formatDateTime(null, 'UTC', 'en')).toBe('—');
  });
});
