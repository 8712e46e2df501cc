import { escapeXml as esc } from '../analysis/svg.ts';
import type { ReportStamp } from './report.model.ts';

// Formatting shared by the sections of the HTML report.

export const number = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || Number.isNaN(value)
    ? '—'
    : Number.isInteger(value) && digits <= 1
      ? String(value)
      : value.toFixed(digits);
export const percent = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;
export const pValue = (value: number): string => (value < 0.0001 ? '< 0.0001' : value.toFixed(4));

/** A table whose caption carries the data cut and protocol version, as every table of the report does. */
export function table(
  caption: string,
  model: ReportStamp,
  head: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  return [
    '<table>',
    `<caption>${esc(caption)}<br><span class="stamp">Data cut ${esc(model.dataCut)} · protocol version ${esc(model.protocolVersion)}</span></caption>`,
    `<thead><tr>${head.map((cell) => `<th>${esc(cell)}</th>`).join('')}</tr></thead>`,
    `<tbody>${rows.map((row) => `<tr>${row.map((cell) => `<td>${esc(cell)}</td>`).join('')}</tr>`).join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}
