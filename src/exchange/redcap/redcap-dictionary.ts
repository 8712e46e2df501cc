import type { Protocol, ProtocolForm, ProtocolItem } from '../../protocol/schema.ts';

// The columns of a REDCap data dictionary, in REDCap's order and spelling, and how protocol items
// become rows of it. Labels are English; the Chinese texts and the unit, which REDCap has no column
// for, travel in the Field Annotation as `@EXOTRIAL-…` tags so a re-import restores them (REDCap
// shows unknown action tags as plain text and ignores them).

export const dictionaryColumns = [
  'Variable / Field Name',
  'Form Name',
  'Section Header',
  'Field Type',
  'Field Label',
  'Choices, Calculations, OR Slider Labels',
  'Field Note',
  'Text Validation Type OR Show Slider Number',
  'Text Validation Min',
  'Text Validation Max',
  'Identifier?',
  'Branching Logic (Show field only if...)',
  'Required Field?',
  'Custom Alignment',
  'Question Number (surveys only)',
  'Matrix Group Name',
  'Matrix Ranking?',
  'Field Annotation',
] as const;

export interface DictionaryRow {
  variable: string;
  form: string;
  sectionHeader: string;
  fieldType: string;
  label: string;
  choices: string;
  note: string;
  validation: string;
  min: string;
  max: string;
  identifier: string;
  branching: string;
  required: string;
  annotation: string;
}

/** The REDCap record identifier: the first field of every project. */
export const RECORD_ID = 'record_id';

/** Tags of the Field Annotation that carry what REDCap has no column for. */
export const annotationTags = {
  labelZh: '@EXOTRIAL-LABEL-ZH',
  hintZh: '@EXOTRIAL-NOTE-ZH',
  /** The Chinese labels of the choices, as a JSON object from code to label. */
  choicesZh: '@EXOTRIAL-CHOICES-ZH',
  formTitle: '@EXOTRIAL-FORM-TITLE',
  formTitleZh: '@EXOTRIAL-FORM-TITLE-ZH',
  unit: '@EXOTRIAL-UNIT',
  repeating: '@EXOTRIAL-REPEATING',
  /** The protocol's own `form.item`, whose case REDCap's lower-case names lose. */
  item: '@EXOTRIAL-ITEM',
} as const;

export function dictionaryRowOf(cells: Record<string, string>): DictionaryRow {
  const cell = (name: (typeof dictionaryColumns)[number]) => (cells[name] ?? '').trim();
  return {
    variable: cell('Variable / Field Name'),
    form: cell('Form Name'),
    sectionHeader: cell('Section Header'),
    fieldType: cell('Field Type').toLowerCase(),
    label: cell('Field Label'),
    choices: cell('Choices, Calculations, OR Slider Labels'),
    note: cell('Field Note'),
    validation: cell('Text Validation Type OR Show Slider Number').toLowerCase(),
    min: cell('Text Validation Min'),
    max: cell('Text Validation Max'),
    identifier: cell('Identifier?').toLowerCase(),
    branching: cell('Branching Logic (Show field only if...)'),
    required: cell('Required Field?').toLowerCase(),
    annotation: cells['Field Annotation'] ?? '',
  };
}

/** A tag's value from an annotation: `@TAG="value"` (JSON string). */
export function annotationValue(annotation: string, tag: string): string | undefined {
  const match = new RegExp(`${tag}=("(?:[^"\\\\]|\\\\.)*")`).exec(annotation);
  if (!match?.[1]) return undefined;
  try {
    return JSON.parse(match[1]) as string;
  } catch {
    return undefined;
  }
}

const tag = (name: string, value: string) => `${name}=${JSON.stringify(value)}`;

/** REDCap's `code, label | code, label` (a pipe in a label would split it, so it becomes a slash). */
export const choicesText = (choices: ReadonlyArray<{ code: string; label: { en: string } }>) =>
  choices.map((choice) => `${choice.code}, ${choice.label.en.replace(/\|/g, '/')}`).join(' | ');

export function itemChoices(protocol: Pick<Protocol, 'codeLists'>, item: ProtocolItem) {
  return item.choices ?? protocol.codeLists.find((list) => list.id === item.codeList)?.items ?? [];
}

/** The REDCap variable of an item: REDCap names are global, so the form id prefixes the item id. */
export const redcapVariable = (formId: string, itemId: string) => `${formId}_${itemId}`.toLowerCase();

export interface ExportedField {
  row: DictionaryRow;
  item: ProtocolItem;
  form: ProtocolForm;
}

const decimalValidation = (precision: number | undefined) =>
  precision !== undefined && precision >= 1 && precision <= 4 ? `number_${precision}dp` : 'number';

/** The dictionary row of one item (branching filled in by the caller, which knows every variable). */
export function dictionaryRow(
  protocol: Pick<Protocol, 'codeLists'>,
  form: ProtocolForm,
  item: ProtocolItem,
  first: boolean,
): DictionaryRow {
  const annotation: string[] = [tag(annotationTags.item, `${form.id}.${item.id}`)];
  annotation.push(tag(annotationTags.labelZh, item.label.zh));
  if (item.hint) annotation.push(tag(annotationTags.hintZh, item.hint.zh));
  const choices = itemChoices(protocol, item);
  if (choices.length > 0)
    annotation.push(
      tag(
        annotationTags.choicesZh,
        JSON.stringify(Object.fromEntries(choices.map((choice) => [choice.code, choice.label.zh]))),
      ),
    );
  if (item.unit) annotation.push(tag(annotationTags.unit, item.unit));
  if (first) {
    annotation.push(tag(annotationTags.formTitle, form.title.en));
    annotation.push(tag(annotationTags.formTitleZh, form.title.zh));
    if (form.repeating) annotation.push(annotationTags.repeating);
  }
  if (item.derivation) annotation.push('@READONLY');
  const row: DictionaryRow = {
    variable: redcapVariable(form.id, item.id),
    form: form.id.toLowerCase(),
    sectionHeader: '',
    fieldType: 'text',
    label: item.label.en,
    choices: '',
    note: item.hint?.en ?? '',
    validation: '',
    min: item.range?.low !== undefined ? String(item.range.low) : '',
    max: item.range?.high !== undefined ? String(item.range.high) : '',
    identifier: item.sdtm?.variable === 'BRTHDTC' ? 'y' : '',
    branching: '',
    required: item.required ? 'y' : '',
    annotation: annotation.join(' '),
  };
  switch (item.type) {
    case 'integer':
      return { ...row, validation: 'integer' };
    case 'decimal':
      return { ...row, validation: decimalValidation(item.precision) };
    case 'date':
      return { ...row, validation: 'date_ymd' };
    case 'datetime':
      return { ...row, validation: 'datetime_ymd' };
    case 'boolean':
      return { ...row, fieldType: 'yesno' };
    case 'file':
      return { ...row, fieldType: 'file' };
    case 'choice':
      return { ...row, fieldType: 'radio', choices: choicesText(itemChoices(protocol, item)) };
    case 'multichoice':
      return { ...row, fieldType: 'checkbox', choices: choicesText(itemChoices(protocol, item)) };
    default:
      return row;
  }
}

export const dictionaryCells = (row: DictionaryRow): string[] => [
  row.variable,
  row.form,
  row.sectionHeader,
  row.fieldType,
  row.label,
  row.choices,
  row.note,
  row.validation,
  row.min,
  row.max,
  row.identifier,
  row.branching,
  row.required,
  '',
  '',
  '',
  '',
  row.annotation,
];
