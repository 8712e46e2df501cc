import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every relative link and image of the README and of docs/ must reach a file that exists, and a
// `#anchor` must name a heading of that file, as GitHub renders it. External links (with a scheme)
// are not fetched: the machines that run the tests have no network.

const root = fileURLToPath(new URL('../../', import.meta.url));
const pages = [
  join(root, 'README.md'),
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name)),
];

/** The text outside fenced code blocks and inline code, where Markdown links live. */
function proseOf(markdown: string): string {
  return markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/`[^`\n]*`/g, '');
}

/** Targets of inline links and images (`[text](target)`, `![alt](target "title")`, `<img src>`). */
function linkTargets(markdown: string): string[] {
  const prose = proseOf(markdown);
  const inline = [...prose.matchAll(/!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)];
  const images = [...prose.matchAll(/<img\s[^>]*src="([^"]+)"/g)];
  return [...inline, ...images].map((match) => match[1] ?? '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slugOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown file's headings, a repeated heading getting -1, -2, … as on GitHub. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const match of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = slugOf(match[1] ?? '');
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

/** Why a link of `page` to `target` is broken, or null when it resolves. */
function brokenReason(page: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return null; // external
  const [pathPart = '', anchor] = target.split('#', 2);
  const file = pathPart === '' ? page : resolve(dirname(page), decodeURIComponent(pathPart));
  if (!existsSync(file)) return 'no such file';
  if (anchor === undefined || anchor === '') return null;
  if (statSync(file).isDirectory() || !file.endsWith('.md'))
    return 'an anchor into a file that is not Markdown';
  return anchorsOf(readFileSync(file, 'utf8')).has(decodeURIComponent(anchor).toLowerCase())
    ? null
    : 'no such heading';
}

describe('the link checker', () => {
  it('makes GitHub anchors of headings', () => {
    expect(slugOf('Many studies: Citus on `study_id`')).toBe('many-studies-citus-on-study_id');
    expect(slugOf('Where the code differs from the original design')).toBe(
      'where-the-code-differs-from-the-original-design',
    );
    expect(slugOf('Backups and moving to PostgreSQL')).toBe('backups-and-moving-to-postgresql');
    expect([...anchorsOf('# A\n## Notes\n```\n# not a heading\n```\n## Notes\n')]).toEqual([
      'a',
      'notes',
      'notes-1',
    ]);
  });

  it('finds links and images outside code and catches broken ones', () => {
    const sample = [
      'See [the API](api.md#signing-in-cookie-or-token) and ![a picture](images/none.png).',
      '`[in code](nowhere.md)` and [outside](https://example.org).',
      '```',
      '[in a block](nowhere.md)',
      '```',
    ].join('\n');
    expect(linkTargets(sample)).toEqual([
      'api.md#signing-in-cookie-or-token',
      'images/none.png',
      'https://example.org',
    ]);
    const page = join(root, 'docs', 'sample.md');
    expect(brokenReason(page, 'api.md#signing-in-cookie-or-token')).toBeNull();
    expect(brokenReason(page, 'api.md#no-such-part')).toBe('no such heading');
    expect(brokenReason(page, 'images/none.png')).toBe('no such file');
    expect(brokenReason(page, 'https://example.org/missing')).toBeNull();
  });
});

describe('README.md and docs/', () => {
  const links = pages.flatMap((page) =>
    linkTargets(readFileSync(page, 'utf8')).map((target) => ({ page, target })),
  );

  it('link to files and headings that exist', () => {
    const broken = links
      .map(({ page, target }) => ({ page, target, reason: brokenReason(page, target) }))
      .filter((link) => link.reason !== null)
      .map((link) => `${relative(root, link.page)}: ${link.target} (${link.reason})`);
    expect(broken).toEqual([]);
  });

  it('are linked together: the README reaches every page of docs/, and the pages show the screenshots', () => {
    expect(links.length).toBeGreaterThan(60);
    const reached = new Set(
      links
        .filter(({ target }) => !/^[a-z]+:/i.test(target))
        .map(({ page, target }) => resolve(dirname(page), target.split('#')[0] || page)),
    );
    const readmeTargets = new Set(
      links
        .filter(({ page }) => page.endsWith('README.md'))
        .map(({ target }) => resolve(root, target.split('#')[0] ?? '')),
    );
    const unlisted = pages.filter((page) => !page.endsWith('README.md') && !readmeTargets.has(page));
    expect(unlisted.map((page) => relative(root, page))).toEqual([]);
    const images = readdirSync(join(root, 'docs', 'images')).map((name) =>
      join(root, 'docs', 'images', name),
    );
    expect(images.filter((image) => !reached.has(image)).map((image) => relative(root, image))).toEqual([]);
  });
});
