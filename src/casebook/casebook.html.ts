import type { Selectable } from 'kysely';
import type { Entries } from '../crf/entries.ts';
import { checkForm, type FormCheckResult } from '../crf/form-checks.ts';
import type { FormRecordTable } from '../db/schema-participants.ts';
import { formSlots } from '../participants/schedule.ts';
import type { Protocol, ProtocolForm } from '../protocol/schema.ts';
import type { CasebookSource } from './casebook.loader.ts';
import { adverseEventsSection, auditAppendix, dosingSection } from './casebook-sections.html.ts';
import { type PaperLanguage, stateWord, word } from './casebook-words.ts';
import { esc, localized, paperDocument, siteTime } from './paper-html.ts';
import { entryText, formOf, visitKeyText } from './value-text.ts';

// A participant's casebook as one printable HTML page: the header, consent, every saved form of every
// visit with each value's status, SDV marks and signatures, the doses, the adverse events, and the
// participant's audit trail as an appendix.

type RecordRow = Selectable<FormRecordTable>;

export interface CasebookPrint {
  language: PaperLanguage;
  printedAt: Date;
  printedBy: string;
}

const STYLE = `
.form{break-inside:auto;margin-bottom:6pt}
.values td:first-child{width:34%}
.values td:nth-child(3){width:22%}
.values td:nth-child(4){width:20%}
.signed{margin:0 0 6pt;font-size:8.5pt}
.audit td{font-size:8pt}
.audit td:first-child,.doses td:nth-child(4),.doses td:nth-child(5),.doses td:nth-child(6),.time{white-space:nowrap}
`;

/** A site time that never wraps inside (a line break in a date reads as two values). */
const timeHtml = (at: Date | string, zone: string) => `<span class="time">${esc(siteTime(at, zone))}</span>`;

export function participantNumber(source: CasebookSource): string {
  return source.participant.study_number ?? source.participant.screening_number;
}

function header(source: CasebookSource, print: CasebookPrint): string {
  const { participant, site, protocol } = source;
  const language = print.language;
  const w = (key: Parameters<typeof word>[1]) => word(language, key);
  const rows: Array<[string, string]> = [
    [w('studyNumber'), participant.study_number ?? '—'],
    [w('screeningNumber'), participant.screening_number],
    [w('site'), `${site.name[language]} (${site.code})`],
    [w('status'), stateWord(language, participant.status)],
    [w('day1'), participant.day1_date ?? '—'],
    [w('protocolVersion'), String(source.protocolVersion)],
    [
      w('printed'),
      `${siteTime(print.printedAt, site.timeZone)} (${site.timeZone}), ${w('printedBy')} ${print.printedBy}`,
    ],
  ];
  return `<h1>${esc(`${w('casebook')} ${participantNumber(source)}`)}</h1>
<p>${esc(`${protocol.study.shortTitle} · ${protocol.study.registryId} · ${localized(protocol.study.title, language)}`)}</p>
<table class="meta">${rows.map(([label, value]) => `<tr><td class="muted">${esc(label)}</td><td>${esc(value)}</td></tr>`).join('')}</table>
<p class="muted">${esc(w('timesIn'))}: ${esc(site.timeZone)}</p>`;
}

function consentSection(source: CasebookSource, language: PaperLanguage): string {
  const w = (key: Parameters<typeof word>[1]) => word(language, key);
  const rows = source.consents.map((consent) => {
    const signer =
      consent.signer === 'participant'
        ? w('self')
        : `${w('representative')}: ${consent.representative_name ?? ''} (${consent.representative_relation ?? ''})`;
    return `<tr><td>${esc(consent.form_version)}</td><td>${esc(siteTime(consent.consented_at, source.site.timeZone))}</td><td>${esc(consent.obtainedByName)}</td><td>${esc(signer)}</td></tr>`;
  });
  return `<h2>${esc(w('consent'))}</h2>${
    rows.length === 0
      ? `<p>${esc(w('none'))}</p>`
      : `<table><tr><th>${esc(w('formVersion'))}</th><th>${esc(w('consentedAt'))}</th><th>${esc(w('obtainedBy'))}</th><th>${esc(w('signer'))}</th></tr>${rows.join('')}</table>`
  }`;
}

/**
 * One item's line: its value (a computed item's as the rules compute it), and its status: missing when
 * required and shown, skipped when the skip logic hides it, its queries, its revision; and its SDV
 * mark, which counts only when made on the current revision.
 */
function itemCells(
  source: CasebookSource,
  protocol: Protocol,
  record: RecordRow,
  form: ProtocolForm,
  check: FormCheckResult,
  itemId: string,
  language: PaperLanguage,
) {
  const entry = (record.entries as Entries)[itemId];
  const item = form.items.find((candidate) => candidate.id === itemId);
  const status: string[] = [];
  let value = entry ? entryText(protocol, item, entry, language) : '';
  if (entry?.missing || check.incomplete.includes(itemId)) status.push(word(language, 'missing'));
  else if (!entry && item?.derivation) {
    const computed = check.values[`${form.id}.${itemId}`];
    // Shown as the item keeps its values: a decimal to its precision, an integer whole.
    const rounded =
      typeof computed === 'number' && Number.isFinite(computed)
        ? item.type === 'integer'
          ? Math.round(computed)
          : Number(computed.toFixed(item.precision ?? 2))
        : computed;
    value = entryText(protocol, item, { value: rounded }, language);
    if (value) status.push(word(language, 'computed'));
  } else if (!entry && !check.shown.has(itemId)) status.push(word(language, 'skipped'));
  for (const query of source.queries) {
    if (query.record_id !== record.record_id || query.item_id !== itemId) continue;
    const key =
      query.status === 'open' ? 'queryOpen' : query.status === 'answered' ? 'queryAnswered' : 'queryClosed';
    status.push(word(language, key));
  }
  if (entry) status.push(`${word(language, 'revision')} ${entry.revision}`);
  const mark = source.sdv.find((sdv) => sdv.record_id === record.record_id && sdv.item_id === itemId);
  const sdv =
    !mark || !entry
      ? ''
      : mark.verified_revision === entry.revision
        ? `${esc(`✓ ${mark.verified_by},`)} ${timeHtml(mark.verified_at, source.site.timeZone)}`
        : esc(`${word(language, 'sdvOld')} (${word(language, 'revision')} ${mark.verified_revision})`);
  // sdv is HTML already (its time must not wrap); the others are text.
  return { label: item ? localized(item.label, language) : itemId, value, status: status.join('; '), sdv };
}

function signatureLines(source: CasebookSource, recordId: string | null, language: PaperLanguage): string {
  const signatures = source.signatures.filter((signature) =>
    recordId ? signature.record_id === recordId : signature.scope !== 'form',
  );
  if (signatures.length === 0) return '';
  const zone = source.site.timeZone;
  const lines = signatures.map((signature) => {
    const broken = signature.broken_at
      ? ` — ${esc(word(language, 'signatureBroken'))} ${timeHtml(signature.broken_at, zone)}`
      : '';
    return `${esc(`${signature.signer_name} · ${word(language, 'meaning')}: ${signature.meaning} ·`)} ${timeHtml(signature.signed_at, zone)}${broken}`;
  });
  return `<p class="signed"><b>${esc(word(language, 'signatures'))}:</b> ${lines.join('<br>')}</p>`;
}

function recordBlock(source: CasebookSource, record: RecordRow, language: PaperLanguage): string {
  // The form as the version the record was entered under defines it (its items, labels and checks).
  const { protocol, versionNo } = source.versionOf(record);
  const form = formOf(protocol, record.form_id);
  const title = form ? localized(form.title, language) : record.form_id;
  const entries = record.entries as Entries;
  const itemIds = form
    ? [
        ...form.items.map((item) => item.id),
        ...Object.keys(entries).filter((id) => !form.items.some((item) => item.id === id)),
      ]
    : Object.keys(entries);
  const check = form ? checkForm(protocol, form, entries, source.ruleContext) : null;
  // A value with no item in its version's form is printed all the same, under its item id.
  const rows = itemIds.map((itemId) => {
    const cells =
      form && check
        ? itemCells(source, protocol, record, form, check, itemId, language)
        : {
            label: itemId,
            value: entryText(protocol, undefined, entries[itemId], language),
            status: '',
            sdv: '',
          };
    return `<tr><td>${esc(cells.label)}</td><td>${esc(cells.value)}</td><td>${esc(cells.status)}</td><td>${cells.sdv}</td></tr>`;
  });
  const entered =
    versionNo === source.protocolVersion ? '' : ` · ${word(language, 'protocolVersion')} ${versionNo}`;
  const instance = record.instance > 1 ? ` · ${word(language, 'instance')} ${record.instance}` : '';
  const locked = record.locked_at
    ? ` · ${word(language, 'locked')} ${siteTime(record.locked_at, source.site.timeZone)}`
    : '';
  return `<div class="form"><h3>${esc(`${title} — ${visitKeyText(protocol, record.visit_id, language)}${instance}${locked}${entered}`)}</h3>
<table class="values"><tr><th>${esc(word(language, 'item'))}</th><th>${esc(word(language, 'value'))}</th><th>${esc(word(language, 'state'))}</th><th>${esc(word(language, 'sdv'))}</th></tr>${rows.join('')}</table>
${signatureLines(source, record.record_id, language)}</div>`;
}

/** Every form of every visit in the schedule's order; a slot never saved says so in one line. */
function visitsSection(source: CasebookSource, language: PaperLanguage): string {
  const { protocol } = source;
  const shown = new Set<string>();
  const parts: string[] = [`<h2>${esc(word(language, 'visits'))}</h2>`];
  for (const visit of protocol.schedule.visits) {
    const slots = formSlots(protocol).filter((slot) => slot.visitId === visit.id);
    if (slots.length === 0) continue;
    parts.push(`<h2>${esc(localized(visit.name, language))}</h2>`);
    for (const slot of slots) {
      const records = source.records
        .filter((record) => record.visit_id === slot.visitKey && record.form_id === slot.formId)
        .sort((a, b) => a.instance - b.instance);
      for (const record of records) {
        shown.add(record.record_id);
        parts.push(recordBlock(source, record, language));
      }
      if (records.length === 0) {
        const form = formOf(protocol, slot.formId);
        parts.push(
          `<p class="muted">${esc(`${form ? localized(form.title, language) : slot.formId} — ${visitKeyText(protocol, slot.visitKey, language)}: ${word(language, 'notEntered')}`)}</p>`,
        );
      }
    }
  }
  // Records of a slot an amendment has since removed are printed too: nothing saved is left out.
  for (const record of source.records)
    if (!shown.has(record.record_id)) parts.push(recordBlock(source, record, language));
  return parts.join('\n');
}

export function renderCasebookHtml(source: CasebookSource, print: CasebookPrint): string {
  const { language } = print;
  const body = [
    header(source, print),
    consentSection(source, language),
    signatureLines(source, null, language),
    visitsSection(source, language),
    dosingSection(source, language),
    adverseEventsSection(source, language),
    auditAppendix(source, language),
  ].join('\n');
  return paperDocument(`${word(language, 'casebook')} ${participantNumber(source)}`, language, STYLE, body);
}
