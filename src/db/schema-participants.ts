import type { Generated } from 'kysely';
import type { Json, Timestamp } from './schema.ts';

export interface SiteCounterTable {
  study_id: string;
  site_id: string;
  kind: 'screening' | 'enrolment';
  last_value: number;
}

export interface ParticipantTable {
  study_id: string;
  participant_id: string;
  site_id: string;
  screening_number: string;
  screening_date: string;
  study_number: string | null;
  status: string;
  status_date: string | null;
  status_reason: string | null;
  failed_criteria: Json<string[]> | null;
  day1_date: string | null;
  enrolled_at: Timestamp | null;
  eligibility_confirmed_at: Timestamp | null;
  eligibility_confirmed_by: string | null;
  locked_at: Timestamp | null;
  locked_by: string | null;
  protocol_version: number;
  synthetic: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface ConsentTable {
  study_id: string;
  consent_id: string;
  participant_id: string;
  form_version: string;
  consented_at: Timestamp;
  obtained_by: string;
  signer: 'participant' | 'legal_representative';
  representative_name: string | null;
  representative_relation: string | null;
  /** The participant or representative could not read or sign (null on consents recorded before this was asked). */
  unable_to_read: boolean | null;
  witness_name: string | null;
  witness_signed_at: Timestamp | null;
  created_at: Timestamp;
}

export interface FormRecordTable {
  study_id: string;
  record_id: string;
  participant_id: string;
  site_id: string;
  visit_id: string;
  form_id: string;
  instance: number;
  entries: Json<Record<string, unknown>>;
  protocol_version: number;
  signed_at: Timestamp | null;
  signed_by: string | null;
  signed_version: number | null;
  locked_at: Timestamp | null;
  locked_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface FieldSdvTable {
  study_id: string;
  record_id: string;
  item_id: string;
  verified_by: string;
  verified_at: Timestamp;
  verified_revision: number;
}

export interface SignatureTable {
  study_id: string;
  signature_id: string;
  scope: 'form' | 'casebook' | 'eligibility';
  participant_id: string;
  record_id: string | null;
  signer_id: string;
  signer_name: string;
  meaning: string;
  signed_at: Timestamp;
  signed_state: Json<Record<string, unknown>>;
  broken_at: Timestamp | null;
}

export interface DataQueryTable {
  study_id: string;
  query_id: string;
  record_id: string;
  participant_id: string;
  site_id: string;
  visit_id: string;
  form_id: string;
  item_id: string;
  origin: 'edit_check' | 'manual';
  check_key: string | null;
  status: 'open' | 'answered' | 'closed';
  messages: Json<Array<{ at: string; by: string; kind: string; text: string }>>;
  raised_by: string;
  raised_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface ProtocolDeviationTable {
  study_id: string;
  deviation_id: string;
  participant_id: string;
  site_id: string;
  visit_id: string | null;
  form_id: string | null;
  source_key: string | null;
  category: string;
  severity: 'major' | 'minor';
  description: string;
  corrective_action: string | null;
  occurred_on: string;
  status: 'proposed' | 'confirmed' | 'rejected';
  reported_by: string;
  reported_by_name: string;
  reported_at: Timestamp;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: Timestamp | null;
  decision_reason: string | null;
  version: Generated<number>;
}

export interface ParticipantTables {
  site_counter: SiteCounterTable;
  participant: ParticipantTable;
  consent: ConsentTable;
  form_record: FormRecordTable;
  field_sdv: FieldSdvTable;
  signature: SignatureTable;
  data_query: DataQueryTable;
  protocol_deviation: ProtocolDeviationTable;
}
