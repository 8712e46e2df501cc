import { create } from 'xmlbuilder2';
import { z } from 'zod';
import { validationFailed } from '../../kernel/errors.ts';
import type { LocalizedText, Protocol, ProtocolForm } from '../../protocol/schema.ts';
import { codeListSchema, formSchema, loincSchema } from '../../protocol/schema-parts.ts';

// Reads the metadata of an ODM 1.3.2 file into protocol forms and code lists: FormDef → form,
// ItemDef → item (Question → label, DataType → type, MeasurementUnitRef → unit, RangeCheck → range
// and edit checks, CodeListRef → code list or choices, ConditionDef → showIf, MethodDef → derivation).
// Files from other systems import too; what cannot be mapped is reported, never silently dropped.

interface XmlElement {
  localName: string;
  getAttribute(name: string): string | null;
  childNodes: ArrayLike<{ nodeType: number }>;
  textContent: string | null;
}

const children = (node: XmlElement, name?: string): XmlElement[] =>
  Array.from(node.childNodes as ArrayLike<XmlElement & { nodeType: number }>).filter(
    (child) => child.nodeType === 1 && (name === undefined || child.localName === name),
  );
const child = (node: XmlElement, name: string) => children(node, name)[0];
const attr = (node: XmlElement | undefined, name: string) => node?.getAttribute(name) ?? undefined;

function translatedText(node: XmlElement | undefined): LocalizedText | undefined {
  if (!node) return undefined;
  const texts = children(node, 'TranslatedText');
  if (texts.length === 0) return undefined;
  const of = (lang: string) =>
    texts
      .find((entry) => (entry.getAttribute('xml:lang') ?? '').toLowerCase().startsWith(lang))
      ?.textContent?.trim();
  const fallback = texts[0]?.textContent?.trim() ?? '';
  const en = of('en') ?? fallback;
  return { en, zh: of('zh') ?? en };
}

const alias = (node: XmlElement, context: string) =>
  children(node, 'Alias')
    .find((entry) => entry.getAttribute('Context') === context)
    ?.getAttribute('Name') ?? undefined;

/** An identifier the rule language accepts, from an ODM OID or name. */
export function toIdentifier(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `x${cleaned}`;
}

export interface ImportResult {
  forms: ProtocolForm[];
  codeLists: Protocol['codeLists'];
  /** What could not be carried over, one line each. */
  notes: string[];
}

const typeFromOdm: Record<string, ProtocolForm['items'][number]['type']> = {
  integer: 'integer',
  float: 'decimal',
  double: 'decimal',
  date: 'date',
  partialDate: 'date',
  datetime: 'datetime',
  partialDatetime: 'datetime',
  boolean: 'boolean',
  text: 'text',
  string: 'text',
};

export function importOdmMetadata(xml: string): ImportResult {
  let document: XmlElement;
  try {
    document = create(xml).root().node as unknown as XmlElement;
  } catch (error) {
    const message = `Not well-formed XML: ${(error as Error).message}`;
    throw validationFailed([{ field: 'file', message }], message);
  }
  if (document.localName !== 'ODM')
    throw validationFailed(
      [{ field: 'file', message: 'The root element is not <ODM>.' }],
      'The root element is not <ODM>: this is not an ODM file.',
    );
  const versions = children(document, 'Study').flatMap((study) => children(study, 'MetaDataVersion'));
  // A file with several versions (an amended study's export lists them oldest first) gives the last.
  const mdv = versions.at(-1);
  if (!mdv)
    throw validationFailed(
      [{ field: 'file', message: 'no Study/MetaDataVersion' }],
      'The file has no Study/MetaDataVersion to import forms from.',
    );
  const notes: string[] = [];
  if (versions.length > 1)
    notes.push(
      `earlier metadata versions ${versions
        .slice(0, -1)
        .map((version) => attr(version, 'OID'))
        .join(', ')}: the forms are those of the last, ${attr(mdv, 'OID')}`,
    );
  const byOid = (name: string) =>
    new Map(children(mdv, name).map((node) => [node.getAttribute('OID') ?? '', node]));
  const itemDefs = byOid('ItemDef');
  const groups = byOid('ItemGroupDef');
  const codeListNodes = byOid('CodeList');
  const conditions = byOid('ConditionDef');
  const methods = byOid('MethodDef');
  const units = new Map(
    children(document, 'Study')
      .flatMap((study) => children(study, 'BasicDefinitions'))
      .flatMap((basic) => children(basic, 'MeasurementUnit'))
      .map((unit) => [unit.getAttribute('OID') ?? '', unit.getAttribute('Name') ?? '']),
  );
  const codedItems = (node: XmlElement) =>
    children(node, 'CodeListItem').map((entry) => {
      const code = entry.getAttribute('CodedValue') ?? '';
      return { code, label: translatedText(child(entry, 'Decode')) ?? { en: code, zh: code } };
    });
  const usedCodeLists = new Set<string>();
  const expression = (node: XmlElement | undefined) => {
    const formal = node ? child(node, 'FormalExpression') : undefined;
    if (!formal) return undefined;
    if (formal.getAttribute('Context') !== 'exotrial:rule') {
      notes.push(
        `${attr(node, 'OID')}: expression in context "${formal.getAttribute('Context')}" is not exotrial's rule language; not imported`,
      );
      return undefined;
    }
    return formal.textContent?.trim();
  };

  const forms: ProtocolForm[] = children(mdv, 'FormDef').map((formNode) => {
    const formOid = formNode.getAttribute('OID') ?? '';
    const formId = toIdentifier(formOid.replace(/^F\./, ''));
    const itemNodes = children(formNode, 'ItemGroupRef').flatMap((ref) => {
      const group = groups.get(ref.getAttribute('ItemGroupOID') ?? '');
      if (!group) notes.push(`${formOid}: item group ${ref.getAttribute('ItemGroupOID')} is not defined`);
      return group ? children(group, 'ItemRef').map((itemRef) => ({ itemRef, group })) : [];
    });
    const firstGroup = itemNodes[0]?.group;
    const descriptionEn = alias(formNode, 'exotrial:description:en');
    const items = itemNodes.flatMap(({ itemRef }) => {
      const itemOid = itemRef.getAttribute('ItemOID') ?? '';
      const def = itemDefs.get(itemOid);
      if (!def) {
        notes.push(`${formOid}: item ${itemOid} is not defined`);
        return [];
      }
      const dataType = def.getAttribute('DataType') ?? 'text';
      const codeListOid = attr(child(def, 'CodeListRef'), 'CodeListOID');
      const declared = alias(def, 'exotrial:type') as ProtocolForm['items'][number]['type'] | undefined;
      let type = declared ?? (codeListOid ? 'choice' : typeFromOdm[dataType]);
      if (!type) {
        notes.push(`${itemOid}: data type ${dataType} has no equivalent; imported as text`);
        type = 'text';
      }
      const itemId = toIdentifier(def.getAttribute('Name') ?? itemOid);
      const item: Record<string, unknown> = {
        id: itemId,
        type,
        label: translatedText(child(def, 'Question')) ??
          translatedText(child(def, 'Description')) ?? { en: itemId, zh: itemId },
        required: itemRef.getAttribute('Mandatory') === 'Yes',
      };
      const hint = child(def, 'Question') ? translatedText(child(def, 'Description')) : undefined;
      if (hint) item.hint = hint;
      const unitNames = children(def, 'MeasurementUnitRef').flatMap((ref) => {
        const unitOid = ref.getAttribute('MeasurementUnitOID');
        return unitOid ? [units.get(unitOid) ?? unitOid.replace(/^MU\./, '')] : [];
      });
      if (unitNames[0] && (type === 'integer' || type === 'decimal')) {
        item.unit = unitNames[0];
        if (unitNames.length > 1) item.units = unitNames.slice(1);
        const molarMass = Number(alias(def, 'exotrial:molarMass'));
        if (Number.isFinite(molarMass) && molarMass > 0) item.molarMass = molarMass;
      }
      if (type === 'integer' || type === 'decimal') {
        const loinc = (alias(def, 'exotrial:loinc') ?? alias(def, 'LOINC') ?? '')
          .split(/\s+/)
          // Another system's alias that is not a LOINC code is left out, not a reason to refuse the file.
          .filter((code) => loincSchema.safeParse(code).success);
        if (loinc.length > 0) item.loinc = [...new Set(loinc)];
      }
      const digits = def.getAttribute('SignificantDigits');
      if (digits !== null && type === 'decimal') item.precision = Number(digits);
      // Hard range checks are the item's limits; soft ones its plausibility range (a query, not a refusal).
      const range: { low?: number; high?: number } = {};
      const plausible: { low?: number; high?: number } = {};
      const checks: unknown[] = [];
      for (const check of children(def, 'RangeCheck')) {
        const comparator = check.getAttribute('Comparator');
        const value = child(check, 'CheckValue')?.textContent?.trim();
        const rule = child(check, 'FormalExpression');
        const message = translatedText(child(check, 'ErrorMessage'));
        if (rule && rule.getAttribute('Context') === 'exotrial:rule') {
          checks.push({
            rule: rule.textContent?.trim(),
            severity: check.getAttribute('SoftHard') === 'Soft' ? 'soft' : 'hard',
            message: message ?? { en: 'Check failed', zh: '核查未通过' },
          });
        } else if (
          (comparator === 'GE' || comparator === 'GT') &&
          value !== undefined &&
          Number.isFinite(Number(value))
        ) {
          (check.getAttribute('SoftHard') === 'Soft' ? plausible : range).low = Number(value);
        } else if (
          (comparator === 'LE' || comparator === 'LT') &&
          value !== undefined &&
          Number.isFinite(Number(value))
        ) {
          (check.getAttribute('SoftHard') === 'Soft' ? plausible : range).high = Number(value);
        } else {
          notes.push(
            `${itemOid}: range check ${comparator ?? '(no comparator)'} ${value ?? ''} not imported`,
          );
        }
      }
      if ((range.low !== undefined || range.high !== undefined) && (type === 'integer' || type === 'decimal'))
        item.range = range;
      if (
        (plausible.low !== undefined || plausible.high !== undefined) &&
        (type === 'integer' || type === 'decimal')
      )
        item.plausible = plausible;
      if (checks.length) item.checks = checks;
      if (codeListOid) {
        const list = codeListNodes.get(codeListOid);
        if (!list) notes.push(`${itemOid}: code list ${codeListOid} is not defined`);
        else if (codeListOid === `CL.${formOid.replace(/^F\./, '')}.${def.getAttribute('Name')}`)
          item.choices = codedItems(list);
        else {
          item.codeList = toIdentifier(codeListOid.replace(/^CL\./, ''));
          usedCodeLists.add(codeListOid);
        }
      }
      const showIfNegated = expression(
        conditions.get(itemRef.getAttribute('CollectionExceptionConditionOID') ?? ''),
      );
      if (showIfNegated) {
        const match = /^not \(([\s\S]*)\)$/.exec(showIfNegated);
        item.showIf = match ? match[1] : `not (${showIfNegated})`;
      }
      const derivation = expression(methods.get(itemRef.getAttribute('MethodOID') ?? ''));
      if (derivation) item.derivation = derivation;
      const sdtm = alias(def, 'SDTM')?.split('.');
      if (sdtm?.[0] && sdtm[1])
        item.sdtm = { domain: sdtm[0], variable: sdtm[1], ...(sdtm[2] ? { testCode: sdtm[2] } : {}) };
      return [item];
    });
    const form = {
      id: formId,
      title: translatedText(child(formNode, 'Description')) ?? {
        en: formNode.getAttribute('Name') ?? formId,
        zh: formNode.getAttribute('Name') ?? formId,
      },
      ...(descriptionEn
        ? {
            description: {
              en: descriptionEn,
              zh: alias(formNode, 'exotrial:description:zh') ?? descriptionEn,
            },
          }
        : {}),
      ...(attr(firstGroup, 'Domain') ? { sdtmDomain: attr(firstGroup, 'Domain') } : {}),
      repeating: formNode.getAttribute('Repeating') === 'Yes',
      ...(alias(formNode, 'exotrial:dueAtVisits') === 'Yes' ? { dueAtVisits: true } : {}),
      items,
    };
    const parsed = formSchema.safeParse(form);
    if (!parsed.success) {
      throw validationFailed(
        parsed.error.issues.map((issue) => ({
          field: `${formOid}.${issue.path.join('.')}`,
          message: issue.message,
        })),
        `Form ${formOid} cannot be imported; nothing was imported.`,
      );
    }
    return parsed.data;
  });
  const codeLists = z.array(codeListSchema).parse(
    [...codeListNodes.keys()]
      .filter((oid) => usedCodeLists.has(oid))
      .map((oid) => {
        const node = codeListNodes.get(oid) as XmlElement;
        const name = translatedText(child(node, 'Description'));
        return {
          id: toIdentifier(oid.replace(/^CL\./, '')),
          ...(name ? { name } : {}),
          items: codedItems(node),
        };
      }),
  );
  return { forms, codeLists, notes };
}
