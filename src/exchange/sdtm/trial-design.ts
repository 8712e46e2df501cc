import type { Protocol } from '../../protocol/schema.ts';
import type { SdtmContext } from './context.ts';
import { armCode } from './dm-arms.ts';
import type { SdtmRow } from './variables.ts';

// TS, TA, TE and TV: the trial design as the protocol states it.

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

/**
 * TCNTRL (CDISC CT C66785, Control Type) from the arms' roles: PLACEBO for a placebo comparator, ACTIVE
 * for an active one, one row each when a trial has both; NONE when every arm is experimental.
 */
export function controlTypes(
  protocol: Protocol,
): Array<{ value: 'PLACEBO' | 'ACTIVE' | 'NONE'; code: string }> {
  const types = new Set(protocol.study.design.arms.map((arm) => arm.type));
  const controls: Array<{ value: 'PLACEBO' | 'ACTIVE' | 'NONE'; code: string }> = [];
  if (types.has('placebo-comparator')) controls.push({ value: 'PLACEBO', code: 'C49648' });
  if (types.has('active-comparator')) controls.push({ value: 'ACTIVE', code: 'C49649' });
  return controls.length > 0 ? controls : [{ value: 'NONE', code: 'C41132' }];
}

/** The registry a registry id belongs to, by its prefix (TS REGID's TSVCDREF); null when unknown. */
function registryOf(registryId: string): string | null {
  if (/^NCT\d{8}$/.test(registryId)) return 'ClinicalTrials.gov';
  if (/^ChiCTR/i.test(registryId)) return 'ChiCTR';
  if (/^ISRCTN/i.test(registryId)) return 'ISRCTN';
  if (/^\d{4}-\d{6}-\d{2}/.test(registryId)) return 'EudraCT';
  return null;
}

type TsParameter = [code: string, name: string, value: string | null, valueCode?: string, reference?: string];

export function buildTs(
  context: SdtmContext,
  facts: { actualSubjects: number; firstConsent: string | null },
): SdtmRow[] {
  const { study, regimen, product } = context.protocol;
  const registry = registryOf(study.registryId);
  const parameters: TsParameter[] = [
    ['TITLE', 'Trial Title', study.title.en],
    [
      'REGID',
      'Registry Identifier',
      study.registryId,
      registry ? study.registryId : undefined,
      registry ?? undefined,
    ],
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
    ...controlTypes(context.protocol).map(
      (control): TsParameter => ['TCNTRL', 'Control Type', control.value, control.code, 'CDISC'],
    ),
    ['SSTDTC', 'Study Start Date', facts.firstConsent?.slice(0, 10) ?? null],
    ['SDTIGVER', 'SDTM IG Version', '3.3'],
  ];
  const seen = new Map<string, number>();
  return parameters
    .filter(([, , value]) => value !== null && value !== undefined)
    .map(([code, name, value, valueCode, reference]) => ({
      STUDYID: context.studyId,
      DOMAIN: 'TS',
      // A parameter with more than one value (TCNTRL of a trial with two kinds of control) numbers them.
      TSSEQ: seen.set(code, (seen.get(code) ?? 0) + 1).get(code) ?? 1,
      TSPARMCD: code,
      TSPARM: name,
      TSVAL: (value ?? '').slice(0, 200),
      TSVALCD: valueCode ?? null,
      TSVCDREF: reference ?? null,
    }));
}

type Arm = Protocol['study']['design']['arms'][number];
type Regimen = Protocol['regimen'];

/** A planned element (TE) and the epoch it falls in (TA). */
interface Element {
  code: string;
  element: string;
  epoch: string;
  start: string;
  end: string;
  duration: string | null;
}

/** The study day of the last planned visit, whose end ends follow-up. */
function lastVisitDay(protocol: Protocol): number {
  return Math.max(
    ...protocol.schedule.visits.map((visit) => visit.repeat?.lastDay ?? visit.day),
    protocol.regimen.firstDoseDay,
  );
}

function treatment(code: string, element: string, regimen: Regimen): Element {
  const days = regimen.numberOfDoses * regimen.intervalDays;
  const lastDose = regimen.firstDoseDay + (regimen.numberOfDoses - 1) * regimen.intervalDays;
  return {
    code,
    element,
    epoch: 'TREATMENT',
    start: `First dose, study day ${regimen.firstDoseDay}`,
    end: `${regimen.numberOfDoses} dose(s) every ${regimen.intervalDays} day(s), the last on study day ${lastDose}`,
    duration: `P${days}D`,
  };
}

/**
 * The treatment element of each arm: arms without a regimen of their own share the protocol's (TRT,
 * the product and its route); an arm with its own (a placebo) gets an element named after the arm,
 * coded from its id (at most 8 characters, unique). Placebo and active are different elements in TE,
 * as SDTMIG 7.2 asks, so TA tells the arms apart by their elements.
 */
function treatmentElements(protocol: Protocol): Map<string, Element> {
  const shared = treatment('TRT', `${protocol.product.code} ${protocol.regimen.route}`, protocol.regimen);
  const taken = new Set(['SCRN', 'TRT', 'FU']);
  const byArm = new Map<string, Element>();
  for (const arm of protocol.study.design.arms) {
    if (!arm.regimen) {
      byArm.set(arm.id, shared);
      continue;
    }
    const base =
      arm.id
        .toUpperCase()
        .replace(/[^A-Z0-9]/g, '')
        .slice(0, 8) || 'ARM';
    let code = base;
    for (let n = 2; taken.has(code); n++) code = `${base.slice(0, 8 - String(n).length)}${n}`;
    taken.add(code);
    byArm.set(arm.id, treatment(code, arm.name.en, arm.regimen));
  }
  return byArm;
}

/** Screening, each arm's treatment, follow-up: the elements of the arms in their order. */
function armElements(protocol: Protocol): Array<{ arm: Arm; elements: Element[] }> {
  const screening: Element = {
    code: 'SCRN',
    element: 'Screening',
    epoch: 'SCREENING',
    start: 'Informed consent',
    end: 'First dose of study treatment',
    duration: null,
  };
  const followUp: Element = {
    code: 'FU',
    element: 'Follow-up',
    epoch: 'FOLLOW-UP',
    start: 'End of the treatment element (the day after its planned duration)',
    end: `End of the last visit (study day ${lastVisitDay(protocol)})`,
    duration: null,
  };
  const treatments = treatmentElements(protocol);
  return protocol.study.design.arms.map((arm) => ({
    arm,
    elements: [screening, treatments.get(arm.id) ?? screening, followUp],
  }));
}

/** One row per planned element of each arm (SDTMIG 7.2.1); the planned arms, never allocations. */
export function buildTa(context: SdtmContext): SdtmRow[] {
  return armElements(context.protocol).flatMap(({ arm, elements }) =>
    elements.map((element, index) => ({
      STUDYID: context.studyId,
      DOMAIN: 'TA',
      ARMCD: armCode(arm.id),
      ARM: arm.name.en,
      TAETORD: index + 1,
      ETCD: element.code,
      ELEMENT: element.element,
      EPOCH: element.epoch,
    })),
  );
}

const epochOrder = ['SCREENING', 'TREATMENT', 'FOLLOW-UP'];

/** One row per distinct element (SDTMIG 7.2.2): by epoch, then in the order of the arms. */
export function buildTe(context: SdtmContext): SdtmRow[] {
  const seen = new Map<string, Element>();
  for (const { elements } of armElements(context.protocol)) {
    for (const element of elements) if (!seen.has(element.code)) seen.set(element.code, element);
  }
  const byEpoch = [...seen.values()].sort(
    (a, b) => epochOrder.indexOf(a.epoch) - epochOrder.indexOf(b.epoch),
  );
  return byEpoch.map((element) => ({
    STUDYID: context.studyId,
    DOMAIN: 'TE',
    ETCD: element.code,
    ELEMENT: element.element,
    TESTRL: element.start,
    TEENRL: element.end,
    TEDUR: element.duration,
  }));
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
