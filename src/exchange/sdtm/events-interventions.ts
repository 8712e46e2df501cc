import type { CodedTerm } from '../../coding/coded-terms.ts';
import type { AdverseEventItemRole } from '../../protocol/schema.ts';
import { aeFormId, aeItemId } from '../../safety/ae-summary.ts';
import { fieldValue, givenDoses, recordsOf } from '../source.ts';
import {
  aeValue,
  codeLabel,
  domainForm,
  isoText,
  itemFor,
  itemOf,
  mappedValue,
  type SdtmContext,
  type SubjectContext,
  visitOf,
  yesNo,
} from './context.ts';
import { treatmentOf } from './dm-arms.ts';
import type { SdtmRow } from './variables.ts';

// MH, AE and CM from the eCRF forms medicalHistory, the protocol's adverse-event form and conmeds; EX from the dose records
// of the dosing module (or the eCRF exposure form where doses were kept there).

const aeActions: Record<string, string> = {
  none: 'DOSE NOT CHANGED',
  interrupted: 'DRUG INTERRUPTED',
  withdrawn: 'DRUG WITHDRAWN',
  'not-applicable': 'NOT APPLICABLE',
};
const aeOutcomes: Record<string, string> = {
  recovered: 'RECOVERED/RESOLVED',
  recovering: 'RECOVERING/RESOLVING',
  'not-recovered': 'NOT RECOVERED/NOT RESOLVED',
  'recovered-with-sequelae': 'RECOVERED/RESOLVED WITH SEQUELAE',
  fatal: 'FATAL',
  unknown: 'UNKNOWN',
};
const routes: Record<string, string> = {
  oral: 'ORAL',
  intravenous: 'INTRAVENOUS',
  subcutaneous: 'SUBCUTANEOUS',
  intramuscular: 'INTRAMUSCULAR',
  inhalation: 'RESPIRATORY (INHALATION)',
  topical: 'TOPICAL',
};
const seriousness: Array<[code: string, variable: string]> = [
  ['death', 'AESDTH'],
  ['life-threatening', 'AESLIFE'],
  ['hospitalisation', 'AESHOSP'],
  ['disability', 'AESDISAB'],
  ['congenital-anomaly', 'AESCONG'],
  ['important-medical-event', 'AESMIE'],
];

/** AE's MedDRA variables from a coded term (LLT and its primary path); null for an uncoded event. */
function meddraVariables(coded: CodedTerm | undefined): SdtmRow {
  const term = coded?.dictionary === 'meddra' ? coded : undefined;
  const number = (code: string | undefined) => (code === undefined ? null : Number(code));
  return {
    AELLT: term?.llt.name ?? null,
    AELLTCD: number(term?.llt.code),
    AEDECOD: term?.pt.name ?? null,
    AEPTCD: number(term?.pt.code),
    AEHLT: term?.hlt.name ?? null,
    AEHLTCD: number(term?.hlt.code),
    AEHLGT: term?.hlgt.name ?? null,
    AEHLGTCD: number(term?.hlgt.code),
    // The primary SOC is both the body system of the analysis (AEBODSYS) and AESOC, as SDTMIG 3.3 asks.
    AEBODSYS: term?.soc.name ?? null,
    AEBDSYCD: number(term?.soc.code),
    AESOC: term?.soc.name ?? null,
    AESOCCD: number(term?.soc.code),
  };
}

/** CM's WHODrug variables: the preferred name and the ATC class of the coded drug. */
function whodrugVariables(coded: CodedTerm | undefined): SdtmRow {
  const drug = coded?.dictionary === 'whodrug' ? coded : undefined;
  return {
    CMDECOD: drug?.preferredName ?? null,
    CMCLAS: drug?.atcText ?? null,
    CMCLASCD: drug?.atcCode ?? null,
  };
}

const withSeq = (prefix: string, rows: SdtmRow[]) =>
  rows.map((row, index) => ({ ...row, [`${prefix}SEQ`]: index + 1 }));

export function buildMh(context: SdtmContext, subject: SubjectContext): SdtmRow[] {
  // The protocol's MH form, its items read by their SDTM mapping: the start of the condition under study
  // (MHSTDTC), conditions asked as yes/no (MHOCCUR) and named in free text (MHTERM).
  const form = domainForm(context.protocol, 'MH');
  const record = form && recordsOf(subject.subject, form.id)[0];
  if (!form || !record) return [];
  const base = { STUDYID: context.studyId, DOMAIN: 'MH', USUBJID: subject.usubjid };
  const rows: SdtmRow[] = [];
  const onset = isoText(mappedValue(record, form, 'MHSTDTC'));
  if (onset) {
    rows.push({
      ...base,
      MHTERM: context.protocol.study.condition.name.en,
      MHCAT: 'PRIMARY DIAGNOSIS',
      MHPRESP: 'Y',
      MHOCCUR: 'Y',
      MHSTDTC: subject.dates.date(onset),
    });
  }
  for (const item of form.items) {
    if (item.sdtm?.variable === 'MHOCCUR' && item.type === 'boolean') {
      const occurred = yesNo(fieldValue(record, item.id));
      if (occurred)
        rows.push({
          ...base,
          MHTERM: item.label.en,
          MHCAT: 'COMORBIDITIES',
          MHPRESP: 'Y',
          MHOCCUR: occurred,
        });
    }
    if (item.sdtm?.variable === 'MHTERM') {
      const text = fieldValue(record, item.id);
      if (typeof text === 'string' && text.trim())
        rows.push({ ...base, MHTERM: text.trim(), MHCAT: 'COMORBIDITIES' });
    }
  }
  return withSeq('MH', rows);
}

export function buildAe(context: SdtmContext, subject: SubjectContext): SdtmRow[] {
  const { protocol } = context;
  const rows = recordsOf(subject.subject, aeFormId(protocol)).map((record) => {
    const value = (role: AdverseEventItemRole) => aeValue(protocol, record, role);
    const onset = isoText(value('onsetAt'));
    const resolved = isoText(value('resolvedAt'));
    const serious = value('serious');
    const criteria = (value('seriousnessCriteria') as string[] | null) ?? [];
    const causality = codeLabel(
      protocol,
      itemOf(protocol, aeFormId(protocol), aeItemId(protocol, 'causality') ?? ''),
      value('causality'),
    );
    const grade = value('grade');
    const ongoing = value('ongoing') === true;
    return {
      STUDYID: context.studyId,
      DOMAIN: 'AE',
      USUBJID: subject.usubjid,
      AESPID: String(record.instance),
      AETERM: (value('term') as string | null) ?? null,
      ...meddraVariables(subject.subject.codings?.get(record.record_id)),
      AESER: yesNo(serious),
      AEACN: aeActions[String(value('actionTaken'))] ?? null,
      AEREL: causality?.toUpperCase() ?? null,
      AEOUT: aeOutcomes[String(value('outcome'))] ?? null,
      ...Object.fromEntries(
        seriousness.map(([code, variable]) => [
          variable,
          serious === true ? (criteria.includes(code) ? 'Y' : 'N') : null,
        ]),
      ),
      AETOXGR: typeof grade === 'number' ? String(grade) : null,
      AESTDTC: subject.dates.date(onset),
      AEENDTC: subject.dates.date(resolved),
      AESTDY: subject.studyDay(onset),
      AEENDY: subject.studyDay(resolved),
      AEENRTPT: ongoing ? 'ONGOING' : null,
      AEENTPT: ongoing ? 'END OF STUDY' : null,
    };
  });
  return withSeq('AE', rows);
}

export function buildCm(context: SdtmContext, subject: SubjectContext): SdtmRow[] {
  // The protocol's CM form, its items read by their SDTM mapping (CMTRT, CMCAT, CMSTDTC, …).
  const form = domainForm(context.protocol, 'CM');
  if (!form) return [];
  const categoryItem = itemOf(context.protocol, form.id, itemFor(form, 'CMCAT') ?? '');
  const rows = recordsOf(subject.subject, form.id).map((record) => {
    const value = (variable: string) => mappedValue(record, form, variable);
    const start = isoText(value('CMSTDTC'));
    const end = isoText(value('CMENDTC'));
    const ongoing = value('CMENRTPT') === true;
    const route = value('CMROUTE');
    return {
      STUDYID: context.studyId,
      DOMAIN: 'CM',
      USUBJID: subject.usubjid,
      CMSPID: String(record.instance),
      CMTRT: (value('CMTRT') as string | null) ?? null,
      ...whodrugVariables(subject.subject.codings?.get(record.record_id)),
      CMCAT: codeLabel(context.protocol, categoryItem, value('CMCAT'))?.toUpperCase() ?? null,
      CMINDC: (value('CMINDC') as string | null) ?? null,
      CMDOSTXT: (value('CMDOSTXT') as string | null) ?? null,
      CMROUTE: route === null ? null : (routes[String(route)] ?? 'OTHER'),
      CMSTDTC: subject.dates.date(start),
      CMENDTC: subject.dates.date(end),
      CMSTDY: subject.studyDay(start),
      CMENDY: subject.studyDay(end),
      CMENRTPT: ongoing ? 'ONGOING' : null,
      CMENTPT: ongoing ? 'END OF STUDY' : null,
    };
  });
  return withSeq('CM', rows);
}

export function buildEx(context: SdtmContext, subject: SubjectContext): SdtmRow[] {
  const { name, regimen } = treatmentOf(context.protocol, subject.subject, context.armsBlinded);
  const rows = givenDoses(subject.subject, context.protocol)
    .map((dose) => ({
      STUDYID: context.studyId,
      DOMAIN: 'EX',
      USUBJID: subject.usubjid,
      EXTRT: name,
      EXDOSE: dose.volumeMl,
      EXDOSU: regimen.volume.unit,
      EXDOSFRM: 'SUSPENSION',
      EXDOSFRQ: regimen.intervalDays === 1 ? 'QD' : `EVERY ${regimen.intervalDays} DAYS`,
      EXROUTE: routes[regimen.route] ?? null,
      // The lot of the dispensed vial; a dose kept only on the eCRF form names its vial instead.
      EXLOT: dose.lotNumber ?? dose.vialCode,
      EXADJ: dose.interruptionReason,
      ...visitOf(context, { visit_id: dose.visitId, instance: dose.instance }),
      EXSTDTC: subject.dates.date(dose.startedAt),
      EXENDTC: subject.dates.date(dose.endedAt),
      EXSTDY: subject.studyDay(dose.startedAt),
      EXENDY: subject.studyDay(dose.endedAt),
    }))
    .sort((a, b) => String(a.EXSTDTC).localeCompare(String(b.EXSTDTC)));
  return withSeq('EX', rows);
}
