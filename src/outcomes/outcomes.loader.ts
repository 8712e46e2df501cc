import { sql } from 'kysely';
import { codedTermsOf } from '../coding/coded-terms.ts';
import type { Db } from '../db/connection.ts';
import {
  evaluateExpression,
  parseRule,
  type RuleInputValue,
  type RuleNode,
  referencedItems,
} from '../protocol/rules/index.ts';
import type { Protocol } from '../protocol/schema.ts';
import { aeFormId } from '../safety/ae-summary.ts';
import type { AdverseEventSource, DoseSource, OutcomeRecord, ParticipantSource } from './source.ts';

interface StoredEntry {
  value?: unknown;
  missing?: string;
}

/** Stored entries as rule values keyed by `form.item`; an explicit missing-data code is null. */
function valuesOf(formId: string, entries: Record<string, StoredEntry>): Record<string, RuleInputValue> {
  const values: Record<string, RuleInputValue> = {};
  const prefix = `${formId}.`;
  for (const itemId in entries) {
    const entry = entries[itemId] as StoredEntry;
    values[prefix + itemId] = entry.missing ? null : ((entry.value ?? null) as RuleInputValue);
  }
  return values;
}

/** Every string inside a value (the outcome definitions hold rules and item names at several depths). */
function stringsIn(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const entry of value) stringsIn(entry, into);
  else if (value !== null && typeof value === 'object')
    for (const entry of Object.values(value)) stringsIn(entry, into);
  return into;
}

/**
 * The forms the outcomes and the report read: every form an outcome definition names (rules, items,
 * the ordinal scale), the demographics and laboratory forms of the baseline table (SDTM DM, LB), and
 * the forms the derived items of those forms read, transitively. Other forms (vital signs, conmeds,
 * exposure…, most of a trial's rows) are not read.
 */
export function formsTheReportReads(protocol: Protocol): string[] {
  const formIds = new Set(protocol.forms.map((form) => form.id));
  const wanted = new Set<string>();
  const addNamed = (text: string) => {
    for (const match of text.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\.[A-Za-z_][A-Za-z0-9_]*/g)) {
      if (formIds.has(match[1] as string)) wanted.add(match[1] as string);
    }
  };
  for (const text of stringsIn(protocol.outcomes)) addNamed(text);
  for (const form of protocol.forms) {
    if (form.sdtmDomain === 'DM' || form.sdtmDomain === 'LB') wanted.add(form.id);
  }
  const derived = derivations(protocol);
  for (let grew = true; grew; ) {
    grew = false;
    for (const derivation of derived) {
      if (!wanted.has(derivation.formId)) continue;
      for (const item of referencedItems(derivation.ast)) {
        const formId = item.split('.')[0] ?? '';
        if (formIds.has(formId) && !wanted.has(formId)) {
          wanted.add(formId);
          grew = true;
        }
      }
    }
  }
  return [...wanted].sort();
}

/** Derived items (e.g. age at consent) are computed, never stored: evaluate them over the participant's values. */
function derivations(protocol: Protocol): { formId: string; itemId: string; ast: RuleNode }[] {
  return protocol.forms.flatMap((form) =>
    form.items.flatMap((item) => {
      if (item.derivation === undefined) return [];
      const parsed = parseRule(item.derivation);
      return parsed.ok ? [{ formId: form.id, itemId: item.id, ast: parsed.ast }] : [];
    }),
  );
}

/**
 * Reads every participant of the study with the records of the forms the report reads
 * (`formsTheReportReads`), doses (dosing module) and adverse events (safety module), as the source
 * rows of the outcome derivations and the report (one query per table, set-based). Pass the
 * transaction's `db`.
 */
export async function loadOutcomeSources(
  db: Db,
  studyId: string,
  protocol: Protocol,
): Promise<ParticipantSource[]> {
  const participants = await db
    .selectFrom('participant')
    .select([
      'participant_id',
      'site_id',
      'screening_number',
      'study_number',
      'status',
      'status_date',
      'day1_date',
      'failed_criteria',
    ])
    .where('study_id', '=', studyId)
    .orderBy('study_number')
    .orderBy('screening_number')
    .execute();
  // One row per participant with its records as one JSON text, parsed once here: PGlite's result
  // parser costs far more per row and per jsonb value than JSON.parse does per character.
  const forms = formsTheReportReads(protocol);
  const recordRows =
    forms.length === 0
      ? []
      : await db
          .selectFrom('form_record')
          .select([
            'participant_id',
            sql<string>`json_agg(json_build_array(visit_id, form_id, instance, entries) order by visit_id, form_id, instance)::text`.as(
              'records',
            ),
          ])
          .where('study_id', '=', studyId)
          .where('form_id', 'in', forms)
          .groupBy('participant_id')
          .execute();
  // Doses likewise, one row per participant (five rows each would cost more to parse than the text).
  const doseRows = await db
    .selectFrom('dosing_administration')
    .select([
      'participant_id',
      sql<string>`json_agg(json_build_array(visit_id, dose_number, status, started_local) order by dose_number)::text`.as(
        'doses',
      ),
    ])
    .where('study_id', '=', studyId)
    .groupBy('participant_id')
    .execute();
  const doses = new Map<string, DoseSource[]>();
  for (const row of doseRows) {
    const parsed = JSON.parse(row.doses) as [string, number, DoseSource['status'], string | null][];
    doses.set(
      row.participant_id,
      parsed.map(([visitId, doseNumber, status, startedLocal]) => ({
        visitId,
        doseNumber,
        status,
        startedLocal,
      })),
    );
  }
  const events = await db
    .selectFrom('adverse_event')
    .select(['participant_id', 'ae_id', 'ae_number', 'entries'])
    .where('study_id', '=', studyId)
    .orderBy('ae_number')
    .execute();
  const codings = await codedTermsOf(db, studyId, 'all');
  const adverseEvents = new Map<string, AdverseEventSource[]>();
  for (const row of events) {
    const list = adverseEvents.get(row.participant_id) ?? [];
    const coded = codings.get(row.participant_id)?.get(row.ae_id);
    list.push({
      aeNumber: row.ae_number,
      values: valuesOf(aeFormId(protocol), row.entries as Record<string, StoredEntry>),
      coded: coded?.dictionary === 'meddra' ? { pt: coded.pt.name, soc: coded.soc.name } : null,
    });
    adverseEvents.set(row.participant_id, list);
  }
  const byParticipant = new Map<string, OutcomeRecord[]>();
  for (const row of recordRows) {
    const parsed = JSON.parse(row.records) as [string, string, number, Record<string, StoredEntry>][];
    byParticipant.set(
      row.participant_id,
      parsed.map(([visitKey, formId, instance, entries]) => ({
        visitKey,
        formId,
        instance,
        values: valuesOf(formId, entries),
      })),
    );
  }
  const derived = derivations(protocol);
  return participants.map((row) => {
    const own = byParticipant.get(row.participant_id) ?? [];
    if (derived.length) addDerivedValues(own, derived);
    return {
      participantId: row.participant_id,
      label: row.study_number ?? row.screening_number,
      siteId: row.site_id,
      status: row.status,
      statusDate: row.status_date,
      day1Date: row.day1_date,
      failedCriteria: (row.failed_criteria as string[] | null) ?? [],
      records: own,
      doses: doses.get(row.participant_id) ?? [],
      adverseEvents: adverseEvents.get(row.participant_id) ?? [],
    };
  });
}

function addDerivedValues(records: OutcomeRecord[], derived: ReturnType<typeof derivations>): void {
  // Cross-form values from single (first-instance) records, as the eCRF evaluates derivations.
  const participantValues: Record<string, RuleInputValue> = {};
  for (const record of records) if (record.instance === 1) Object.assign(participantValues, record.values);
  for (const record of records) {
    for (const derivation of derived) {
      if (derivation.formId !== record.formId) continue;
      try {
        const value = evaluateExpression(derivation.ast, { ...participantValues, ...record.values });
        record.values[`${derivation.formId}.${derivation.itemId}`] =
          value === null || typeof value === 'object' ? null : value;
      } catch {
        record.values[`${derivation.formId}.${derivation.itemId}`] = null;
      }
    }
  }
}
