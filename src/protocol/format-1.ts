import { adverseEventItemsSchema } from './schema.ts';
import { doseRecordItemsSchema } from './schema-dosing.ts';

// Protocols written before a key existed still load, with what their format meant then: the one
// place that knows those conventions. It works on the raw content (a YAML file before it is parsed,
// a stored protocol version as it was saved), so both read the same.

/** The form that held adverse events before `safety.adverseEvents` named it. */
const FORMAT_1_ADVERSE_EVENT_FORM = 'adverseEvent';

/** The form, items and carried context items of dose vitals before `doseVitals` named them. */
const FORMAT_1_DOSE_VITALS = {
  form: 'vitals',
  items: {
    assessedAt: 'assessedAt',
    spo2: 'spo2',
    respiratoryRate: 'respiratoryRate',
    temperature: 'temperature',
    oxygenSupport: 'oxygenSupport',
    fio2: 'fio2Setting',
    peep: 'peep',
  },
  carried: ['atRest', 'oxygenSupport', 'oxygenFlow', 'fio2Setting'],
} as const;

/** The meanings of the dose record form's items, each read before `doseRecord` from the item of its name. */
const FORMAT_1_DOSE_RECORD_ROLES = Object.keys(doseRecordItemsSchema.shape);

/** The meanings a dose record form needs for `doseRecord` to be filled in from it. */
const FORMAT_1_DOSE_RECORD_REQUIRED = ['administered', 'startedAt'];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The raw protocol with the sections added since format 1 filled in where they are missing: the
 * adverse-event items, the dose vitals and the dose record. Content that already has them, or is not a
 * protocol at all, is returned unchanged.
 */
export function withFormat1Defaults<T>(content: T): T {
  return withDoseRecord(withDoseVitals(withAdverseEventItems(content)));
}

function itemIdsOf(form: unknown): Set<unknown> {
  return new Set(
    isObject(form) && Array.isArray(form.items) ? form.items.filter(isObject).map((item) => item.id) : [],
  );
}

/**
 * `safety.adverseEvents` when it is missing: the `adverseEvent` form, and each meaning mapped to the
 * item of the same name where the form has one (as the code read them then).
 */
function withAdverseEventItems<T>(content: T): T {
  if (!isObject(content) || !isObject(content.safety) || content.safety.adverseEvents !== undefined)
    return content;
  const forms = Array.isArray(content.forms) ? content.forms : [];
  const form = forms.find((entry) => isObject(entry) && entry.id === FORMAT_1_ADVERSE_EVENT_FORM);
  const itemIds = itemIdsOf(form);
  const items = Object.fromEntries(
    Object.keys(adverseEventItemsSchema.shape)
      .filter((role) => itemIds.has(role))
      .map((role) => [role, role]),
  );
  return {
    ...content,
    safety: { ...content.safety, adverseEvents: { form: FORMAT_1_ADVERSE_EVENT_FORM, items } },
  };
}

/**
 * The raw protocol with `doseVitals` filled in when it is missing and the protocol has the form the
 * dosing code read then (`vitals`, with its `assessedAt`): each meaning mapped to the item it read, where
 * the form has it. Without such a form the protocol records no vitals around doses, as before.
 */
function withDoseVitals<T>(content: T): T {
  if (!isObject(content) || 'doseVitals' in content) return content;
  const forms = Array.isArray(content.forms) ? content.forms : [];
  const form = forms.find((entry) => isObject(entry) && entry.id === FORMAT_1_DOSE_VITALS.form);
  const itemIds = itemIdsOf(form);
  if (!itemIds.has(FORMAT_1_DOSE_VITALS.items.assessedAt)) return content;
  const items = Object.fromEntries(
    Object.entries(FORMAT_1_DOSE_VITALS.items).filter(([, itemId]) => itemIds.has(itemId)),
  );
  const carried = FORMAT_1_DOSE_VITALS.carried.filter((itemId) => itemIds.has(itemId));
  return { ...content, doseVitals: { form: FORMAT_1_DOSE_VITALS.form, items, carried } };
}

/**
 * The raw protocol with `doseRecord` filled in when it is missing and its dose record form (the form
 * of SDTM domain EX) has the items the code read then by their names, `administered` and `startedAt`
 * among them: each meaning mapped to the item of the same name, where the form has it. Without such a
 * form, the Dosing screen writes no eCRF form and the SDTM EX export reads only the dose records.
 */
function withDoseRecord<T>(content: T): T {
  if (!isObject(content) || 'doseRecord' in content) return content;
  const forms = Array.isArray(content.forms) ? content.forms : [];
  const form = forms.find((entry) => isObject(entry) && entry.sdtmDomain === 'EX');
  if (!isObject(form) || typeof form.id !== 'string') return content;
  const itemIds = itemIdsOf(form);
  if (!FORMAT_1_DOSE_RECORD_REQUIRED.every((role) => itemIds.has(role))) return content;
  const items = Object.fromEntries(
    FORMAT_1_DOSE_RECORD_ROLES.filter((role) => itemIds.has(role)).map((role) => [role, role]),
  );
  return { ...content, doseRecord: { form: form.id, items } };
}
