import type { ProtocolForm, ProtocolItem } from '../../protocol/schema.ts';
import { entriesOfRecord } from '../source.ts';
import { isoText, type SdtmContext, type SubjectContext, visitOf } from './context.ts';
import type { SdtmRow } from './variables.ts';

// VS and LB from every form item mapped to `{domain: VS|LB, testCode}`: one record per item per form record.

/** CDISC UNIT submission values for the UCUM codes of the protocol; other units pass through as UCUM. */
const cdiscUnits: Record<string, string> = {
  Cel: 'C',
  'mm[Hg]': 'mmHg',
  '10*9/L': '10^9/L',
  'mg/L{FEU}': 'mg/L FEU',
  '{EU}/mL': 'EU/mL',
};
const perMinute: Record<string, string> = { HR: 'beats/min', RESP: 'breaths/min' };

/** CDISC test names where the controlled terminology names the test differently from our label. */
const testNames: Record<string, string> = {
  TEMP: 'Temperature',
  HR: 'Heart Rate',
  RESP: 'Respiratory Rate',
  SYSBP: 'Systolic Blood Pressure',
  DIABP: 'Diastolic Blood Pressure',
  OXYSAT: 'Oxygen Saturation',
  WEIGHT: 'Weight',
  HEIGHT: 'Height',
  WBC: 'Leukocytes',
  LYM: 'Lymphocytes',
  NEUT: 'Neutrophils',
  HGB: 'Hemoglobin',
  PLAT: 'Platelets',
  CRP: 'C Reactive Protein',
  IL6: 'Interleukin 6',
  DDIMER: 'Fibrin D-Dimer',
  ALT: 'Alanine Aminotransferase',
  AST: 'Aspartate Aminotransferase',
  BILI: 'Bilirubin',
  CREAT: 'Creatinine',
  CREATCLR: 'Creatinine Clearance',
  PH: 'pH',
  PO2: 'Partial Pressure Oxygen',
  PCO2: 'Partial Pressure Carbon Dioxide',
  FIO2: 'Inspired Oxygen Fraction',
  PO2FO2: 'PaO2/FiO2',
};

export function sdtmUnit(unit: string | undefined, testCode: string): string | null {
  if (!unit) return null;
  if (unit === '/min') return perMinute[testCode] ?? '/min';
  return cdiscUnits[unit] ?? unit;
}

interface FindingForm {
  form: ProtocolForm;
  dateItem: ProtocolItem | undefined;
  tests: ProtocolItem[];
}

const findingFormsCache = new WeakMap<object, Map<string, FindingForm[]>>();

/** Forms with items mapped to a findings domain, with the item that dates them. */
export function findingForms(context: SdtmContext, domain: 'VS' | 'LB'): FindingForm[] {
  let byDomain = findingFormsCache.get(context.protocol);
  if (!byDomain) {
    byDomain = new Map();
    findingFormsCache.set(context.protocol, byDomain);
  }
  const cached = byDomain.get(domain);
  if (cached) return cached;
  const forms = context.protocol.forms
    .map((form) => ({
      form,
      dateItem: form.items.find((item) => item.sdtm?.variable === `${domain}DTC`),
      tests: form.items.filter((item) => item.sdtm?.domain === domain && item.sdtm.testCode),
    }))
    .filter((entry) => entry.tests.length > 0);
  byDomain.set(domain, forms);
  return forms;
}

const resultText = (value: unknown): string | null =>
  value === true ? 'Y' : value === false ? 'N' : value === null || value === undefined ? null : String(value);

const indicators = { low: 'LOW', normal: 'NORMAL', high: 'HIGH' } as const;

/** LB's reference range variables for a value: the site's range that applied when it was saved, and its flag. */
function labRange(subject: SubjectContext, recordId: string, itemId: string): SdtmRow {
  const flag = subject.subject.labFlags.find(
    (entry) => entry.recordId === recordId && entry.itemId === itemId,
  );
  return {
    LBORNRLO: flag?.rangeLow === null || flag?.rangeLow === undefined ? null : String(flag.rangeLow),
    LBORNRHI: flag?.rangeHigh === null || flag?.rangeHigh === undefined ? null : String(flag.rangeHigh),
    LBSTNRLO: flag?.standardLow ?? null,
    LBSTNRHI: flag?.standardHigh ?? null,
    LBNRIND: flag?.flag ? indicators[flag.flag] : null,
  };
}

export function buildFindings(domain: 'VS' | 'LB', context: SdtmContext, subject: SubjectContext): SdtmRow[] {
  const rows: SdtmRow[] = [];
  for (const { form, dateItem, tests } of findingForms(context, domain)) {
    const category = form.title.en.toUpperCase();
    for (const record of subject.subject.records) {
      if (record.form_id !== form.id) continue;
      const entries = entriesOfRecord(record);
      const dtc = dateItem ? isoText(entries[dateItem.id]?.value) : null;
      const visit = visitOf(context, record);
      const timepoint = context.visits.get(record.visit_id)?.timepoint ?? null;
      for (const item of tests) {
        const entry = entries[item.id];
        if (!entry) continue;
        const testCode = item.sdtm?.testCode ?? '';
        const value = entry.missing ? null : entry.value;
        if (!entry.missing && (value === null || value === undefined)) continue;
        const unit = sdtmUnit(item.unit, testCode);
        const text = resultText(value);
        // A value entered in another unit is reported as entered (ORRES/ORRESU), its conversion as standard.
        const original = entry.original;
        const originalText = original ? String(original.value) : text;
        const originalUnit = original ? sdtmUnit(original.unit, testCode) : unit;
        rows.push({
          STUDYID: context.studyId,
          DOMAIN: domain,
          USUBJID: subject.usubjid,
          [`${domain}TESTCD`]: testCode,
          [`${domain}TEST`]: (testNames[testCode] ?? item.label.en).slice(0, 40),
          [`${domain}CAT`]: category,
          [`${domain}ORRES`]: originalText,
          [`${domain}ORRESU`]: text === null ? null : originalUnit,
          [`${domain}STRESC`]: text,
          [`${domain}STRESN`]: typeof value === 'number' ? value : null,
          [`${domain}STRESU`]: text === null ? null : unit,
          ...(domain === 'LB' ? labRange(subject, record.record_id, item.id) : {}),
          [`${domain}STAT`]: entry.missing ? 'NOT DONE' : null,
          [`${domain}REASND`]: entry.missing
            ? (entry.missingReason ?? entry.missing.replace('_', ' ').toUpperCase())
            : null,
          ...visit,
          [`${domain}DTC`]: subject.dates.date(dtc),
          [`${domain}DY`]: subject.studyDay(dtc),
          [`${domain}TPT`]: timepoint?.name ?? null,
          [`${domain}TPTNUM`]: timepoint?.number ?? null,
          [`${domain}ELTM`]: timepoint?.elapsed ?? null,
          [`${domain}TPTREF`]: timepoint ? 'DOSE' : null,
        });
      }
    }
  }
  return rows.map((row, index) => ({ ...row, [`${domain}SEQ`]: index + 1 }));
}
