import type { Generated } from 'kysely';
import type { Json, Timestamp } from './schema.ts';

/** The study's randomisation list or minimisation set-up (migration 2026_12_09_07). */
export interface RandomisationListTable {
  study_id: string;
  method: 'permuted-blocks' | 'minimisation';
  seed: number;
  design: Json<unknown>;
  protocol_version: number;
  list_hash: string;
  entry_count: number;
  status: 'generated' | 'sealed';
  generated_by: string;
  generated_by_name: string;
  generated_at: Timestamp;
  sealed_by: string | null;
  sealed_by_name: string | null;
  sealed_at: Timestamp | null;
  version: number;
}

/** One line of a permuted-block list: the `sequence`-th allocation of a stratum. */
export interface RandomisationEntryTable {
  study_id: string;
  stratum: string;
  sequence: number;
  block: number;
  block_size: number;
  arm: string;
  randomisation_number: string;
}

/** A participant's allocation: made once at enrolment, never changed. */
export interface RandomisationAllocationTable {
  study_id: string;
  participant_id: string;
  site_id: string;
  stratum: string;
  sequence: number;
  randomisation_number: string;
  arm: string;
  levels: Json<Record<string, string>>;
  detail: Json<unknown> | null;
  allocated_by: string;
  allocated_at: Timestamp;
}

/** The study's unblinding, recorded once after database lock. */
export interface StudyUnblindingTable {
  study_id: string;
  unblinded_by: string;
  unblinded_by_name: string;
  unblinded_at: Timestamp;
  reason: string;
}

/** One emergency unblinding of a participant by the site's investigator (there may be several). */
export interface ParticipantUnblindingTable {
  unblinding_id: string;
  study_id: string;
  participant_id: string;
  site_id: string;
  unblinded_by: string;
  unblinded_by_name: string;
  unblinded_at: Timestamp;
  reason: string;
}

/** The study's kit list (migration 2026_12_10_08): random kit numbers, each with its kit type. */
export interface KitListTable {
  study_id: string;
  seed: number;
  design: Json<unknown>;
  protocol_version: number;
  list_hash: string;
  kit_count: number;
  status: 'generated' | 'sealed';
  generated_by: string;
  generated_by_name: string;
  generated_at: Timestamp;
  sealed_by: string | null;
  sealed_by_name: string | null;
  sealed_at: Timestamp | null;
  version: number;
}

/** A sealed block that extends the kit list: its own seed and hash, chained to the block before. */
export interface KitListBlockTable {
  study_id: string;
  block: number;
  seed: number;
  design: Json<unknown>;
  list_hash: string;
  kit_count: number;
  sealed_by: string;
  sealed_by_name: string;
  sealed_at: Timestamp;
}

/** One kit of the list: the `sequence`-th kit number and the type of kit that will carry it. */
export interface KitListEntryTable {
  study_id: string;
  sequence: number;
  kit_number: string;
  kit_type: string;
  /** 0 for the list as first sealed; 1, 2 … for the blocks that extend it. */
  block: Generated<number>;
}

export interface RandomisationTables {
  kit_list: KitListTable;
  kit_list_entry: KitListEntryTable;
  kit_list_block: KitListBlockTable;
  randomisation_list: RandomisationListTable;
  randomisation_entry: RandomisationEntryTable;
  randomisation_allocation: RandomisationAllocationTable;
  study_unblinding: StudyUnblindingTable;
  participant_unblinding: ParticipantUnblindingTable;
}
