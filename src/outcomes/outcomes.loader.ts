import type { Db } from '../db/connection.ts';
import {
  evaluateExpression,
  parseRule,
  type RuleInputValue,
  type RuleNode,
} from '../protocol/rules/index.ts';
import type { Protocol } from '../protocol/schema.ts';
import { AE_FORM_ID } from '../safety/ae-summary.ts';
import type { AdverseEventSource, DoseSource, OutcomeRecord, ParticipantSource } from './source.ts';

interface StoredEntry {
  value?: unknown;
  missing?: string;
}

/** Stored entries as rule values keyed by `form.item`; an explicit missing-data code is null. */
function valuesOf(formId: string, entries: Record<string, StoredEntry>): Record<string, RuleInputValue> {
  const values: Record<string, RuleInputValue> = {};
  for (const [itemId, entry] of Object.entries(entries)) {
    values[`${formId}.${itemId}`] = entry.missing ? null : ((entry.value ?? null) as RuleInputValue);
  }
  return values;
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
 * Reads every participant of the study with their form records, doses (dosing module) and adverse
 * events (safety module), as the source rows of the outcome derivations and the report (one query per
 * table). Pass the transaction's `db`.
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
  const records = await db
    .selectFrom('form_record')
    .select(['participant_id', 'visit_id', 'form_id', 'instance', 'entries'])
    .where('study_id', '=', studyId)
    .execute();
  const administrations = await db
    .selectFrom('dosing_administration')
    .select(['participant_id', 'visit_id', 'dose_number', 'status', 'started_local'])
    .where('study_id', '=', studyId)
    .orderBy('dose_number')
    .execute();
  const doses = new Map<string, DoseSource[]>();
  for (const row of administrations) {
    const list = doses.get(row.participant_id) ?? [];
    list.push({
      visitId: row.visit_id,
      doseNumber: row.dose_number,
      status: row.status,
      startedLocal: row.started_local,
    });
    doses.set(row.participant_id, list);
  }
  const events = await db
    .selectFrom('adverse_event')
    .select(['participant_id', 'ae_number', 'entries'])
    .where('study_id', '=', studyId)
    .orderBy('ae_number')
    .execute();
  const adverseEvents = new Map<string, AdverseEventSource[]>();
  for (const row of events) {
    const list = adverseEvents.get(row.participant_id) ?? [];
    list.push({
      aeNumber: row.ae_number,
      values: valuesOf(AE_FORM_ID, row.entries as Record<string, StoredEntry>),
    });
    adverseEvents.set(row.participant_id, list);
  }
  const byParticipant = new Map<string, OutcomeRecord[]>();
  for (const row of records) {
    const list = byParticipant.get(row.participant_id) ?? [];
    list.push({
      visitKey: row.visit_id,
      formId: row.form_id,
      instance: row.instance,
      values: valuesOf(row.form_id, row.entries as Record<string, StoredEntry>),
    });
    byParticipant.set(row.participant_id, list);
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
