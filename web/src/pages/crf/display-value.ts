import type { TFunction } from 'i18next';
import type { Protocol, ProtocolItem } from '../../../../src/protocol/schema.ts';
import { formatDate, formatWallClock } from '../../format.ts';
import { displayUnit } from './field-input.tsx';

/**
 * A saved value as a person reads it, as the form page shows it: a code list's label, Yes/No, a date
 * or a time in the language's one format (format.ts), a number with its unit. Never JSON.
 */
export function displayValue(
  protocol: Protocol,
  item: ProtocolItem | undefined,
  value: unknown,
  t: TFunction,
  language: 'en' | 'zh',
  /** The site's zone, named beside a time when known. */
  timeZone?: string,
): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return t(value ? 'common.yes' : 'common.no');
  if (!item) return Array.isArray(value) ? value.join(', ') : String(value);
  const label = (code: unknown) => {
    const entries = item.choices ?? protocol.codeLists.find((list) => list.id === item.codeList)?.items ?? [];
    return entries.find((entry) => entry.code === code)?.label[language] ?? String(code);
  };
  switch (item.type) {
    case 'choice':
      return label(value);
    case 'multichoice':
      return Array.isArray(value) ? value.map(label).join(', ') : label(value);
    case 'date':
      return typeof value === 'string' ? formatDate(value, language) : String(value);
    case 'datetime':
      // Typed at the site: shown as it reads, in the language's one format, with the site's zone.
      return formatWallClock(value, language, timeZone);
    case 'integer':
    case 'decimal':
      return item.unit ? `${String(value)} ${displayUnit(item.unit)}` : String(value);
    default:
      return Array.isArray(value) ? value.join(', ') : String(value);
  }
}

/** A visit key (`day-2` or `day1/post30`) as its names in the protocol, as the casebook grid shows it. */
export function visitLabel(protocol: Protocol, visitKey: string, language: 'en' | 'zh'): string {
  const [visitId, timepointId] = visitKey.split('/');
  const visit = protocol.schedule.visits.find((entry) => entry.id === visitId);
  if (!visit) return visitKey;
  const timepoint = timepointId ? visit.timepoints.find((entry) => entry.id === timepointId) : undefined;
  if (timepointId && !timepoint) return visitKey;
  return timepoint ? `${visit.name[language]} · ${timepoint.name[language]}` : visit.name[language];
}
