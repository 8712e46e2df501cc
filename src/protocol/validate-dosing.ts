import type { Protocol, ProtocolItem } from './schema.ts';
import type { DoseRecordItemRole, DoseVitalsItemRole } from './schema-dosing.ts';

// Cross-document rules of the dose vitals, the dose record and the arms' roles (see validate.ts for the rest).

type Path = Array<string | number>;
type Report = (path: Path, message: string) => void;

/** The types each meaning of a dose-vitals item may have: what the dosing code reads from it. */
const DOSE_VITALS_ITEM_TYPES: Record<DoseVitalsItemRole, readonly ProtocolItem['type'][]> = {
  assessedAt: ['datetime'],
  spo2: ['integer', 'decimal'],
  respiratoryRate: ['integer', 'decimal'],
  temperature: ['integer', 'decimal'],
  oxygenSupport: ['choice'],
  fio2: ['integer', 'decimal'],
  peep: ['integer', 'decimal'],
};

/** The types each meaning of a dose record item may have: what the dosing code writes to it. */
const DOSE_RECORD_ITEM_TYPES: Record<DoseRecordItemRole, readonly ProtocolItem['type'][]> = {
  administered: ['boolean'],
  reasonNotGiven: ['text'],
  vialNumber: ['text'],
  thawedAt: ['datetime'],
  startedAt: ['datetime'],
  endedAt: ['datetime'],
  volume: ['integer', 'decimal'],
  device: ['choice'],
  interrupted: ['boolean'],
  interruptionReason: ['text'],
};

const codesOf = (protocol: Protocol, item: ProtocolItem): string[] =>
  (item.choices ?? protocol.codeLists.find((list) => list.id === item.codeList)?.items ?? []).map(
    (entry) => entry.code,
  );

/**
 * `doseVitals` names a non-repeating form (one reading per timepoint) and items of it of the right
 * types; the codes that mean controlled ventilation are codes of its oxygen-support item.
 */
export function checkDoseVitals(protocol: Protocol, report: Report): void {
  const { doseVitals } = protocol;
  if (!doseVitals) return;
  const path: Path = ['doseVitals'];
  const form = protocol.forms.find((candidate) => candidate.id === doseVitals.form);
  if (!form) {
    report(
      [...path, 'form'],
      `'${doseVitals.form}' is not a form of the protocol: name the form of the vital signs taken around a dose`,
    );
    return;
  }
  if (form.repeating)
    report(
      [...path, 'form'],
      `form '${form.id}' is read once per dose timepoint, so it must not be repeating`,
    );
  const entries = Object.entries(doseVitals.items) as [DoseVitalsItemRole, string | undefined][];
  for (const [role, itemId] of entries) {
    if (itemId === undefined) continue;
    const item = form.items.find((candidate) => candidate.id === itemId);
    const allowed = DOSE_VITALS_ITEM_TYPES[role];
    if (!item) report([...path, 'items', role], `form '${form.id}' has no item '${itemId}'`);
    else if (!allowed.includes(item.type))
      report(
        [...path, 'items', role],
        `item '${itemId}' is of type ${item.type}; the ${role} of a dose reading must be ${allowed.join(' or ')}`,
      );
  }
  doseVitals.carried.forEach((itemId, index) => {
    if (!form.items.some((item) => item.id === itemId))
      report([...path, 'carried', index], `form '${form.id}' has no item '${itemId}'`);
  });
  const watched = protocol.safety.inhalationEvents?.controlledVentilation;
  const supportId = doseVitals.items.oxygenSupport;
  const support = form.items.find((item) => item.id === supportId);
  if (watched && support?.type === 'choice') {
    const codes = codesOf(protocol, support);
    watched.oxygenSupport.forEach((code, index) => {
      if (!codes.includes(code))
        report(
          ['safety', 'inhalationEvents', 'controlledVentilation', 'oxygenSupport', index],
          `'${code}' is not a code of item '${form.id}.${support.id}' (codes: ${codes.join(', ')})`,
        );
    });
  }
}

/**
 * `doseRecord` names the protocol's dose record form (SDTM domain EX, one record per dose visit, so not
 * repeating) and items of it of the right types.
 */
export function checkDoseRecord(protocol: Protocol, report: Report): void {
  const { doseRecord } = protocol;
  if (!doseRecord) return;
  const path: Path = ['doseRecord'];
  const form = protocol.forms.find((candidate) => candidate.id === doseRecord.form);
  if (!form) {
    report(
      [...path, 'form'],
      `'${doseRecord.form}' is not a form of the protocol: name the form each dose is recorded on (SDTM domain EX)`,
    );
    return;
  }
  if (form.sdtmDomain !== 'EX')
    report(
      [...path, 'form'],
      `form '${form.id}' is of SDTM domain ${form.sdtmDomain ?? '(none)'}; the dose record form must be of domain EX`,
    );
  if (form.repeating)
    report([...path, 'form'], `form '${form.id}' holds one dose per dose visit, so it must not be repeating`);
  const entries = Object.entries(doseRecord.items) as [DoseRecordItemRole, string | undefined][];
  for (const [role, itemId] of entries) {
    if (itemId === undefined) continue;
    const item = form.items.find((candidate) => candidate.id === itemId);
    const allowed = DOSE_RECORD_ITEM_TYPES[role];
    if (!item) report([...path, 'items', role], `form '${form.id}' has no item '${itemId}'`);
    else if (!allowed.includes(item.type))
      report(
        [...path, 'items', role],
        `item '${itemId}' is of type ${item.type}; the ${role} of a dose record must be ${allowed.join(' or ')}`,
      );
  }
}

/**
 * A comparator arm needs an experimental arm to compare with, and a placebo arm receives something other
 * than the product, so it has a regimen of its own.
 */
export function checkArmTypes(protocol: Protocol, report: Report): void {
  const { arms } = protocol.study.design;
  const comparators = arms.filter((arm) => arm.type !== 'experimental');
  if (comparators.length > 0 && comparators.length === arms.length)
    report(
      ['study', 'design', 'arms'],
      'every arm is a comparator: mark the arm that receives the investigational product type experimental',
    );
  arms.forEach((arm, index) => {
    if (arm.type === 'placebo-comparator' && !arm.regimen)
      report(
        ['study', 'design', 'arms', index, 'regimen'],
        `arm '${arm.id}' is a placebo comparator: give it the regimen of its placebo`,
      );
  });
}
