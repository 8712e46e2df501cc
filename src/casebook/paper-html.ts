import type { LocalizedText, Protocol, ProtocolItem } from '../protocol/schema.ts';
import type { PaperLanguage } from './casebook-words.ts';

// The HTML around the printed casebook and worksheets. Everything that came from a person or a file
// (values, names, reasons, protocol labels) passes through `esc` before it reaches the page; the page
// is then printed with JavaScript off and the network refused (src/report/report.pdf.ts).

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML element content and quoted attribute values. */
export const esc = (text: string): string => text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);

export const localized = (text: LocalizedText | undefined, language: PaperLanguage): string =>
  text ? text[language] : '';

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** An instant as the site's wall clock reads it: `2026-12-03 08:15`. */
export function siteTime(at: Date | string, timeZone: string): string {
  let formatter = zoneFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    zoneFormatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(
    formatter.formatToParts(new Date(at)).map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

// UCUM codes as a ward writes them; a code not listed prints as it is.
const UNIT_TEXT: Record<string, string> = {
  a: 'y',
  Cel: '°C',
  'mm[Hg]': 'mmHg',
  'cm[H2O]': 'cmH2O',
  '/min': '/min',
  '10*9/L': '×10⁹/L',
  '10*12/L': '×10¹²/L',
  '[iU]/L': 'IU/L',
  'U/L': 'U/L',
};

/** A UCUM unit code as people read it (`Cel` → `°C`). */
export const unitText = (unit: string | undefined): string => (unit ? (UNIT_TEXT[unit] ?? unit) : '');

/** The code list of a choice item: its own choices, or the protocol's list it names. */
export function choicesOf(
  protocol: Protocol,
  item: ProtocolItem,
): Array<{ code: string; label: LocalizedText }> {
  if (item.choices) return item.choices;
  if (!item.codeList) return [];
  return protocol.codeLists.find((list) => list.id === item.codeList)?.items ?? [];
}

const BASE_STYLE = `
@page{size:A4}
body{font-size:9.5pt;color:#111;margin:0;line-height:1.35}
h1{font-size:16pt;margin:0 0 4pt}
h2{font-size:12.5pt;margin:14pt 0 4pt;border-bottom:1.2pt solid #333;padding-bottom:2pt;break-after:avoid}
h3{font-size:10.5pt;margin:10pt 0 3pt;break-after:avoid}
table{border-collapse:collapse;width:100%;margin:2pt 0 6pt}
th,td{border:0.6pt solid #888;padding:2pt 4pt;text-align:left;vertical-align:top}
th{background:#eee;font-weight:600}
tr{break-inside:avoid}
.meta td{border:none;padding:1pt 6pt 1pt 0}
.muted{color:#555}
.flag{font-weight:600}
.unit{color:#444}
.page{break-before:page}
`;

/** A whole printable document: the title, the language and the page's own style around the body. */
export function paperDocument(title: string, language: PaperLanguage, style: string, body: string): string {
  // Chinese pages take the CJK font first (its punctuation is full width); English pages a Latin
  // font first, with the CJK font (Debian's fonts-noto-cjk) for any Chinese text in the data.
  const fonts =
    language === 'zh'
      ? '"Noto Sans CJK SC","DejaVu Sans",sans-serif'
      : 'Arial,"Liberation Sans","DejaVu Sans","Noto Sans CJK SC",sans-serif';
  return `<!doctype html>
<html lang="${language === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${esc(title)}</title><style>body{font-family:${fonts}}${BASE_STYLE}${style}</style></head>
<body>${body}</body></html>
`;
}
