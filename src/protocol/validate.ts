import { itemCatalog, SITE_SETTINGS_FORM } from './item-catalog.ts';
import type { AdverseEventItemRole, Protocol, ProtocolItem } from './schema.ts';
import { checkArmTypes, checkDoseRecord, checkDoseVitals } from './validate-dosing.ts';
import { checkRandomisation } from './validate-randomisation.ts';
import { validateRules } from './validate-rules.ts';
import { checkSupply } from './validate-supply.ts';

/** A problem found in a valid-shaped protocol; `path` points into the document (keys and array indexes). */
export interface ProtocolProblem {
  path: Array<string | number>;
  message: string;
}

type Path = Array<string | number>;

/**
 * Checks a protocol that already passed the zod schema for what a schema cannot see: ids must be unique and
 * references must resolve; ranges must be ordered; visit windows must fit the schedule's span; the dosing visits
 * must match the regimen; every rule must parse and typecheck; Chinese text must be a translation. Pure.
 */
export function validateProtocol(protocol: Protocol): ProtocolProblem[] {
  const problems: ProtocolProblem[] = [];
  const report = (path: Path, message: string): void => {
    problems.push({ path, message });
  };
  checkIdentity(protocol, report);
  checkForms(protocol, report);
  checkSchedule(protocol, report);
  checkRegimenAndProduct(protocol, report);
  checkArmTypes(protocol, report);
  checkDoseVitals(protocol, report);
  checkDoseRecord(protocol, report);
  checkSafety(protocol, report);
  checkEligibility(protocol, report);
  checkOutcomes(protocol, report);
  checkRandomisation(protocol, report);
  checkSupply(protocol, report);
  problems.push(...validateRules(protocol));
  checkTranslations(protocol, [], report);
  return problems;
}

type Report = (path: Path, message: string) => void;

function checkUnique<T>(
  entries: readonly T[],
  key: (entry: T) => string,
  path: Path,
  what: string,
  report: Report,
): void {
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const id = key(entry);
    const first = seen.get(id);
    if (first === undefined) seen.set(id, index);
    else report([...path, index], `duplicate ${what} '${id}' (already used at index ${first})`);
  });
}

function checkRange(low: number | undefined, high: number | undefined, path: Path, report: Report): void {
  if (low !== undefined && high !== undefined && low > high) {
    report(path, `the range is empty: low (${low}) is above high (${high})`);
  }
}

function checkIdentity(protocol: Protocol, report: Report): void {
  const { sites } = protocol.study;
  checkUnique(sites, (site) => site.id, ['study', 'sites'], 'site id', report);
  checkUnique(sites, (site) => site.code, ['study', 'sites'], 'site code', report);
  checkUnique(protocol.study.design.arms, (arm) => arm.id, ['study', 'design', 'arms'], 'arm id', report);
}

function checkForms(protocol: Protocol, report: Report): void {
  checkUnique(protocol.forms, (form) => form.id, ['forms'], 'form id', report);
  protocol.forms.forEach((form, index) => {
    if (form.id === SITE_SETTINGS_FORM) {
      report(
        ['forms', index, 'id'],
        `the form id '${form.id}' is kept for the site's settings (site.altitude); choose another`,
      );
    }
  });
  checkUnique(protocol.codeLists, (list) => list.id, ['codeLists'], 'code list id', report);
  for (const [index, list] of protocol.codeLists.entries()) {
    checkUnique(list.items, (entry) => entry.code, ['codeLists', index, 'items'], 'code', report);
  }
  const codeListIds = new Set(protocol.codeLists.map((list) => list.id));
  const usedCodeLists = new Set<string>();
  protocol.forms.forEach((form, formIndex) => {
    const formPath = ['forms', formIndex];
    checkUnique(form.items, (item) => item.id, [...formPath, 'items'], `item id in form ${form.id}`, report);
    form.items.forEach((item, itemIndex) => {
      const itemPath = [...formPath, 'items', itemIndex];
      if (item.range) checkRange(item.range.low, item.range.high, [...itemPath, 'range'], report);
      if (item.choices)
        checkUnique(item.choices, (choice) => choice.code, [...itemPath, 'choices'], 'code', report);
      if (item.codeList !== undefined) {
        usedCodeLists.add(item.codeList);
        if (!codeListIds.has(item.codeList)) {
          report(
            [...itemPath, 'codeList'],
            `unknown code list '${item.codeList}'; declare it under codeLists`,
          );
        }
      }
      if (item.derivation !== undefined && item.required) {
        report([...itemPath, 'required'], 'a derived item is computed, never entered: remove required');
      }
    });
  });
  protocol.codeLists.forEach((list, index) => {
    if (!usedCodeLists.has(list.id))
      report(['codeLists', index, 'id'], `code list '${list.id}' is not used by any item`);
  });
}

function checkSchedule(protocol: Protocol, report: Report): void {
  const { span, visits } = protocol.schedule;
  const formIds = new Set(protocol.forms.map((form) => form.id));
  if (span.firstDay > span.lastDay) report(['schedule', 'span'], 'firstDay is after lastDay');
  checkUnique(visits, (visit) => visit.id, ['schedule', 'visits'], 'visit id', report);
  const collected = new Set<string>();
  visits.forEach((visit, index) => {
    const path = ['schedule', 'visits', index];
    // A window in hours reaches into the neighbouring day only when it passes 24 hours.
    const daysOf = (amount: number): number =>
      visit.window.unit === 'days' ? amount : Math.floor(amount / 24);
    const earliest = visit.day - daysOf(visit.window.before);
    const latest = (visit.repeat?.lastDay ?? visit.day) + daysOf(visit.window.after);
    if (earliest < span.firstDay || latest > span.lastDay) {
      report(
        [...path, 'day'],
        `visit ${visit.id} reaches day ${earliest < span.firstDay ? earliest : latest}, outside the schedule span (day ${span.firstDay} to ${span.lastDay})`,
      );
    }
    if (visit.repeat && visit.repeat.lastDay < visit.day) {
      report(
        [...path, 'repeat', 'lastDay'],
        `the repeat ends (day ${visit.repeat.lastDay}) before the visit day (${visit.day})`,
      );
    }
    const checkForm = (formId: string, formPath: Path): void => {
      collected.add(formId);
      if (!formIds.has(formId)) report(formPath, `unknown form '${formId}'`);
    };
    for (const [formIndex, formId] of visit.forms.entries()) checkForm(formId, [...path, 'forms', formIndex]);
    checkUnique(
      visit.timepoints,
      (timepoint) => timepoint.id,
      [...path, 'timepoints'],
      'timepoint id',
      report,
    );
    for (const [timepointIndex, timepoint] of visit.timepoints.entries()) {
      for (const [formIndex, formId] of timepoint.forms.entries()) {
        checkForm(formId, [...path, 'timepoints', timepointIndex, 'forms', formIndex]);
      }
    }
  });
  if (!visits.some((visit) => visit.kind === 'screening')) {
    report(
      ['schedule', 'visits'],
      'the schedule needs a visit of kind screening (eligibility is decided there)',
    );
  }
  protocol.forms.forEach((form, index) => {
    if (!form.repeating && !collected.has(form.id)) {
      report(
        ['forms', index, 'id'],
        `form ${form.id} is not collected at any visit; add it to a visit or make it repeating`,
      );
    }
    if (form.dueAtVisits && !form.repeating) {
      report(
        ['forms', index, 'dueAtVisits'],
        `form ${form.id} has dueAtVisits but is not repeating; add repeating: true or remove dueAtVisits`,
      );
    }
  });
}

function checkRegimenAndProduct(protocol: Protocol, report: Report): void {
  const { regimen, product, schedule } = protocol;
  const visitsById = new Map(schedule.visits.map((visit) => [visit.id, visit]));
  if (regimen.doseVisits.length !== regimen.numberOfDoses) {
    report(
      ['regimen', 'doseVisits'],
      `${regimen.doseVisits.length} dose visits for ${regimen.numberOfDoses} doses`,
    );
  }
  for (const [index, visitId] of regimen.doseVisits.entries()) {
    const visit = visitsById.get(visitId);
    const path = ['regimen', 'doseVisits', index];
    if (!visit) {
      report(path, `unknown visit '${visitId}'`);
      continue;
    }
    if (visit.kind !== 'dosing') report(path, `visit ${visitId} is of kind ${visit.kind}, not dosing`);
    const expectedDay = regimen.firstDoseDay + index * regimen.intervalDays;
    if (visit.day !== expectedDay) {
      report(
        path,
        `dose ${index + 1} should fall on day ${expectedDay} (first dose day + interval), but ${visitId} is day ${visit.day}`,
      );
    }
  }
  const { storage } = product;
  checkRange(
    storage.allowedCelsius.low,
    storage.allowedCelsius.high,
    ['product', 'storage', 'allowedCelsius'],
    report,
  );
  if (
    storage.temperatureCelsius < storage.allowedCelsius.low ||
    storage.temperatureCelsius > storage.allowedCelsius.high
  ) {
    report(
      ['product', 'storage', 'temperatureCelsius'],
      'the storage temperature is outside the allowed range',
    );
  }
  checkUnique(product.release, (test) => test.id, ['product', 'release'], 'release test id', report);
  product.release.forEach((test, index) => {
    const path = ['product', 'release', index];
    if (test.kind === 'numeric') {
      if (test.low === undefined && test.high === undefined)
        report(path, 'a numeric release test needs low or high');
      checkRange(test.low, test.high, path, report);
    }
    if (test.kind === 'relative-to-label') checkRange(test.lowPercent, test.highPercent, path, report);
  });
}

/** Inhalation events are watched for an inhaled regimen (of the protocol or of an arm), and only for one. */
function checkInhalationEvents(protocol: Protocol, report: Report): void {
  const regimens = [protocol.regimen, ...protocol.study.design.arms.flatMap((arm) => arm.regimen ?? [])];
  const inhaled = regimens.some((regimen) => regimen.route === 'inhalation');
  if (inhaled && !protocol.safety.inhalationEvents) {
    report(['safety', 'inhalationEvents'], 'a regimen is inhaled: declare the inhalation events to flag');
  }
  if (!inhaled && protocol.safety.inhalationEvents) {
    report(
      ['safety', 'inhalationEvents'],
      'no regimen is inhaled: remove inhalationEvents, or give a regimen route inhalation',
    );
  }
}

function checkSafety(protocol: Protocol, report: Report): void {
  const { safety } = protocol;
  checkInhalationEvents(protocol, report);
  const grades = safety.grading.grades.map((grade) => grade.grade);
  if (new Set(grades).size !== grades.length)
    report(['safety', 'grading', 'grades'], 'each grade 1 to 5 must appear once');
  checkUnique(
    safety.seriousness.criteria,
    (criterion) => criterion.id,
    ['safety', 'seriousness', 'criteria'],
    'criterion id',
    report,
  );
  checkUnique(
    safety.causality.categories,
    (category) => category.id,
    ['safety', 'causality', 'categories'],
    'category id',
    report,
  );
  safety.causality.categories.forEach((category, index) => {
    // An adverse reaction in the tables must also be reportable as one: only doubt may widen expedited reporting.
    if (category.related && category.expedited === false)
      report(
        ['safety', 'causality', 'categories', index, 'expedited'],
        `category '${category.id}' is related, so it counts for expedited reporting: remove expedited: false`,
      );
  });
  checkAdverseEventForm(protocol, report);
  checkUnique(safety.clocks, (clock) => clock.id, ['safety', 'clocks'], 'clock id', report);
  checkUnique(
    safety.stoppingRules,
    (rule) => rule.id,
    ['safety', 'stoppingRules'],
    'stopping rule id',
    report,
  );
}

/** The types each meaning of an adverse-event item may have: what the safety code reads from it. */
const ADVERSE_EVENT_ITEM_TYPES: Record<AdverseEventItemRole, readonly ProtocolItem['type'][]> = {
  term: ['text'],
  onsetAt: ['date', 'datetime'],
  grade: ['integer'],
  serious: ['boolean'],
  causality: ['choice'],
  ongoing: ['boolean'],
  resolvedAt: ['date', 'datetime'],
  seriousnessCriteria: ['multichoice'],
  awareAt: ['date', 'datetime'],
  expected: ['boolean'],
  actionTaken: ['choice'],
  outcome: ['choice'],
  inhalationAssociated: ['boolean'],
};

const REQUIRED_ADVERSE_EVENT_ITEMS: readonly AdverseEventItemRole[] = [
  'term',
  'onsetAt',
  'grade',
  'serious',
  'causality',
  // A serious event's reporting clocks start when the site became aware of it.
  'awareAt',
];

/** `safety.adverseEvents` names a repeating form of the protocol and items of it of the right types. */
function checkAdverseEventForm(protocol: Protocol, report: Report): void {
  const { form: formId, items } = protocol.safety.adverseEvents;
  const path: Path = ['safety', 'adverseEvents'];
  const form = protocol.forms.find((candidate) => candidate.id === formId);
  if (!form) {
    report(
      [...path, 'form'],
      `'${formId}' is not a form of the protocol: name the form that holds adverse events`,
    );
    return;
  }
  if (!form.repeating)
    report([...path, 'form'], `form '${formId}' holds adverse events, so it must be repeating (a log)`);
  for (const role of REQUIRED_ADVERSE_EVENT_ITEMS) {
    if (items[role] === undefined)
      report(
        [...path, 'items', role],
        `name the item of form '${formId}' that holds the ${role} of an adverse event (safety reporting reads it)`,
      );
  }
  for (const [role, itemId] of Object.entries(items) as [AdverseEventItemRole, string | undefined][]) {
    if (itemId === undefined) continue;
    const item = form.items.find((candidate) => candidate.id === itemId);
    const allowed = ADVERSE_EVENT_ITEM_TYPES[role];
    if (!item) report([...path, 'items', role], `form '${formId}' has no item '${itemId}'`);
    else if (!allowed.includes(item.type))
      report(
        [...path, 'items', role],
        `item '${itemId}' is of type ${item.type}; the ${role} of an adverse event must be ${allowed.join(' or ')}`,
      );
  }
}

/** Criterion ids are unique across inclusion and exclusion: reports and the CRF name a criterion by id alone. */
function checkEligibility(protocol: Protocol, report: Report): void {
  const criteria = [...protocol.eligibility.inclusion, ...protocol.eligibility.exclusion];
  const criterionPaths = [
    ...protocol.eligibility.inclusion.map((_, index): Path => ['eligibility', 'inclusion', index]),
    ...protocol.eligibility.exclusion.map((_, index): Path => ['eligibility', 'exclusion', index]),
  ];
  const seenCriteria = new Set<string>();
  criteria.forEach((criterion, index) => {
    if (seenCriteria.has(criterion.id))
      report(criterionPaths[index] ?? [], `duplicate criterion id '${criterion.id}'`);
    seenCriteria.add(criterion.id);
  });
}

function checkOutcomes(protocol: Protocol, report: Report): void {
  const { outcomes, schedule } = protocol;
  const { ordinalScale, ttci } = outcomes;
  const scale = ordinalScale?.categories ?? [];
  if (!scale.every((category, index) => category.value === index + 1)) {
    report(['outcomes', 'ordinalScale', 'categories'], 'categories must be numbered 1, 2, 3, … in order');
  }
  if (ttci && !ordinalScale)
    report(['outcomes', 'ttci'], 'ttci is defined on the ordinal scale: add ordinalScale');
  if (ttci && ordinalScale && ttci.improvementCategories >= scale.length) {
    report(
      ['outcomes', 'ttci', 'improvementCategories'],
      `a decline of ${ttci.improvementCategories} categories is impossible on a ${scale.length}-category scale`,
    );
  }
  if (ttci && !schedule.visits.some((visit) => visit.id === ttci.baselineVisit)) {
    report(['outcomes', 'ttci', 'baselineVisit'], `unknown visit '${ttci.baselineVisit}'`);
  }
  const catalog = itemCatalog(protocol);
  const groups = ['primary', 'secondary', 'exploratory'] as const;
  const allOutcomes = groups.flatMap((group) =>
    outcomes[group].map((outcome, index) => ({ outcome, path: ['outcomes', group, index] as Path })),
  );
  const seenOutcomes = new Set<string>();
  for (const { outcome, path } of allOutcomes) {
    if (seenOutcomes.has(outcome.id)) report([...path, 'id'], `duplicate outcome id '${outcome.id}'`);
    seenOutcomes.add(outcome.id);
    if (outcome.item !== undefined && !catalog.has(outcome.item))
      report([...path, 'item'], `unknown item '${outcome.item}' (write form.item)`);
    if (outcome.measure === 'change-from-baseline' && outcome.item === undefined)
      report(path, 'change-from-baseline needs item');
    if (
      (outcome.measure === 'participants-with-event' || outcome.measure === 'days-with-condition') &&
      outcome.rule === undefined
    ) {
      report(path, `${outcome.measure} needs a rule saying what counts`);
    }
    if (
      outcome.measure === 'participants-transitioning' &&
      (outcome.fromRule === undefined || outcome.toRule === undefined)
    ) {
      report(path, 'participants-transitioning needs fromRule and toRule');
    }
  }
}

const CJK = /[\u3400-\u9fff]/;

/**
 * Heuristic for an untranslated text: the Chinese side has no Chinese character while the English side has a real
 * word (four or more lower-case letters). Codes and abbreviations such as "CD63" or "IL-6" pass.
 */
function checkTranslations(value: unknown, path: Path, report: Report): void {
  if (Array.isArray(value)) {
    for (const [index, entry] of value.entries()) checkTranslations(entry, [...path, index], report);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  if (typeof record.en === 'string' && typeof record.zh === 'string') {
    if (!CJK.test(record.zh) && /[a-z]{4,}/.test(record.en)) {
      report(
        [...path, 'zh'],
        `the Chinese text "${record.zh}" has no Chinese characters; translate "${record.en}"`,
      );
    }
    return;
  }
  for (const [key, child] of Object.entries(record)) checkTranslations(child, [...path, key], report);
}
