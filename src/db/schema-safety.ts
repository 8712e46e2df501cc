import type { Generated } from 'kysely';
import type { Json, Timestamp } from './schema.ts';

/**
 * An adverse event. The investigator's answers live in `entries`, keyed by the items of the protocol's
 * `adverseEvent` form and stored exactly as eCRF fields are (value, missing code, revision), so the same
 * checks, skip logic and rules apply; the coding and the links are columns of their own.
 */
export interface AdverseEventTable {
  study_id: string;
  ae_id: string;
  participant_id: string;
  site_id: string;
  /** 1, 2, 3 … per participant, in the order recorded. */
  ae_number: number;
  entries: Json<Record<string, unknown>>;
  /** A MedDRA-style code typed by a coder (no licensed dictionary ships). */
  term_code: string | null;
  /** The dosing record whose inhalation-event flag suggested this event, if any. */
  administration_id: string | null;
  protocol_version: number;
  created_at: Timestamp;
  created_by: string;
  updated_at: Timestamp;
  version: Generated<number>;
}

/** One expedited report sent (initial or follow-up): what was sent, to whom, when. */
export interface SafetySubmissionTable {
  study_id: string;
  submission_id: string;
  ae_id: string;
  clock_id: string;
  kind: 'initial' | 'follow-up';
  recipient: string;
  /** When the report was sent, as the reporter states it (a UTC instant). */
  submitted_at: Timestamp;
  reference: string | null;
  note: string | null;
  /** The structured report (CIOMS-like fields) exactly as it was sent, and its SHA-256. */
  payload: Json<Record<string, unknown>>;
  payload_sha256: string;
  recorded_at: Timestamp;
  recorded_by: string;
  /** The e-signature of the record (null on submissions recorded before it was signed). */
  signer_id: string | null;
  signer_name: string | null;
  signature_meaning: string | null;
  /** 0 for the initial report under its clock, 1, 2 … for follow-ups (null before it was kept). */
  follow_up_number: number | null;
  /** The PDF exactly as sent (base64), its SHA-256 and language; null on older submissions. */
  document_pdf: string | null;
  document_sha256: string | null;
  document_language: 'en' | 'zh' | null;
}

export type ChallengeAnswer = 'yes' | 'no' | 'not-applicable';

/** One save of the investigator's part of a report: narrative, dechallenge, rechallenge. */
export interface AeReportRevisionTable {
  study_id: string;
  ae_id: string;
  revision: number;
  narrative: string;
  /** Null: as derived from the dosing record. */
  dechallenge: ChallengeAnswer | null;
  rechallenge: ChallengeAnswer | null;
  reason: string | null;
  saved_at: Timestamp;
  saved_by: string;
  saved_by_name: string;
}

/** A study-wide pause of dosing: by a stopping rule or by the safety officer; ended only by a decision. */
export interface DosingPauseTable {
  study_id: string;
  pause_id: string;
  /** The stopping rule that tripped, or null for a pause the safety officer declared. */
  rule_id: string | null;
  ae_id: string | null;
  reason: string;
  /** Figures at the trip, e.g. { x, n, probabilityAbove } for a rate rule. */
  trigger: Json<Record<string, unknown>> | null;
  paused_at: Timestamp;
  paused_by: string;
  resumed_at: Timestamp | null;
  resumed_by: string | null;
  resume_reason: string | null;
  version: Generated<number>;
}

/** One scheduled inhalation: given (completed or interrupted) from a dispensed vial, or not given. */
export interface DosingAdministrationTable {
  study_id: string;
  administration_id: string;
  participant_id: string;
  site_id: string;
  /** The dose visit of the protocol (e.g. `day-3`) and its place in the regimen (1 … numberOfDoses). */
  visit_id: string;
  dose_number: number;
  status: 'completed' | 'interrupted' | 'not-given';
  dispensing_id: string | null;
  vial_number: string | null;
  device: string | null;
  /** As entered (wall-clock time at the site, or with an offset), and the instant it names. */
  started_local: string | null;
  started_at: Timestamp | null;
  ended_local: string | null;
  ended_at: Timestamp | null;
  volume_ml: number | null;
  interruption_reason: string | null;
  not_given_reason: string | null;
  /** Required when the dose falls outside its visit window. */
  window_reason: string | null;
  bronchospasm: boolean;
  new_cough: boolean;
  protocol_version: number;
  created_at: Timestamp;
  created_by: string;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface SafetyTables {
  adverse_event: AdverseEventTable;
  safety_submission: SafetySubmissionTable;
  ae_report_revision: AeReportRevisionTable;
  dosing_pause: DosingPauseTable;
  dosing_administration: DosingAdministrationTable;
}
