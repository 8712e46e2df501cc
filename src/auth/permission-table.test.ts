import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { permissionTableMarkdown } from './permission-table.ts';

it('docs/security.md shows the permission table the code enforces', () => {
  const page = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
  const table = permissionTableMarkdown();
  expect(page.includes(table), `replace the table in docs/security.md with:\n${table}`).toBe(true);
});
