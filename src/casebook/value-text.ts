import type { Protocol, ProtocolForm, ProtocolItem } from '../protocol/schema.ts';
import { missingWords, type PaperLanguage, word } from './casebook-words.ts';
import { choicesOf, localized, siteTime, unitText } from './paper-html.ts';

// Stored values as a reader of the printed casebook reads them: codes by their labels, booleans as
// yes/no, clinical times without the ISO "T". Plain text; the caller escapes it.

const CLINICAL_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?$/;

export function valueText(
  protocol: Protocol,
  item: ProtocolItem | undefined,
  value: unknown,
  language: PaperLanguage,
): string {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'boolean') return word(language, value ? 'yes' : 'no');
  if (item && (item.type === 'choice' || item.type === 'multichoice')) {
    const choices = choicesOf(protocol, item);
    const label = (code: unknown) => {
      const choice = choices.find((entry) => entry.code === String(code));
      return choice ? `${localized(choice.label, language)} (${choice.code})` : String(code);
    };
    return Array.isArray(value) ? value.map(label).join('; ') : label(value);
  }
  if (typeof value === 'string') {
    const time = CLINICAL_TIME.exec(value);
    return time ? `${time[1]} ${time[2]}` : value;
  }
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value))
    return value.map((entry) => valueText(protocol, item, entry, language)).join('; ');
  return JSON.stringify(value);
}

/** A stored entry or audit value (`{ value, missing, missingReason }`, or a bare value) as text. */
export function entryText(
  protocol: Protocol,
  item: ProtocolItem | undefined,
  entry: unknown,
  language: PaperLanguage,
): string {
  if (
    entry !== null &&
    typeof entry === 'object' &&
    !Array.isArray(entry) &&
    ('value' in entry || 'missing' in entry)
  ) {
    const { value, missing, missingReason } = entry as {
      value?: unknown;
      missing?: string;
      missingReason?: string;
    };
    if (missing && missing in missingWords) {
      const why = missingWords[missing as keyof typeof missingWords][language];
      return missingReason ? `${why}: ${missingReason}` : why;
    }
    const text = valueText(protocol, item, value, language);
    return text && item?.unit ? `${text} ${unitText(item.unit)}` : text;
  }
  const text = valueText(protocol, item, entry, language);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export const formOf = (protocol: Protocol, formId: string): ProtocolForm | undefined =>
  protocol.forms.find((form) => form.id === formId);

/** A visit key (`day-1` or `day-1/pre-dose`) by the names of its visit and timepoint. */
export function visitKeyText(protocol: Protocol, visitKey: string, language: PaperLanguage): string {
  const [visitId, timepointId] = visitKey.split('/');
  const visit = protocol.schedule.visits.find((entry) => entry.id === visitId);
  if (!visit) return visitKey;
  const timepoint = visit.timepoints.find((entry) => entry.id === timepointId);
  return timepoint
    ? `${localized(visit.name, language)} · ${localized(timepoint.name, language)}`
    : localized(visit.name, language);
}

const FIELD = /^(.+):([A-Za-z]\w*)\[(\d+)\]\.([A-Za-z]\w*)$/;
/** An adverse event's field in the trail: `AE3.grade`. */
const AE_FIELD = /^AE(\d+)\.([A-Za-z]\w*)$/;

/** An audit event's field (`day-1:vitals[1].spo2`) by the names of its visit, form and item. */
export function fieldText(protocol: Protocol, field: string | null, language: PaperLanguage): string {
  if (!field) return '';
  const event = AE_FIELD.exec(field);
  if (event) {
    const item = fieldItem(protocol, field);
    return `${word(language, 'event')} ${event[1]} · ${item ? localized(item.label, language) : event[2]}`;
  }
  const parts = FIELD.exec(field);
  if (!parts) return field;
  const [, visitKey = '', formId = '', instance = '1', itemId = ''] = parts;
  const form = formOf(protocol, formId);
  const item = form?.items.find((entry) => entry.id === itemId);
  const formName = form ? localized(form.title, language) : formId;
  const entry = instance === '1' ? '' : ` #${instance}`;
  return `${visitKeyText(protocol, visitKey, language)} · ${formName}${entry} · ${item ? localized(item.label, language) : itemId}`;
}

/** The item an audit event's field names, for reading its old and new values. */
export function fieldItem(protocol: Protocol, field: string | null): ProtocolItem | undefined {
  const event = field ? AE_FIELD.exec(field) : null;
  if (event)
    return formOf(protocol, protocol.safety.adverseEvents.form)?.items.find((entry) => entry.id === event[2]);
  const parts = field ? FIELD.exec(field) : null;
  if (!parts) return undefined;
  return formOf(protocol, parts[2] ?? '')?.items.find((entry) => entry.id === parts[4]);
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;

/**
 * An audit event's old or new value as text. A form value reads as the form shows it; other events
 * (a signature, an SDV mark, a status change) keep their plain details, without internal ids, with
 * instants on the site's clock.
 */
export function auditValueText(
  protocol: Protocol,
  field: string | null,
  value: unknown,
  language: PaperLanguage,
  timeZone: string,
): string {
  if (value === null || value === undefined) return '';
  const item = fieldItem(protocol, field);
  if (typeof value !== 'object' || Array.isArray(value) || 'value' in value || 'missing' in value) {
    return entryText(protocol, item, value, language);
  }
  const details = Object.entries(value as Record<string, unknown>).filter(
    ([key, detail]) =>
      !/id$/i.test(key) &&
      key !== 'records' &&
      detail !== null &&
      detail !== '' &&
      typeof detail !== 'object',
  );
  const text = details
    .map(([key, detail]) => {
      const shown =
        typeof detail === 'string' && ISO_INSTANT.test(detail)
          ? siteTime(detail, timeZone)
          : key === 'revision'
            ? String(detail)
            : valueText(protocol, undefined, detail, language);
      return `${key}: ${shown}`;
    })
    .join('; ');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
