import { formSlots } from '../../participants/schedule.ts';
import type { LocalizedText, Protocol, ProtocolForm, ProtocolItem } from '../../protocol/schema.ts';
import { element, text } from '../xml.ts';

// The protocol as CDISC ODM 1.3.2 metadata: study events (one per visit or visit time point), forms,
// item groups, items with questions in English and Chinese, code lists, measurement units, range and
// edit checks, skip logic (ConditionDef) and derivations (MethodDef). Aliases in the `exotrial:`
// contexts carry what ODM has no place for, so that importing the file gives back the same forms.

export const oids = {
  study: (protocol: Protocol) => `ST.${protocol.study.id}`,
  event: (visitKey: string) => `SE.${visitKey}`,
  form: (formId: string) => `F.${formId}`,
  group: (formId: string) => `IG.${formId}`,
  item: (formId: string, itemId: string) => `I.${formId}.${itemId}`,
  codeList: (codeListId: string) => `CL.${codeListId}`,
  choices: (formId: string, itemId: string) => `CL.${formId}.${itemId}`,
  unit: (unit: string) => `MU.${unit}`,
  condition: (formId: string, itemId: string) => `C.${formId}.${itemId}`,
  method: (formId: string, itemId: string) => `M.${formId}.${itemId}`,
};

/** A protocol version as one ODM MetaDataVersion. */
export interface OdmMetaDataVersion {
  versionNo: number;
  oid: string;
  protocol: Protocol;
}

/**
 * The MetaDataVersion OID of each of a study's protocol versions (oldest first): `MDV.<version>` by
 * the protocol's own version label, with the version number added when two versions share a label,
 * so each OID names one version whichever versions a file holds.
 */
export function metaDataVersionOids(versions: readonly { versionNo: number; protocol: Protocol }[]) {
  const labels = versions.map((version) => version.protocol.version);
  return new Map(
    versions.map((version) => {
      const label = version.protocol.version;
      const shared = labels.filter((other) => other === label).length > 1;
      return [version.versionNo, shared ? `MDV.${label}.v${version.versionNo}` : `MDV.${label}`];
    }),
  );
}

/** Events that hold forms no visit lists (e.g. the adverse event log): one common event. */
export const COMMON_EVENT = 'common';

export const translated = (value: LocalizedText) =>
  text('TranslatedText', { 'xml:lang': 'en' }, value.en) +
  text('TranslatedText', { 'xml:lang': 'zh' }, value.zh);

const dataTypes: Record<ProtocolItem['type'], string> = {
  text: 'text',
  integer: 'integer',
  decimal: 'float',
  date: 'date',
  datetime: 'datetime',
  choice: 'text',
  multichoice: 'text',
  boolean: 'boolean',
  file: 'text',
};

/** The study events of a protocol: each visit key (visit or visit/time point) with its name and forms. */
export function studyEvents(protocol: Protocol) {
  const events = new Map<
    string,
    { name: LocalizedText; forms: string[]; repeating: boolean; type: string }
  >();
  for (const slot of formSlots(protocol)) {
    const visit = protocol.schedule.visits.find((entry) => entry.id === slot.visitId);
    if (!visit) continue;
    const timepoint = visit.timepoints.find((entry) => entry.id === slot.timepointId);
    const event = events.get(slot.visitKey) ?? {
      name: timepoint
        ? { en: `${visit.name.en}: ${timepoint.name.en}`, zh: `${visit.name.zh}：${timepoint.name.zh}` }
        : visit.name,
      forms: [],
      repeating: visit.repeat !== undefined,
      type: visit.kind === 'unscheduled' ? 'Unscheduled' : 'Scheduled',
    };
    event.forms.push(slot.formId);
    events.set(slot.visitKey, event);
  }
  const scheduled = new Set([...events.values()].flatMap((event) => event.forms));
  const unscheduled = protocol.forms.filter((form) => !scheduled.has(form.id)).map((form) => form.id);
  if (unscheduled.length > 0) {
    events.set(COMMON_EVENT, {
      name: { en: 'Any time during the study', zh: '研究期间任何时间' },
      forms: unscheduled,
      repeating: false,
      type: 'Common',
    });
  }
  return events;
}

/**
 * An item's limits as ODM range checks: its hard limits (a value outside cannot be saved) as
 * SoftHard="Hard", its plausibility range (a value outside is saved with a query) as "Soft".
 */
function limitChecks(item: ProtocolItem): string[] {
  const limits = [
    { bounds: item.range, softHard: 'Hard' },
    { bounds: item.plausible, softHard: 'Soft' },
  ] as const;
  return limits.flatMap(({ bounds, softHard }) => {
    const checks: string[] = [];
    if (bounds?.low !== undefined) {
      checks.push(
        element(
          'RangeCheck',
          { Comparator: 'GE', SoftHard: softHard },
          text('CheckValue', {}, bounds.low),
          element(
            'ErrorMessage',
            {},
            translated({ en: `At least ${bounds.low}`, zh: `不小于 ${bounds.low}` }),
          ),
        ),
      );
    }
    if (bounds?.high !== undefined) {
      checks.push(
        element(
          'RangeCheck',
          { Comparator: 'LE', SoftHard: softHard },
          text('CheckValue', {}, bounds.high),
          element(
            'ErrorMessage',
            {},
            translated({ en: `At most ${bounds.high}`, zh: `不大于 ${bounds.high}` }),
          ),
        ),
      );
    }
    return checks;
  });
}

function itemDef(form: ProtocolForm, item: ProtocolItem): string {
  const rangeChecks: string[] = limitChecks(item);
  for (const check of item.checks) {
    // An edit check is a rule that must hold: expressed as a formal expression of exotrial's rule language.
    rangeChecks.push(
      element(
        'RangeCheck',
        { SoftHard: check.severity === 'hard' ? 'Hard' : 'Soft' },
        text('FormalExpression', { Context: 'exotrial:rule' }, check.rule),
        element('ErrorMessage', {}, translated(check.message)),
      ),
    );
  }
  const codeList = item.codeList
    ? oids.codeList(item.codeList)
    : item.choices
      ? oids.choices(form.id, item.id)
      : undefined;
  const aliases = [
    element('Alias', { Context: 'exotrial:type', Name: item.type }),
    item.molarMass !== undefined
      ? element('Alias', { Context: 'exotrial:molarMass', Name: String(item.molarMass) })
      : null,
    // The laboratory test's LOINC code as ODM metadata commonly carries it (Alias Context LOINC, one
    // per element, as the schema's uniqueness of Context requires), and all of them for exotrial.
    item.loinc?.[0] !== undefined ? element('Alias', { Context: 'LOINC', Name: item.loinc[0] }) : null,
    item.loinc !== undefined && item.loinc.length > 1
      ? element('Alias', { Context: 'exotrial:loinc', Name: item.loinc.join(' ') })
      : null,
    item.sdtm
      ? element('Alias', {
          Context: 'SDTM',
          Name: [item.sdtm.domain, item.sdtm.variable, item.sdtm.testCode].filter(Boolean).join('.'),
        })
      : null,
  ];
  return element(
    'ItemDef',
    {
      OID: oids.item(form.id, item.id),
      Name: item.id,
      DataType: dataTypes[item.type],
      SignificantDigits: item.precision,
    },
    item.hint ? element('Description', {}, translated(item.hint)) : null,
    element('Question', {}, translated(item.label)),
    // The item's unit first, then the other units a value may be entered in (ODM allows several refs).
    ...(item.unit ? [item.unit, ...(item.units ?? [])] : []).map((unit) =>
      element('MeasurementUnitRef', { MeasurementUnitOID: oids.unit(unit) }),
    ),
    ...rangeChecks,
    codeList ? element('CodeListRef', { CodeListOID: codeList }) : null,
    ...aliases,
  );
}

function codeListDef(
  oid: string,
  name: string,
  description: LocalizedText | undefined,
  items: Protocol['codeLists'][number]['items'],
): string {
  return element(
    'CodeList',
    { OID: oid, Name: name, DataType: 'text' },
    description ? element('Description', {}, translated(description)) : null,
    ...items.map((entry) =>
      element('CodeListItem', { CodedValue: entry.code }, element('Decode', {}, translated(entry.label))),
    ),
  );
}

/** Measurement units used by the protocol's items. */
export const protocolUnits = (protocol: Protocol) =>
  [
    ...new Set(
      protocol.forms.flatMap((form) =>
        form.items.flatMap((item) => (item.unit ? [item.unit, ...(item.units ?? [])] : [])),
      ),
    ),
  ].sort();

/**
 * `<GlobalVariables>` (the latest version's), `<BasicDefinitions>` (every version's units) and one
 * complete `<MetaDataVersion>` per protocol version, oldest first: each version's values are
 * described by the definitions they were entered under (ODM 1.3.2 §3.1.2: data point to the
 * MetaDataVersion that governs them), so an item whose type, code list or limits an amendment
 * changed keeps, for earlier values, the ItemDef they were checked against.
 */
export function studyMetadata(versions: readonly OdmMetaDataVersion[]): string {
  const latest = versions.at(-1)?.protocol;
  if (!latest) throw new Error('ODM metadata needs at least one protocol version.');
  const units = [...new Set(versions.flatMap((version) => protocolUnits(version.protocol)))]
    .sort()
    .map((unit) =>
      element(
        'MeasurementUnit',
        { OID: oids.unit(unit), Name: unit },
        element('Symbol', {}, text('TranslatedText', { 'xml:lang': 'en' }, unit)),
      ),
    );
  return (
    element(
      'GlobalVariables',
      {},
      text('StudyName', {}, latest.study.shortTitle),
      text('StudyDescription', {}, latest.study.title.en),
      text('ProtocolName', {}, latest.study.registryId),
    ) +
    (units.length ? element('BasicDefinitions', {}, ...units) : '') +
    versions.map((version) => metaDataVersion(version.protocol, version.oid)).join('')
  );
}

/** One protocol version as a complete `<MetaDataVersion>`. */
function metaDataVersion(protocol: Protocol, oid: string): string {
  const events = studyEvents(protocol);
  const eventDefs = [...events].map(([key, event]) =>
    element(
      'StudyEventDef',
      {
        OID: oids.event(key),
        Name: event.name.en,
        Repeating: event.repeating ? 'Yes' : 'No',
        Type: event.type,
      },
      element('Description', {}, translated(event.name)),
      ...event.forms.map((formId, index) =>
        element('FormRef', { FormOID: oids.form(formId), OrderNumber: index + 1, Mandatory: 'No' }),
      ),
    ),
  );
  const formDefs = protocol.forms.map((form) =>
    element(
      'FormDef',
      { OID: oids.form(form.id), Name: form.title.en, Repeating: form.repeating ? 'Yes' : 'No' },
      element('Description', {}, translated(form.title)),
      element('ItemGroupRef', { ItemGroupOID: oids.group(form.id), Mandatory: 'Yes', OrderNumber: 1 }),
      form.description
        ? element('Alias', { Context: 'exotrial:description:en', Name: form.description.en })
        : null,
      form.description
        ? element('Alias', { Context: 'exotrial:description:zh', Name: form.description.zh })
        : null,
      // A series' first entry is due at each visit; ODM has no word for it.
      form.dueAtVisits ? element('Alias', { Context: 'exotrial:dueAtVisits', Name: 'Yes' }) : null,
    ),
  );
  const groupDefs = protocol.forms.map((form) =>
    element(
      'ItemGroupDef',
      { OID: oids.group(form.id), Name: form.id, Repeating: 'No', Domain: form.sdtmDomain },
      element('Description', {}, translated(form.title)),
      ...form.items.map((item, index) =>
        element('ItemRef', {
          ItemOID: oids.item(form.id, item.id),
          OrderNumber: index + 1,
          Mandatory: item.required ? 'Yes' : 'No',
          MethodOID: item.derivation ? oids.method(form.id, item.id) : undefined,
          CollectionExceptionConditionOID: item.showIf ? oids.condition(form.id, item.id) : undefined,
        }),
      ),
    ),
  );
  const itemDefs = protocol.forms.flatMap((form) => form.items.map((item) => itemDef(form, item)));
  const codeLists = [
    ...protocol.codeLists.map((list) => codeListDef(oids.codeList(list.id), list.id, list.name, list.items)),
    ...protocol.forms.flatMap((form) =>
      form.items.flatMap((item) =>
        item.choices
          ? [codeListDef(oids.choices(form.id, item.id), `${form.id}.${item.id}`, undefined, item.choices)]
          : [],
      ),
    ),
  ];
  const conditions = protocol.forms.flatMap((form) =>
    form.items.flatMap((item) =>
      item.showIf
        ? [
            element(
              'ConditionDef',
              { OID: oids.condition(form.id, item.id), Name: `Skip ${form.id}.${item.id}` },
              element(
                'Description',
                {},
                translated({
                  en: `${item.label.en} is not collected when this holds`,
                  zh: `满足此条件时不采集“${item.label.zh}”`,
                }),
              ),
              // ODM's condition says when the item is NOT collected: the negation of the item's showIf.
              text('FormalExpression', { Context: 'exotrial:rule' }, `not (${item.showIf})`),
            ),
          ]
        : [],
    ),
  );
  const methods = protocol.forms.flatMap((form) =>
    form.items.flatMap((item) =>
      item.derivation
        ? [
            element(
              'MethodDef',
              {
                OID: oids.method(form.id, item.id),
                Name: `Derive ${form.id}.${item.id}`,
                Type: 'Computation',
              },
              element(
                'Description',
                {},
                translated({ en: `Computes ${item.label.en}`, zh: `计算${item.label.zh}` }),
              ),
              text('FormalExpression', { Context: 'exotrial:rule' }, item.derivation),
            ),
          ]
        : [],
    ),
  );
  return element(
    'MetaDataVersion',
    { OID: oid, Name: `${protocol.study.shortTitle} protocol ${protocol.version}` },
    element(
      'Protocol',
      {},
      element('Description', {}, translated(protocol.study.title)),
      ...[...events.keys()].map((key, index) =>
        element('StudyEventRef', {
          StudyEventOID: oids.event(key),
          OrderNumber: index + 1,
          Mandatory: key === 'screening' ? 'Yes' : 'No',
        }),
      ),
    ),
    ...eventDefs,
    ...formDefs,
    ...groupDefs,
    ...itemDefs,
    ...codeLists,
    ...conditions,
    ...methods,
  );
}
