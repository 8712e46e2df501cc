import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { auditActions } from '../../src/audit/audit-actions.ts';
import { en } from '../../web/src/i18n/en.ts';
import { zh } from '../../web/src/i18n/zh.ts';
import { auditActionKey, auditActionLabel } from '../../web/src/readable.ts';

// The audit trail shows each action as words in both languages. The actions are those the server's
// source writes: `AuditInput.action` only takes the listed ones (the type checker holds every write to
// the list), and this file reads the source again for the action strings it writes, so a new action
// without a label in English and Chinese fails here.
const SRC = join(import.meta.dirname, '../../src');

function serverFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return serverFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Action strings written in the source: `action: 'x'`, `action: cond ? 'x' : 'y'`, `failureAction: 'x'`. */
function writtenActions(): { literals: Map<string, string>; templates: string[] } {
  const literals = new Map<string, string>();
  const templates: string[] = [];
  for (const file of serverFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const where = relative(SRC, file);
    for (const match of text.matchAll(/\b(?:action|[a-z]+Action)(?:\s*\?\?|:)\s*([^,\n}]+)/g)) {
      const value = match[1] ?? '';
      for (const literal of value.matchAll(/'([a-z][a-z_]*(?:\.[a-z][a-z_]*)+)'/g)) {
        literals.set(literal[1] ?? '', where);
      }
      const template = /`([a-z_]+\.)\$\{/.exec(value);
      if (template?.[1]) templates.push(`${template[1]} in ${where}`);
    }
  }
  return { literals, templates };
}

const labelOf = (table: { audit: { actions: Record<string, string> } }, action: string) =>
  table.audit.actions[auditActionKey(action).replace('audit.actions.', '')];

describe('audit actions as words', () => {
  it('every action string the source writes is a listed action', () => {
    const { literals, templates } = writtenActions();
    // The scan finds the writes (a scan that found nothing would prove nothing).
    expect(literals.size).toBeGreaterThan(50);
    const listed = new Set<string>(auditActions);
    const unlisted = [...literals].filter(([action]) => !listed.has(action));
    expect(unlisted.map(([action, file]) => `${action} (${file})`)).toEqual([]);
    // Actions built from a status (`participant.${status}`): each family has listed members.
    expect(templates.length).toBeGreaterThan(0);
    for (const template of templates) {
      const prefix = template.split(' ')[0] ?? '';
      expect(
        auditActions.some((action) => action.startsWith(prefix)),
        template,
      ).toBe(true);
    }
  });

  it('every listed action has a label in English and in Chinese, and no label is left over', () => {
    const missing = auditActions.flatMap((action) =>
      [
        ['en', labelOf(en, action)],
        ['zh', labelOf(zh, action)],
      ]
        .filter(([, label]) => typeof label !== 'string' || label.trim() === '')
        .map(([language]) => `${action} (${language})`),
    );
    expect(missing).toEqual([]);
    const keys = auditActions.map((action) => auditActionKey(action));
    expect(new Set(keys).size).toBe(auditActions.length);
    const known = new Set(keys.map((key) => key.replace('audit.actions.', '')));
    expect(Object.keys(en.audit.actions).filter((key) => !known.has(key))).toEqual([]);
    expect(Object.keys(zh.audit.actions).filter((key) => !known.has(key))).toEqual([]);
  });

  it('shows the label in the chosen language, and an unknown action as its code', async () => {
    const i18n = i18next.createInstance();
    await i18n.init({
      lng: 'zh',
      fallbackLng: 'en',
      resources: { en: { translation: en }, zh: { translation: zh } },
    });
    expect(auditActionLabel('participant.consent', i18n.t)).toBe('记录知情同意');
    expect(auditActionLabel('safety.ae.value.change', i18n.t)).toBe('修改不良事件');
    await i18n.changeLanguage('en');
    expect(auditActionLabel('participant.consent', i18n.t)).toBe('Consent recorded');
    expect(auditActionLabel('study.archive', i18n.t)).toBe('study.archive');
  });
});
