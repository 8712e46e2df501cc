import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { permissionTableMarkdown } from './permission-table.ts';

it('the README shows the permission table the code enforces', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = permissionTableMarkdown();
  expect(readme.includes(table), `replace the table in README.md with:\n${table}`).toBe(true);
});
