import { sameEntry } from '../crf/entries.ts';
import { resolveForm, writeEnteredForm } from '../crf/form.service.ts';
import { entriesOf, findRecord, type SlotKey } from '../crf/form-record.queries.ts';
import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, DomainError } from '../kernel/errors.ts';
import { writableParticipant } from '../participants/writable.ts';
import { isDoseRecordForm } from '../protocol/dose-record-form.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import type { ImportChange } from './import.schema.ts';
import type { PlannedRecord, PlannedValue } from './import-plan.ts';
import type { RowProblem } from './import-row.ts';

/** What one pass over the planned records wrote (inside a transaction that may yet roll back). */
export interface WriteOutcome {
  problems: RowProblem[];
  badLines: Set<number>;
  changes: ImportChange[];
  changeCount: number;
  recordsCreated: number;
  recordsChanged: number;
  valuesEntered: number;
  valuesChanged: number;
  valuesUnchanged: number;
}

export interface WriteContext {
  studyId: string;
  caller: Caller;
  /** The reason each audit event gives: `imported from FILE (sha-256 …)`. */
  auditReason: string;
  /** Why locked or signed records are written all the same; without it they are refused. */
  overrideLocked?: string;
  clock: Date;
  /** Changes listed back (the count covers the rest). */
  listed: number;
}

const emptyOutcome = (): WriteOutcome => ({
  problems: [],
  badLines: new Set(),
  changes: [],
  changeCount: 0,
  recordsCreated: 0,
  recordsChanged: 0,
  valuesEntered: 0,
  valuesChanged: 0,
  valuesUnchanged: 0,
});

/** An entry as a change lists it: the value, or the missing-data code with its reason. */
function shown(entry: { value?: unknown; missing?: string; missingReason?: string } | undefined): unknown {
  if (!entry) return null;
  return entry.missing ? `${entry.missing}: ${entry.missingReason ?? ''}` : (entry.value ?? null);
}

/** A refusal of the form writer, as problems of the lines whose values it names (or of every line). */
function problemsOf(
  error: DomainError,
  record: PlannedRecord,
  values: Map<string, PlannedValue>,
): RowProblem[] {
  const where = (value: PlannedValue) => ({
    line: value.line,
    participant: record.participant,
    visit: record.visitKey,
    column: value.column,
  });
  type Field = { field: string; message: string; messages?: { en: string; zh: string } };
  const fields = (error.details as { fields?: Field[] } | undefined)?.fields;
  // The form's checks say it in both languages; other refusals only in English, led in Chinese by what happened.
  const both = (field: Field) => field.messages ?? { en: field.message, zh: `无法保存：${field.message}` };
  const named = (fields ?? []).flatMap((field) => {
    const value = values.get(field.field);
    const messages = both(field);
    return value ? [{ ...where(value), message: messages.en, messages }] : [];
  });
  if (named.length > 0) return named;
  // A refusal of the whole record (a lock, no consent): one problem for each of its lines.
  const messages = fields
    ? {
        en: `${record.formId}: ${fields.map((field) => `${field.field}: ${both(field).en}`).join(' ')}`,
        zh: `${record.formId}：${fields.map((field) => `${field.field}：${both(field).zh}`).join(' ')}`,
      }
    : { en: error.message, zh: `该记录未能导入：${error.message}` };
  const lines = [...new Set([...values.values()].map((value) => value.line))];
  return lines.map((line) => ({
    line,
    participant: record.participant,
    visit: record.visitKey,
    message: messages.en,
    messages,
  }));
}

/**
 * Writes one planned record through the form writer, as a form save would (the participant locked and
 * writable, consent recorded, the record's protocol version). Locked and signed records are refused
 * unless `overrideLocked` says why they may change; a signature then breaks as on any change.
 */
async function writeRecord(
  trx: Tx,
  context: WriteContext,
  record: PlannedRecord,
  values: Map<string, PlannedValue>,
  outcome: WriteOutcome,
): Promise<void> {
  const { studyId, caller } = context;
  const participant = await writableParticipant(trx, studyId, record.participantId, {
    caller,
    permission: 'crf.import',
  });
  if (!participant.consented) {
    throw conflict(
      `No informed consent is recorded for ${record.participant}: no data may be entered before consent.`,
    );
  }
  const slot: SlotKey = {
    participantId: record.participantId,
    visitKey: record.visitKey,
    formId: record.formId,
    instance: record.instance,
  };
  const existing = await findRecord(trx, studyId, slot, true);
  const incoming = Object.fromEntries([...values].map(([itemId, value]) => [itemId, value.field]));
  const saved = entriesOf(existing);
  // Values equal to those saved are no change: nothing to check against a lock, nothing to write.
  if (Object.entries(incoming).every(([itemId, field]) => sameEntry(saved[itemId], field))) {
    outcome.valuesUnchanged += values.size;
    return;
  }
  const held = existing?.locked_at ? 'locked' : existing?.signed_at ? 'signed' : null;
  if (held && !context.overrideLocked) {
    throw new DomainError(
      'locked',
      `The ${record.formId} form of ${record.visitKey} is ${held}; import with an override and its reason to change it.`,
    );
  }
  const { protocol, versionNo } = await protocolVersion(
    trx,
    studyId,
    existing?.protocol_version ?? record.protocolVersion ?? participant.currentProtocolVersion,
  );
  const form = resolveForm(protocol, slot);
  if (isDoseRecordForm(form)) {
    // Only the dose records write this form: the values saved come back unchanged (an export read
    // back, above), a different one is refused.
    throw conflict(
      `The ${form.title.en} form is filled from the dose record; record or correct doses in the Dosing screen.`,
    );
  }
  const result = await writeEnteredForm(trx, studyId, caller, {
    participant,
    slot,
    protocol,
    versionNo,
    form,
    existing,
    incoming,
    clock: context.clock,
    auditReason:
      held === 'signed'
        ? `${context.auditReason}; written to a signed record: ${context.overrideLocked}`
        : context.auditReason,
    lockOverride: context.overrideLocked,
  });
  const old = saved;
  const written = entriesOf(result.record);
  if (result.created) outcome.recordsCreated += 1;
  else if (result.changed.length > 0) outcome.recordsChanged += 1;
  outcome.valuesUnchanged += values.size - result.changed.length;
  for (const itemId of result.changed) {
    const kind = old[itemId] === undefined ? 'enter' : 'change';
    if (kind === 'enter') outcome.valuesEntered += 1;
    else outcome.valuesChanged += 1;
    outcome.changeCount += 1;
    if (outcome.changes.length >= context.listed) continue;
    outcome.changes.push({
      line: values.get(itemId)?.line ?? 0,
      participant: record.participant,
      visit: record.visitKey,
      form: record.formId,
      instance: record.instance,
      item: itemId,
      kind,
      old: shown(old[itemId]),
      new: shown(written[itemId]),
    });
  }
}

/**
 * One pass over the planned records in the caller's transaction, leaving out the values of the lines
 * in `excluded`. A record the writer refuses (a check, a lock) becomes problems of its lines and the
 * pass goes on, so that every problem is listed; the refusal comes before the writer writes anything.
 */
export async function writePlannedRecords(
  trx: Tx,
  context: WriteContext,
  records: Iterable<PlannedRecord>,
  excluded: ReadonlySet<number>,
  onRecord?: (done: number) => void,
): Promise<WriteOutcome> {
  const outcome = emptyOutcome();
  let done = 0;
  for (const record of records) {
    const values = new Map([...record.values].filter(([, value]) => !excluded.has(value.line)));
    done += 1;
    onRecord?.(done);
    if (values.size === 0) continue;
    try {
      await writeRecord(trx, context, record, values, outcome);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      for (const problem of problemsOf(error, record, values)) {
        outcome.problems.push(problem);
        outcome.badLines.add(problem.line);
      }
    }
  }
  return outcome;
}
