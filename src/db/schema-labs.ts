import type { Timestamp } from './schema.ts';

/** A laboratory reference range of one site, for one item, sex (null: either) and age band (years, inclusive). */
export interface LabReferenceRangeTable {
  study_id: string;
  range_id: string;
  site_id: string;
  /** `form.item`, e.g. `labs.alt`. */
  item_key: string;
  sex: 'M' | 'F' | null;
  age_low: number | null;
  age_high: number | null;
  /** The unit the site's laboratory reports the range in (UCUM). */
  unit: string;
  low: number | null;
  high: number | null;
  /** The protocol item's unit and the bounds converted to it. */
  standard_unit: string;
  standard_low: number | null;
  standard_high: number | null;
  imported_at: Timestamp;
  imported_by: string;
}

export type LabFlagValue = 'low' | 'normal' | 'high';

/** The flag of one laboratory value (one item of one form record), for its current revision. */
export interface LabFlagTable {
  study_id: string;
  record_id: string;
  item_id: string;
  participant_id: string;
  site_id: string;
  visit_id: string;
  item_key: string;
  revision: number;
  collected_on: string | null;
  /** The value in the item's unit, and as entered when entered in another unit. */
  value: number;
  unit: string;
  original_value: number | null;
  original_unit: string | null;
  /** Null when no reference range applied. */
  flag: LabFlagValue | null;
  range_id: string | null;
  range_unit: string | null;
  range_low: number | null;
  range_high: number | null;
  standard_low: number | null;
  standard_high: number | null;
  significant: boolean | null;
  significance_by: string | null;
  significance_by_name: string | null;
  significance_at: Timestamp | null;
  significance_comment: string | null;
  updated_at: Timestamp;
}

export type LabProposalStatus = 'proposed' | 'accepted' | 'dismissed';

/** A laboratory adverse event proposed from a graded value, and the investigator's decision on it. */
export interface LabAeProposalTable {
  study_id: string;
  proposal_id: string;
  participant_id: string;
  site_id: string;
  record_id: string;
  visit_id: string;
  item_key: string;
  revision: number;
  /** The CTCAE criterion's id in the grading file (e.g. `alt-increased`). */
  criterion: string;
  term: string;
  grade: number;
  baseline_grade: number;
  value: number;
  unit: string;
  baseline_value: number | null;
  collected_on: string | null;
  status: LabProposalStatus;
  adverse_event_id: string | null;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: Timestamp | null;
  reason: string | null;
  proposed_at: Timestamp;
}

/** A laboratory message as received from a hospital system (migration 2026_12_09_06). */
export interface LabMessageTable {
  study_id: string;
  message_id: string;
  /** MSH-10 of an HL7 message, the identifier of a FHIR bundle; null when unreadable. */
  control_id: string | null;
  format: 'hl7v2' | 'fhir';
  source: 'mllp' | 'file' | 'api';
  raw: string;
  received_at: Timestamp;
  received_by: string;
  status: 'accepted' | 'rejected';
  error: string | null;
  /** MSH-4, or the performer of a FHIR bundle (migration 2026_12_10_06). */
  sending_facility: string | null;
  /** The site the facility (or the poster) names; null when unknown. */
  site_id: string | null;
}

/** A hospital laboratory's sending-facility identifier, and the site it serves (migration 2026_12_10_06). */
export interface SiteLabFacilityTable {
  study_id: string;
  facility_id: string;
  site_id: string;
  recorded_at: Timestamp;
  recorded_by: string;
}

export type LabResultStatus = 'written' | 'review' | 'assigned' | 'dismissed';

/** One result of a laboratory message: where it was written, or why it waits for review. */
export interface LabResultTable {
  study_id: string;
  result_id: string;
  message_id: string;
  seq: number;
  hospital_id: string | null;
  loinc: string;
  test_name: string | null;
  value: string;
  unit: string | null;
  /** As the sender gave it: `YYYY-MM-DDTHH:MM`, with `+hh:mm` when it gave an offset. */
  collected_at: string | null;
  participant_id: string | null;
  site_id: string | null;
  visit_key: string | null;
  form_id: string | null;
  item_id: string | null;
  instance: number | null;
  record_id: string | null;
  status: LabResultStatus;
  problem: string | null;
  problem_text: string | null;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: Timestamp | null;
  decision_reason: string | null;
}

/** A participant's medical record number at the site (migration 2026_12_09_05). */
export interface ParticipantHospitalIdTable {
  study_id: string;
  participant_id: string;
  site_id: string;
  hospital_id: string;
  recorded_at: Timestamp;
  recorded_by: string;
}

/** A hospital identifier replaced by a correction, kept in full (migration 2026_12_11_09). */
export interface ParticipantHospitalIdHistoryTable {
  study_id: string;
  participant_id: string;
  /** 1 for the first value replaced, then 2… */
  replaced_seq: number;
  site_id: string;
  hospital_id: string;
  recorded_at: Timestamp;
  recorded_by: string;
  replaced_at: Timestamp;
  replaced_by: string;
  reason: string;
}

export interface LabTables {
  lab_message: LabMessageTable;
  lab_result: LabResultTable;
  participant_hospital_id: ParticipantHospitalIdTable;
  participant_hospital_id_history: ParticipantHospitalIdHistoryTable;
  site_lab_facility: SiteLabFacilityTable;
  lab_reference_range: LabReferenceRangeTable;
  lab_flag: LabFlagTable;
  lab_ae_proposal: LabAeProposalTable;
}
