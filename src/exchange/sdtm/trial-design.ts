import type { SdtmContext } from './context.ts';
import type { SdtmRow } from './variables.ts';

// TS, TA and TV: the trial design as the protocol states it.

const phases: Record<string, string> = {
  '0': 'PHASE 0 TRIAL',
  '1': 'PHASE I TRIAL',
  '1/2': 'PHASE I/II TRIAL',
  '2': 'PHASE II TRIAL',
  '2a': 'PHASE IIA TRIAL',
  '2b': 'PHASE IIB TRIAL',
  '2/3': 'PHASE II/III TRIAL',
  '3': 'PHASE III TRIAL',
  '4': 'PHASE IV TRIAL',
  'not-applicable': 'NOT APPLICABLE',
};
const masking: Record<string, string> = {
  none: 'OPEN LABEL',
  single: 'SINGLE BLIND',
  double: 'DOUBLE BLIND',
  triple: 'TRIPLE BLIND',
  quadruple: 'QUADRUPLE BLIND',
};

export function buildTs(
  context: SdtmContext,
  facts: { actualSubjects: number; firstConsent: string | null },
): SdtmRow[] {
  const { study, regimen, product } = context.protocol;
  const parameters: Array<
    [code: string, name: string, value: string | null, valueCode?: string, reference?: string]
  > = [
    ['TITLE', 'Trial Title', study.title.en],
    ['REGID', 'Registry Identifier', study.registryId, study.registryId, 'ClinicalTrials.gov'],
    ['SPONSOR', 'Clinical Study Sponsor', study.sponsor.name.en],
    ['TPHASE', 'Trial Phase Classification', phases[study.phase] ?? null],
    ['STYPE', 'Study Type', study.design.type.toUpperCase()],
    ['INTMODEL', 'Intervention Model', study.design.model.replace('-', ' ').toUpperCase()],
    ['RANDOM', 'Trial is Randomized', study.design.allocation === 'randomised' ? 'Y' : 'N'],
    ['TBLIND', 'Trial Blinding Schema', masking[study.design.masking] ?? null],
    ['NARMS', 'Planned Number of Arms', String(study.design.arms.length)],
    ['PLANSUB', 'Planned Number of Subjects', String(study.plannedEnrolment)],
    ['ACTSUB', 'Actual Number of Subjects', String(facts.actualSubjects)],
    ['INDIC', 'Trial Disease/Condition Indication', study.condition.name.en, study.condition.icd10, 'ICD-10'],
    ['TRT', 'Investigational Therapy or Treatment', product.code],
    [
      'ROUTE',
      'Route of Administration',
      regimen.route === 'inhalation' ? 'RESPIRATORY (INHALATION)' : regimen.route.toUpperCase(),
    ],
    ['DOSE', 'Dose per Administration', String(regimen.volume.amount)],
    ['DOSU', 'Dose Units', regimen.volume.unit],
    ['DOSFRQ', 'Dosing Frequency', regimen.intervalDays === 1 ? 'QD' : `EVERY ${regimen.intervalDays} DAYS`],
    ['TCNTRL', 'Control Type', 'NONE'],
    ['SSTDTC', 'Study Start Date', facts.firstConsent?.slice(0, 10) ?? null],
    ['SDTIGVER', 'SDTM IG Version', '3.3'],
  ];
  return parameters
    .filter(([, , value]) => value !== null && value !== undefined)
    .map(([code, name, value, valueCode, reference]) => ({
      STUDYID: context.studyId,
      DOMAIN: 'TS',
      TSSEQ: 1,
      TSPARMCD: code,
      TSPARM: name,
      TSVAL: (value ?? '').slice(0, 200),
      TSVALCD: valueCode ?? null,
      TSVCDREF: reference ?? null,
    }));
}

export function buildTa(context: SdtmContext): SdtmRow[] {
  const elements: Array<[code: string, element: string, epoch: string]> = [
    ['SCRN', 'Screening', 'SCREENING'],
    ['TRT', `${context.protocol.product.code} ${context.protocol.regimen.route}`, 'TREATMENT'],
    ['FU', 'Follow-up', 'FOLLOW-UP'],
  ];
  return context.protocol.study.design.arms.flatMap((arm) =>
    elements.map(([code, element, epoch], index) => ({
      STUDYID: context.studyId,
      DOMAIN: 'TA',
      ARMCD: arm.id.toUpperCase().slice(0, 20),
      ARM: arm.name.en,
      TAETORD: index + 1,
      ETCD: code,
      ELEMENT: element,
      EPOCH: epoch,
    })),
  );
}

/** The planned visits; an unscheduled visit is not planned, so TV leaves it out (SDTMIG 7.3.1). */
export function buildTv(context: SdtmContext): SdtmRow[] {
  return context.protocol.schedule.visits.flatMap((visit, index) => {
    if (visit.kind === 'unscheduled') return [];
    const unit = visit.window.unit;
    return {
      STUDYID: context.studyId,
      DOMAIN: 'TV',
      VISITNUM: index + 1,
      VISIT: visit.name.en,
      VISITDY: visit.day,
      TVSTRL: `Study day ${visit.day}${visit.window.before ? ` minus ${visit.window.before} ${unit}` : ''}`,
      TVENRL: visit.repeat
        ? `Every ${visit.repeat.everyDays} day(s) to study day ${visit.repeat.lastDay}`
        : `Study day ${visit.day}${visit.window.after ? ` plus ${visit.window.after} ${unit}` : ''}`,
    };
  });
}
