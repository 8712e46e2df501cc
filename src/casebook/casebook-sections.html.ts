import type { Entries } from '../crf/entries.ts';
import type { CasebookSource } from './casebook.loader.ts';
import { actionWord, type PaperLanguage, stateWord, type Word, word } from './casebook-words.ts';
import { esc, localized, siteTime } from './paper-html.ts';
import { auditValueText, entryText, fieldText, formOf, visitKeyText } from './value-text.ts';

// The casebook's sections after the visits: doses, adverse events, and the audit trail appendix.

const head = (language: PaperLanguage, keys: Word[]) =>
  `<tr>${keys.map((key) => `<th>${esc(word(language, key))}</th>`).join('')}</tr>`;
const row = (cells: string[]) => `<tr>${cells.map((cell) => `<td>${esc(cell)}</td>`).join('')}</tr>`;

export function dosingSection(source: CasebookSource, language: PaperLanguage): string {
  const title = `<h2 class="page">${esc(word(language, 'dosing'))}</h2>`;
  if (source.doses.length === 0) return `${title}<p>${esc(word(language, 'none'))}</p>`;
  const zone = source.site.timeZone;
  const when = (local: string | null, at: Date | string | null) =>
    local ? local.replace('T', ' ') : at ? siteTime(at, zone) : '';
  const rows = source.doses.map((dose) =>
    row([
      String(dose.dose_number),
      visitKeyText(source.protocol, dose.visit_id, language),
      stateWord(language, dose.status),
      dose.vial_number ?? '',
      when(dose.started_local, dose.started_at),
      when(dose.ended_local, dose.ended_at),
      dose.volume_ml === null ? '' : `${dose.volume_ml} mL`,
      dose.device ?? '',
      [dose.interruption_reason, dose.not_given_reason, dose.window_reason].filter(Boolean).join('; '),
    ]),
  );
  return `${title}<table class="doses">${head(language, ['dose', 'visit', 'status', 'vial', 'started', 'ended', 'volume', 'device', 'reason'])}${rows.join('')}</table>`;
}

export function adverseEventsSection(source: CasebookSource, language: PaperLanguage): string {
  const title = `<h2>${esc(word(language, 'adverseEvents'))}</h2>`;
  if (source.adverseEvents.length === 0) return `${title}<p>${esc(word(language, 'none'))}</p>`;
  const blocks = source.adverseEvents.map((event) => {
    // Each event as the version it was entered under defines its form; a saved value that form
    // lacks is still printed, under its item id.
    const { protocol } = source.versionOf(event);
    const form = formOf(protocol, protocol.safety.adverseEvents.form);
    const entries = event.entries as Entries;
    const itemIds = [
      ...(form?.items.map((item) => item.id).filter((id) => entries[id]) ?? []),
      ...Object.keys(entries).filter((id) => !form?.items.some((item) => item.id === id)),
    ];
    const rows = itemIds.map((itemId) => {
      const item = form?.items.find((entry) => entry.id === itemId);
      return row([
        item ? localized(item.label, language) : itemId,
        entryText(protocol, item, entries[itemId], language),
      ]);
    });
    const term = typeof entries.term?.value === 'string' ? `: ${entries.term.value}` : '';
    return `<h3>${esc(`${word(language, 'event')} ${event.ae_number}${term}`)}</h3><table class="values">${head(language, ['item', 'value'])}${rows.join('')}</table>`;
  });
  return `${title}${blocks.join('\n')}`;
}

/** Every audit event of the participant, oldest first, as a person reads it. */
export function auditAppendix(source: CasebookSource, language: PaperLanguage): string {
  const title = `<h2 class="page">${esc(word(language, 'auditTrail'))}</h2>`;
  if (source.audit.length === 0) return `${title}<p>${esc(word(language, 'none'))}</p>`;
  const zone = source.site.timeZone;
  const rows = source.audit.map((event) => {
    // Fields of any version: an event may name an item a later amendment removed.
    const old = auditValueText(source.allVersions, event.field, event.old_value, language, zone);
    const next = auditValueText(source.allVersions, event.field, event.new_value, language, zone);
    return row([
      siteTime(event.occurred_at, zone),
      event.personName,
      actionWord(language, event.action),
      fieldText(source.allVersions, event.field, language),
      old || next ? `${old || '—'} → ${next || '—'}` : '',
      event.reason ?? '',
    ]);
  });
  return `${title}<p class="muted">${esc(`${word(language, 'timesIn')}: ${zone}`)}</p><table class="audit">${head(language, ['time', 'person', 'action', 'field', 'change', 'reason'])}${rows.join('')}</table>`;
}
