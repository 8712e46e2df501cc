import { type FieldInput, sameEntry } from '../crf/entries.ts';
import { type FormSlot, formSlots, validInstance } from '../participants/schedule.ts';
import type { Protocol } from '../protocol/schema.ts';
import type { ImportRow, RowCell, RowProblem } from './import-row.ts';
import { readValue } from './read-value.ts';

// Pure: rows of a source placed in the form records they fill, each value read as the form reads it.
// What only the database knows (locks, signatures, the checks against saved values) comes later.

/** One value bound for a record, with the line it came from. */
export interface PlannedValue {
  line: number;
  column: string;
  field: FieldInput;
}

/** The values of one form record (participant, visit, form, instance) a source gives. */
export interface PlannedRecord {
  participantId: string;
  /** The participant as the source names it. */
  participant: string;
  visitKey: string;
  formId: string;
  instance: number;
  /**
   * The protocol version the source's values were entered under, when it names one the study has
   * (an ODM file's MetaDataVersion): a new record is written under it. Otherwise the participant's.
   */
  protocolVersion?: number;
  values: Map<string, PlannedValue>;
}

/** A protocol version a source may name, by its ODM MetaDataVersion OID. */
export interface NamedVersion {
  versionNo: number;
  protocol: Protocol;
}

export const recordKey = (
  record: Pick<PlannedRecord, 'participantId' | 'visitKey' | 'formId' | 'instance'>,
) => `${record.participantId}\u0000${record.visitKey}\u0000${record.formId}\u0000${record.instance}`;

/** The records of a source in the order they first appear, and the problems of its rows. */
export class ImportPlan {
  readonly records = new Map<string, PlannedRecord>();
  readonly problems: RowProblem[] = [];
  /** Lines with at least one problem. */
  readonly badLines = new Set<number>();
  rows = 0;
  values = 0;
  private readonly slotsOf = new Map<Protocol, FormSlot[]>();

  constructor(
    /** The study's current protocol: rows that name no version of the study are read by it. */
    private readonly current: Protocol,
    /** Study number or screening number → participant id. */
    private readonly participants: ReadonlyMap<string, string>,
    /** The study's versions by the metadata version OID a source may name. */
    private readonly versions: ReadonlyMap<string, NamedVersion> = new Map(),
  ) {}

  /** The protocol a row's values are read by, its form slots, and the version to write new records under. */
  private versionOf(row: ImportRow) {
    const named = row.metaDataVersion ? this.versions.get(row.metaDataVersion) : undefined;
    const protocol = named?.protocol ?? this.current;
    let slots = this.slotsOf.get(protocol);
    if (!slots) {
      slots = formSlots(protocol);
      this.slotsOf.set(protocol, slots);
    }
    return { protocol, slots, versionNo: named?.versionNo };
  }

  problem(problem: Omit<RowProblem, 'message'>): void {
    this.problems.push({ ...problem, message: problem.messages.en });
    this.badLines.add(problem.line);
  }

  /** Places one row's cells; a cell that cannot be placed or read is a problem of its line. */
  add(row: ImportRow): void {
    this.rows += 1;
    const where = { line: row.line, participant: row.participant, visit: row.visit };
    const participantId = this.participants.get(row.participant.trim());
    if (!participantId) {
      this.problem({
        ...where,
        messages: {
          en: `No participant has the study or screening number "${row.participant}".`,
          zh: `没有研究编号或筛选编号为“${row.participant}”的受试者。`,
        },
      });
      return;
    }
    const version = this.versionOf(row);
    const visitForms = version.slots.filter((slot) => slot.visitKey === row.visit);
    if (visitForms.length === 0) {
      this.problem({
        ...where,
        messages: { en: `The protocol has no visit "${row.visit}".`, zh: `方案中没有访视“${row.visit}”。` },
      });
      return;
    }
    for (const cell of row.cells) this.addCell(row, participantId, cell, version);
  }

  private addCell(
    row: ImportRow,
    participantId: string,
    cell: RowCell,
    version: ReturnType<ImportPlan['versionOf']>,
  ): void {
    const { protocol, slots } = version;
    const where = { line: row.line, participant: row.participant, visit: row.visit, column: cell.column };
    const formId = this.formOf(protocol, slots, row.visit, cell);
    if (typeof formId !== 'string') {
      if (cell.raw !== null && String(cell.raw).trim() !== '')
        this.problem({ ...where, messages: formId.problem });
      return;
    }
    const form = protocol.forms.find((entry) => entry.id === formId);
    const item = form?.items.find((entry) => entry.id === cell.itemId);
    const slot = slots.find((entry) => entry.visitKey === row.visit && entry.formId === formId);
    if (!form || !item || !slot) return;
    const read = readValue(protocol, item, cell.raw);
    if (!read.ok) {
      this.problem({ ...where, messages: read.message });
      return;
    }
    if (!read.field) return;
    this.values += 1;
    if (!validInstance(protocol, slot, row.instance)) {
      this.problem({
        ...where,
        messages: {
          en: `Instance ${row.instance} does not exist for ${formId} at ${row.visit}.`,
          zh: `访视 ${row.visit} 的 ${formId} 没有第 ${row.instance} 条记录。`,
        },
      });
      return;
    }
    const key = recordKey({ participantId, visitKey: row.visit, formId, instance: row.instance });
    const record = this.records.get(key) ?? {
      participantId,
      participant: row.participant,
      visitKey: row.visit,
      formId,
      instance: row.instance,
      ...(version.versionNo === undefined ? {} : { protocolVersion: version.versionNo }),
      values: new Map(),
    };
    this.records.set(key, record);
    const earlier = record.values.get(item.id);
    if (earlier && !sameEntry(earlier.field, read.field)) {
      this.problem({
        ...where,
        messages: {
          en: `${formId}.${item.id} is given a different value on line ${earlier.line}.`,
          zh: `${formId}.${item.id} 在第 ${earlier.line} 行给出了不同的值。`,
        },
      });
      return;
    }
    record.values.set(item.id, { line: row.line, column: cell.column, field: read.field });
  }

  /** The form of a cell at a visit: the one it names, or the only form of the visit with that item. */
  private formOf(
    protocol: Protocol,
    slots: readonly FormSlot[],
    visitKey: string,
    cell: RowCell,
  ): string | { problem: { en: string; zh: string } } {
    const forms = slots
      .filter((slot) => slot.visitKey === visitKey && (!cell.formId || slot.formId === cell.formId))
      .map((slot) => protocol.forms.find((form) => form.id === slot.formId))
      .filter((form) => form?.items.some((item) => item.id === cell.itemId));
    const [only] = forms;
    if (forms.length === 1 && only) return only.id;
    if (forms.length === 0) {
      const named = cell.formId ? `${cell.formId}.${cell.itemId}` : cell.itemId;
      return {
        problem: {
          en: `Visit ${visitKey} has no item ${named}.`,
          zh: `访视 ${visitKey} 没有数据项 ${named}。`,
        },
      };
    }
    const names = forms.map((form) => form?.id).join(', ');
    return {
      problem: {
        en: `${cell.itemId} is on several forms of ${visitKey} (${names}): name the column form.item.`,
        zh: `${cell.itemId} 出现在访视 ${visitKey} 的多个表单中（${names}）：请将列名写为 表单.数据项。`,
      },
    };
  }

  /** The lines a record's values come from. */
  static linesOf(record: PlannedRecord): number[] {
    return [...new Set([...record.values.values()].map((value) => value.line))];
  }
}
