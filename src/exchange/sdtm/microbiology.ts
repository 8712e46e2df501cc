import type { ProtocolItem } from '../../protocol/schema.ts';
import { entriesOfRecord } from '../source.ts';
import { codeLabel, isoText, type SdtmContext, type SubjectContext, visitOf } from './context.ts';
import type { SdtmRow } from './variables.ts';

// MB from every form item mapped to `{domain: MB, testCode}` (MEXCOVID's RT-PCR): one record per test per
// form record, so a repeating form's every instance (a series of RT-PCR) is a record with its own date.

/** CDISC test names for the protocol's MB test codes; other codes take the item's label. */
const testNames: Record<string, string> = {
  SARSCOV2: 'SARS-CoV-2 RNA',
  CTVALUE: 'Cycle Threshold',
};

const textOf = (value: unknown): string | null =>
  value === null || value === undefined || value === '' ? null : String(value);

export function buildMb(context: SdtmContext, subject: SubjectContext): SdtmRow[] {
  const rows: SdtmRow[] = [];
  for (const form of context.protocol.forms) {
    const tests = form.items.filter((item) => item.sdtm?.domain === 'MB' && item.sdtm.testCode);
    if (tests.length === 0) continue;
    const dateItem = form.items.find((item) => item.sdtm?.variable === 'MBDTC');
    const specimenItem = form.items.find((item) => item.sdtm?.variable === 'MBSPEC');
    for (const record of subject.subject.records) {
      if (record.form_id !== form.id) continue;
      const entries = entriesOfRecord(record);
      const dtc = dateItem ? isoText(entries[dateItem.id]?.value) : null;
      const specimenEntry = specimenItem ? entries[specimenItem.id] : undefined;
      const specimen = specimenEntry?.missing
        ? null
        : codeLabel(context.protocol, specimenItem, specimenEntry?.value);
      for (const item of tests) {
        const row = testRow(context, item, entries[item.id]);
        if (!row) continue;
        rows.push({
          STUDYID: context.studyId,
          DOMAIN: 'MB',
          USUBJID: subject.usubjid,
          ...row,
          MBSPEC: specimen?.toUpperCase() ?? null,
          ...visitOf(context, record),
          MBDTC: subject.dates.date(dtc),
          MBDY: subject.studyDay(dtc),
          original: dtc ?? '\uffff',
        });
      }
    }
  }
  // In collection order (undated last), so MBSEQ follows the series as it was taken.
  rows.sort((a, b) => String(a.original).localeCompare(String(b.original)));
  return rows.map(({ original: _original, ...row }, index) => ({ ...row, MBSEQ: index + 1 }));
}

function testRow(
  context: SdtmContext,
  item: ProtocolItem,
  entry: ReturnType<typeof entriesOfRecord>[string] | undefined,
): SdtmRow | null {
  if (!entry) return null;
  const value = entry.missing ? null : entry.value;
  if (!entry.missing && textOf(value) === null) return null;
  const testCode = item.sdtm?.testCode ?? '';
  // A coded result reads as its label (POSITIVE), a number as itself.
  const text = typeof value === 'number' ? String(value) : textOf(codeLabel(context.protocol, item, value));
  const standard = text === null || typeof value === 'number' ? text : text.toUpperCase();
  return {
    MBTESTCD: testCode,
    MBTEST: (testNames[testCode] ?? item.label.en).slice(0, 40),
    MBORRES: text,
    MBSTRESC: standard,
    MBSTRESN: typeof value === 'number' ? value : null,
    MBSTAT: entry.missing ? 'NOT DONE' : null,
    MBREASND: entry.missing ? (entry.missingReason ?? entry.missing.replace('_', ' ').toUpperCase()) : null,
  };
}
