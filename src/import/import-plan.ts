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
  values: Map<string, PlannedValue>;
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
  private readonly slots: FormSlot[];

  constructor(
    private readonly protocol: Protocol,
    /** Study number or screening number → participant id. */
    private readonly participants: ReadonlyMap<string, string>,
  ) {
    this.slots = formSlots(protocol);
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
    const visitForms = this.slots.filter((slot) => slot.visitKey === row.visit);
    if (visitForms.length === 0) {
      this.problem({
        ...where,
        messages: { en: `The protocol has no visit "${row.visit}".`, zh: `方案中没有访视“${row.visit}”。` },
      });
      return;
    }
    for (const cell of row.cells) this.addCell(row, participantId, cell);
  }

  private addCell(row: ImportRow, participantId: string, cell: RowCell): void {
    const where = { line: row.line, participant: row.participant, visit: row.visit, column: cell.column };
    const formId = this.formOf(row.visit, cell);
    if (typeof formId !== 'string') {
      if (cell.raw !== null && String(cell.raw).trim() !== '')
        this.problem({ ...where, messages: formId.problem });
      return;
    }
    const form = this.protocol.forms.find((entry) => entry.id === formId);
    const item = form?.items.find((entry) => entry.id === cell.itemId);
    const slot = this.slots.find((entry) => entry.visitKey === row.visit && entry.formId === formId);
    if (!form || !item || !slot) return;
    const read = readValue(this.protocol, item, cell.raw);
    if (!read.ok) {
      this.problem({ ...where, messages: read.message });
      return;
    }
    if (!read.field) return;
    this.values += 1;
    if (!validInstance(this.protocol, slot, row.instance)) {
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
  private formOf(visitKey: string, cell: RowCell): string | { problem: { en: string; zh: string } } {
    const forms = this.slots
      .filter((slot) => slot.visitKey === visitKey && (!cell.formId || slot.formId === cell.formId))
      .map((slot) => this.protocol.forms.find((form) => form.id === slot.formId))
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
