import type { TFunction } from 'i18next';
import type { Protocol, ProtocolItem } from '../../src/protocol/schema.ts';
import { formatDate, formatWallClock, type Language } from './format.ts';
import { displayValue, visitLabel } from './pages/crf/display-value.ts';

// Codes as people read them: visits, timepoints, the fields named in the audit trail and an adverse
// event's history, and the values those hold. The protocol's own labels come first (they are the
// study's words, in both languages); the fallbacks cover keys the protocol does not name.

const timepointWords: Record<string, { en: string; zh: string }> = {
  'pre-dose': { en: 'Before the dose', zh: '给药前' },
};

/** A visit key without a protocol name: `day-2` → "Day 2" / "第2天", `post-30` → "30 minutes after the dose". */
function fallbackPart(part: string, t: TFunction): string {
  const day = /^day-?(-?\d+)$/.exec(part);
  if (day) return t('words.visit.day', { day: Number(day[1]) });
  const after = /^post-?(\d+)$/.exec(part);
  if (after) return t('words.visit.minutesAfter', { minutes: Number(after[1]) });
  return t(`words.visit.${part}`, { defaultValue: part });
}

/** A visit (`day-2`, `day-2/post-30`, `screening`) as the protocol names it, else in plain words. */
export function readableVisit(
  protocol: Protocol | undefined,
  visitKey: string,
  t: TFunction,
  language: Language,
): string {
  const named = protocol ? visitLabel(protocol, visitKey, language) : visitKey;
  if (named !== visitKey) return named;
  return visitKey
    .split('/')
    .map((part) => timepointWords[part]?.[language] ?? fallbackPart(part, t))
    .join(' · ');
}

interface FieldTarget {
  label: string;
  item: ProtocolItem | undefined;
}

function itemOf(protocol: Protocol | undefined, formId: string, itemId: string): ProtocolItem | undefined {
  return protocol?.forms.find((form) => form.id === formId)?.items.find((item) => item.id === itemId);
}

/**
 * The field an audit event names, in words: a form value (`day-1/pre-dose:vitals[1].spo2`) as visit ·
 * form · item; an adverse event's (`AE1.onsetAt`) as AE 1 · item; anything else by its key's words.
 */
export function readableField(
  protocol: Protocol | undefined,
  field: string | null,
  t: TFunction,
  language: Language,
): FieldTarget {
  if (!field) return { label: '', item: undefined };
  const crf = /^([^:]+):([A-Za-z0-9_]+)\[(\d+)\]\.([A-Za-z0-9_]+)$/.exec(field);
  if (crf) {
    const [, visitKey = '', formId = '', instance = '1', itemId = ''] = crf;
    const form = protocol?.forms.find((entry) => entry.id === formId);
    const item = itemOf(protocol, formId, itemId);
    const parts = [
      readableVisit(protocol, visitKey, t, language),
      (form?.title[language] ?? formId) + (instance !== '1' ? ` #${instance}` : ''),
      item?.label[language] ?? itemId,
    ];
    return { label: parts.join(' · '), item };
  }
  // The protocol's adverse-event form, whose items an adverse event's fields are.
  const aeForm = protocol?.safety.adverseEvents.form ?? '';
  const ae = /^AE(\d+)\.([A-Za-z0-9_]+)$/.exec(field);
  if (ae) {
    const [, number = '', itemId = ''] = ae;
    const item = itemOf(protocol, aeForm, itemId);
    return { label: `AE ${number} · ${item?.label[language] ?? itemId}`, item };
  }
  const aeItem = itemOf(protocol, aeForm, field);
  if (aeItem) return { label: aeItem.label[language], item: aeItem };
  const word = /^[A-Za-z][A-Za-z0-9_]*$/.test(field);
  return { label: word ? t(`words.field.${field}`, { defaultValue: field }) : field, item: undefined };
}

/** Keys of a stored change that name a visit (`day-1`), shown by the visit's name. */
const visitKeys = new Set(['visitId', 'visitKey', 'visit']);

/** A saved value as people read it: an eCRF entry's value, a code's label, yes/no, a time; never JSON. */
export function readableValue(
  protocol: Protocol | undefined,
  item: ProtocolItem | undefined,
  value: unknown,
  t: TFunction,
  language: Language,
  /** The zone instants are read in (the site's), for values stored as instants. */
  timeZone?: string,
): string {
  if (value === null || value === undefined || value === '') return '—';
  // A form's stored entry (`{value}` or `{missing}`; the trail keeps it without its revision).
  const isEntry = (entry: object) =>
    'revision' in entry || (item !== undefined && ('value' in entry || 'missing' in entry));
  if (typeof value === 'object' && !Array.isArray(value) && value !== null && isEntry(value)) {
    const entry = value as { value?: unknown; missing?: string };
    if (entry.missing) return t(`crf.missingCode.${entry.missing}`, { defaultValue: entry.missing });
    return readableValue(protocol, item, entry.value, t, language, timeZone);
  }
  if (item && protocol) {
    if (item.type === 'datetime') return formatWallClock(value, language, timeZone);
    return displayValue(protocol, item, value, t, language);
  }
  if (typeof value === 'boolean') return t(value ? 'common.yes' : 'common.no');
  if (typeof value === 'string') {
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return formatWallClock(value, language, timeZone);
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return formatDate(value, language);
    // Only a code-like word is looked up: a free text may hold the separators of a translation key.
    return /^[a-z][a-z0-9_-]*$/.test(value) ? t(`words.code.${value}`, { defaultValue: value }) : value;
  }
  if (Array.isArray(value)) {
    return value.map((entry) => readableValue(protocol, item, entry, t, language, timeZone)).join(', ');
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, entry]) => {
        const name = /^[A-Za-z][A-Za-z0-9_]*$/.test(key)
          ? t(`words.field.${key}`, { defaultValue: key })
          : key;
        const shown =
          visitKeys.has(key) && typeof entry === 'string'
            ? readableVisit(protocol, entry, t, language)
            : readableValue(protocol, undefined, entry, t, language, timeZone);
        return `${name}: ${shown}`;
      })
      .join('; ');
  }
  return String(value);
}

/** The translation key of an audit action's label: `participant.consent` → `audit.actions.participant_consent`. */
export const auditActionKey = (action: string): string => `audit.actions.${action.replaceAll('.', '_')}`;

/** An audit action as people read it; an action with no label (an older server's) shows its code. */
export function auditActionLabel(action: string, t: TFunction): string {
  const label: unknown = t(auditActionKey(action), { defaultValue: action, returnObjects: true });
  return typeof label === 'string' && label !== '' ? label : action;
}
