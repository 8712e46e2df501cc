import { formSlots } from '../participants/schedule.ts';
import type { Protocol, ProtocolForm, ProtocolItem } from '../protocol/schema.ts';
import { type PaperLanguage, type Word, word } from './casebook-words.ts';
import { choicesOf, esc, localized, paperDocument, unitText } from './paper-html.ts';
import { visitKeyText } from './value-text.ts';

// Blank worksheets of the protocol's forms for paper source (a ward where tablets may not go): one
// page per form, a header to fill in, each item with its label, unit and a place to write or tick.

const STYLE = `
.sheet{break-after:page}
.sheet:last-child{break-after:auto}
.head td{border:0.6pt solid #444;height:20pt;width:33%}
.head .label{font-size:8pt;color:#444;display:block}
.items td:first-child{width:42%}
.box{display:inline-block;border:0.8pt solid #222;width:9pt;height:11pt;margin-right:1.5pt;vertical-align:middle}
.line{display:inline-block;border-bottom:0.8pt solid #222;min-width:70%;height:12pt}
.tick{display:inline-block;border:0.8pt solid #222;width:8pt;height:8pt;margin:0 3pt 0 6pt;vertical-align:middle}
.choice{display:inline-block;margin:1pt 4pt 1pt 0;white-space:nowrap}
.note{font-size:7.5pt;color:#555}
.nd{font-size:7.5pt;color:#555;white-space:nowrap}
`;

export interface WorksheetSlot {
  form: ProtocolForm;
  /** The visit (or visit/timepoint) the sheet is for, or null when written in by hand. */
  visitKey: string | null;
}

const boxes = (count: number) => '<span class="box"></span>'.repeat(count);
const dateBoxes = () => `${boxes(4)}-${boxes(2)}-${boxes(2)}`;

function numberBoxes(item: ProtocolItem): string {
  const high = Math.max(Math.abs(item.range?.high ?? 999), Math.abs(item.range?.low ?? 0));
  const digits = Math.min(Math.max(String(Math.trunc(high)).length, 2), 7);
  const decimals = item.type === 'decimal' ? `.${boxes(item.precision ?? 1)}` : '';
  return `${boxes(digits)}${decimals} <span class="unit">${esc(unitText(item.unit))}</span>`;
}

function answerCell(protocol: Protocol, item: ProtocolItem, language: PaperLanguage): string {
  if (item.derivation) return `<span class="note">${esc(word(language, 'calculated'))}</span>`;
  switch (item.type) {
    case 'integer':
    case 'decimal':
      return numberBoxes(item);
    case 'date':
      return dateBoxes();
    case 'datetime':
      return `${dateBoxes()} &nbsp; ${boxes(2)}:${boxes(2)}`;
    case 'boolean':
      return ['yes', 'no']
        .map(
          (key) =>
            `<span class="choice"><span class="tick"></span>${esc(word(language, key as Word))}</span>`,
        )
        .join('');
    case 'choice':
    case 'multichoice': {
      const note = word(language, item.type === 'choice' ? 'tickOne' : 'tickAll');
      const choices = choicesOf(protocol, item).map(
        (choice) =>
          `<span class="choice"><span class="tick"></span>${esc(localized(choice.label, language))}</span>`,
      );
      return `${choices.join(' ')} <span class="note">(${esc(note)})</span>`;
    }
    default:
      return '<span class="line"></span><br><span class="line"></span>';
  }
}

function itemRow(protocol: Protocol, item: ProtocolItem, language: PaperLanguage): string {
  const notes = [
    item.required ? word(language, 'required') : '',
    item.hint ? localized(item.hint, language) : '',
    item.showIf ? `${word(language, 'shownIf')}: ${item.showIf}` : '',
  ].filter(Boolean);
  const label = `${esc(localized(item.label, language))}${item.unit ? ` <span class="unit">(${esc(unitText(item.unit))})</span>` : ''}${
    notes.length > 0 ? `<br><span class="note">${esc(notes.join(' · '))}</span>` : ''
  }`;
  const notDone = item.derivation
    ? ''
    : `<span class="nd"><span class="tick"></span>${esc(word(language, 'notDoneBoxes'))}</span>`;
  return `<tr><td>${label}</td><td>${answerCell(protocol, item, language)}</td><td>${notDone}</td></tr>`;
}

function sheetHeader(protocol: Protocol, visitKey: string | null, language: PaperLanguage): string {
  const cell = (key: Word, content = '') =>
    `<td><span class="label">${esc(word(language, key))}</span>${esc(content)}</td>`;
  const study = `${protocol.study.shortTitle} (${protocol.study.registryId})`;
  const visit = visitKey ? visitKeyText(protocol, visitKey, language) : '';
  return `<table class="head"><tr>${cell('study', study)}${cell('site')}${cell('participantNumber')}</tr>
<tr>${cell('visit', visit)}${cell('date')}${cell('initials')}</tr></table>`;
}

function sheet(protocol: Protocol, slot: WorksheetSlot, language: PaperLanguage): string {
  const { form } = slot;
  const description = form.description
    ? `<p class="note">${esc(localized(form.description, language))}</p>`
    : '';
  return `<section class="sheet">${sheetHeader(protocol, slot.visitKey, language)}
<h2>${esc(localized(form.title, language))}</h2>${description}
<table class="items">${form.items.map((item) => itemRow(protocol, item, language)).join('')}</table></section>`;
}

/** Each form once (no visit given), or the forms of one visit and its timepoints, in schedule order. */
export function worksheetSlots(protocol: Protocol, visitId: string | null): WorksheetSlot[] {
  if (visitId === null) return protocol.forms.map((form) => ({ form, visitKey: null }));
  return formSlots(protocol)
    .filter((slot) => slot.visitId === visitId || slot.visitKey === visitId)
    .flatMap((slot) => {
      const form = protocol.forms.find((entry) => entry.id === slot.formId);
      return form ? [{ form, visitKey: slot.visitKey }] : [];
    });
}

export function renderBlankCrfHtml(
  protocol: Protocol,
  slots: WorksheetSlot[],
  language: PaperLanguage,
): string {
  const title = `${protocol.study.shortTitle} — ${word(language, 'blankTitle')}`;
  return paperDocument(
    title,
    language,
    STYLE,
    slots.map((slot) => sheet(protocol, slot, language)).join('\n'),
  );
}
