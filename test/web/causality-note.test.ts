import { describe, expect, it } from 'vitest';
import { en } from '../../web/src/i18n/en.ts';
import { zh } from '../../web/src/i18n/zh.ts';
import { causalityNoteKey } from '../../web/src/pages/safety/causality-note.ts';

describe('causalityNoteKey', () => {
  it('notes an unrelated event that counts as possibly related for expedited reporting', () => {
    expect(causalityNoteKey({ related: false, expedited: true })).toBe('safety.expeditedOnly');
  });

  it('adds nothing when both answers agree or the event is not assessed', () => {
    expect(causalityNoteKey({ related: true, expedited: true })).toBeNull();
    expect(causalityNoteKey({ related: false, expedited: false })).toBeNull();
    expect(causalityNoteKey({ related: null, expedited: null })).toBeNull();
  });

  it('has the note in English and Chinese', () => {
    expect(en.safety.expeditedOnly).toBe('Counts as possibly related for expedited reporting');
    expect(zh.safety.expeditedOnly).toMatch(/快速报告/);
  });
});
