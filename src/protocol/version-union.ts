import type { Protocol, ProtocolForm, ProtocolVisit } from './schema.ts';

// Reads that put every participant's data into one set of metadata (ODM, REDCap, SDTM, the report)
// need the forms, items and visits of every protocol version at once: an amendment that removes an
// item or a form must not make values entered under an older version disappear from them.

/**
 * `additions` placed into `list` by id: an entry `list` lacks goes right after the entry that
 * precedes it in `additions` (at the start when none does), so a removed item keeps its place
 * among its former neighbours. Entries `list` has already are left as they are.
 */
function mergeById<T extends { id: string }>(
  list: T[],
  additions: readonly T[],
  fresh = (entry: T) => entry,
) {
  let previous: string | null = null;
  for (const entry of additions) {
    if (!list.some((existing) => existing.id === entry.id)) {
      const at = previous === null ? 0 : list.findIndex((existing) => existing.id === previous) + 1;
      list.splice(at, 0, fresh(entry));
    }
    previous = entry.id;
  }
}

/** Identifiers added to a list without repeating any, the list's order kept. */
const mergeIds = (list: string[], additions: readonly string[]) => {
  for (const id of additions) if (!list.includes(id)) list.push(id);
};

const copyForm = (form: ProtocolForm): ProtocolForm => ({ ...form, items: [...form.items] });
const copyVisit = (visit: ProtocolVisit): ProtocolVisit => ({
  ...visit,
  forms: [...visit.forms],
  timepoints: visit.timepoints.map((timepoint) => ({ ...timepoint, forms: [...timepoint.forms] })),
});

/**
 * The union of a study's protocol versions (oldest first): the latest version, with every form, item,
 * code list, visit, time point and visit's form that only older versions define added back, each
 * from the newest version that still defines it and placed after its former neighbour. Whatever
 * both define is read as the latest defines it (a renamed label reads with its new name); everything
 * else (study, regimen, outcomes, safety) is the latest's.
 */
export function protocolUnion(versions: readonly Protocol[]): Protocol {
  const latest = versions.at(-1);
  if (!latest) throw new Error('A study has at least one protocol version.');
  const union: Protocol = {
    ...latest,
    forms: latest.forms.map(copyForm),
    codeLists: [...latest.codeLists],
    schedule: { ...latest.schedule, visits: latest.schedule.visits.map(copyVisit) },
  };
  for (const older of versions.slice(0, -1).reverse()) {
    mergeById(union.forms, older.forms, copyForm);
    for (const form of older.forms) {
      const merged = union.forms.find((entry) => entry.id === form.id);
      if (merged) mergeById(merged.items, form.items);
    }
    mergeById(union.codeLists, older.codeLists);
    mergeById(union.schedule.visits, older.schedule.visits, copyVisit);
    for (const visit of older.schedule.visits) {
      const merged = union.schedule.visits.find((entry) => entry.id === visit.id);
      if (!merged) continue;
      mergeIds(merged.forms, visit.forms);
      mergeById(merged.timepoints, visit.timepoints, (timepoint) => ({
        ...timepoint,
        forms: [...timepoint.forms],
      }));
      for (const timepoint of visit.timepoints) {
        const mergedTimepoint = merged.timepoints.find((entry) => entry.id === timepoint.id);
        if (mergedTimepoint) mergeIds(mergedTimepoint.forms, timepoint.forms);
      }
    }
  }
  return union;
}

/** A saved value that no protocol version defines a place for: its form or its item is unknown to all. */
export interface UnplacedValue {
  recordId: string;
  participantId: string;
  visitKey: string;
  formId: string;
  /** Null when the whole form is unknown. */
  itemId: string | null;
  protocolVersion: number;
}

/**
 * The values of `records` that `protocol` (the union of the study's versions) has no item for. With
 * the union these are values no version ever defined (written around the API, or imported); exports
 * and the report name them instead of leaving them out silently.
 */
export function unplacedValues(
  protocol: Protocol,
  records: readonly {
    record_id: string;
    participant_id: string;
    visit_id: string;
    form_id: string;
    protocol_version: number;
    entries: unknown;
  }[],
): UnplacedValue[] {
  const forms = new Map(
    protocol.forms.map((form) => [form.id, new Set(form.items.map((item) => item.id))] as const),
  );
  return records.flatMap((record): UnplacedValue[] => {
    const items = forms.get(record.form_id);
    const place = {
      recordId: record.record_id,
      participantId: record.participant_id,
      visitKey: record.visit_id,
      formId: record.form_id,
      protocolVersion: record.protocol_version,
    };
    const saved = Object.keys((record.entries ?? {}) as object);
    if (!items) return saved.length > 0 ? [{ ...place, itemId: null }] : [];
    return saved.filter((itemId) => !items.has(itemId)).map((itemId) => ({ ...place, itemId }));
  });
}

/** One line naming an unplaced value, for notes in exports and the report. */
export const unplacedText = (value: UnplacedValue) =>
  `${value.visitKey} · ${value.formId}${value.itemId ? `.${value.itemId}` : ''} (record ${value.recordId}, protocol version ${value.protocolVersion})`;
