import type { Generated } from 'kysely';
import type { Json, Timestamp } from './schema.ts';

export type LotStatus = 'pending' | 'released' | 'rejected';
export type ExcursionKind = 'temperature' | 'data_gap';
export type StorageKind = 'freezer' | 'refrigerator' | 'shipping_container' | 'room';
/** `returned`: dispensed, then brought back to the pharmacy unused; held apart until destroyed. */
export type VialState = 'in_stock' | 'in_transit' | 'dispensed' | 'returned' | 'destroyed' | 'lost';
export type VialEventKind =
  | 'received'
  | 'shipped_out'
  | 'dispensed'
  | 'returned_unused'
  | 'destroyed'
  | 'lost'
  | 'quarantined'
  | 'quarantine_released'
  | 'thawed';

export interface ReleaseResult {
  testId: string;
  value: number | string;
  pass: boolean;
  message: string;
}

export interface ProductLotTable {
  study_id: string;
  lot_id: string;
  lot_number: string;
  manufacturer: string;
  manufactured_on: string;
  /** Particles per mL, as on the label. */
  concentration_per_ml: number;
  volume_ml: number;
  vial_count: number;
  status: LotStatus;
  release_results: Json<ReleaseResult[]> | null;
  results_entered_at: Timestamp | null;
  results_entered_by: string | null;
  released_at: Timestamp | null;
  released_by: string | null;
  released_by_name: string | null;
  release_meaning: string | null;
  rejected_reason: string | null;
  created_at: Timestamp;
  created_by: string;
  updated_at: Timestamp;
  version: Generated<number>;
  /** The kit type of a kit study's lot (its vials carry kit numbers of that type); else null. */
  kit_type: Generated<string | null>;
}

export interface StorageUnitTable {
  study_id: string;
  unit_id: string;
  code: string;
  name: string;
  kind: StorageKind;
  /** Null for the central depot (no trial site). */
  site_id: string | null;
  nominal_celsius: number;
  low_celsius: number;
  high_celsius: number;
  excursion_tolerance_minutes: number;
  /** Longest silence allowed in the log; null: three times the median interval of each imported file. */
  max_logging_gap_minutes: number | null;
  created_at: Timestamp;
  version: Generated<number>;
}

export interface VialTable {
  study_id: string;
  vial_id: string;
  lot_id: string;
  code: string;
  sequence: number;
  state: VialState;
  site_id: string | null;
  unit_id: string | null;
  /** Fraction of the shelf life used up before the vial entered its current place. */
  shelf_used: number;
  located_at: Timestamp;
  /** Derived from the stability table and the storage history; recomputed at each move and thaw. */
  expires_at: Timestamp;
  thawed_at: Timestamp | null;
  quarantined_at: Timestamp | null;
  quarantine_reason: string | null;
  quarantine_excursion_id: string | null;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface VialLocationTable {
  study_id: string;
  vial_id: string;
  unit_id: string;
  entered_at: Timestamp;
  left_at: Timestamp | null;
}

export interface VialEventTable {
  study_id: string;
  event_id: string;
  vial_id: string;
  lot_id: string;
  kind: VialEventKind;
  at: Timestamp;
  site_id: string | null;
  unit_id: string | null;
  shipment_id: string | null;
  participant_id: string | null;
  actor_label: string;
  reason: string | null;
}

export interface TemperatureReadingTable {
  study_id: string;
  unit_id: string;
  recorded_at: Timestamp;
  celsius: number;
  source: 'logger' | 'manual';
  import_id: string | null;
  entered_by: string | null;
}

export interface BadRow {
  line: number;
  message: string;
}

export interface TemperatureImportTable {
  study_id: string;
  import_id: string;
  unit_id: string;
  file_name: string;
  status: 'running' | 'completed' | 'failed';
  rows_read: number;
  rows_imported: number;
  rows_duplicate: number;
  rows_bad: number;
  bad_rows: Json<BadRow[]>;
  first_at: Timestamp | null;
  last_at: Timestamp | null;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  imported_by: string;
}

export interface ExcursionTable {
  study_id: string;
  excursion_id: string;
  unit_id: string;
  /** `data_gap`: no reading for longer than the unit's logging interval, temperature unknown. */
  kind: ExcursionKind;
  started_at: Timestamp;
  /** Null while the unit is still out of range at its last reading. */
  ended_at: Timestamp | null;
  minutes: number;
  /** Null for a data gap. */
  min_celsius: number | null;
  max_celsius: number | null;
  detected_at: Timestamp;
  vials_quarantined: number;
  vials_already_used: number;
}

export interface VialDispositionTable {
  study_id: string;
  disposition_id: string;
  vial_id: string;
  excursion_id: string | null;
  decision: 'release' | 'destroy';
  reason: string;
  decided_by: string;
  decided_by_name: string;
  decided_at: Timestamp;
}

export interface ShipmentTable {
  study_id: string;
  shipment_id: string;
  from_unit_id: string;
  to_unit_id: string;
  container_unit_id: string | null;
  status: 'packed' | 'shipped' | 'received';
  courier: string | null;
  packed_at: Timestamp;
  shipped_at: Timestamp | null;
  received_at: Timestamp | null;
  condition: 'acceptable' | 'not_acceptable' | null;
  condition_note: string | null;
  version: Generated<number>;
}

export interface ShipmentVialTable {
  study_id: string;
  shipment_id: string;
  vial_id: string;
}

export interface CustodySignatureTable {
  study_id: string;
  signature_id: string;
  shipment_id: string;
  step: 'pack' | 'ship' | 'receive';
  from_party: string;
  to_party: string;
  signer_id: string;
  signer_name: string;
  meaning: string;
  signed_at: Timestamp;
}

export interface DispensingTable {
  study_id: string;
  dispensing_id: string;
  participant_id: string;
  visit_id: string;
  vial_id: string;
  lot_id: string;
  site_id: string;
  dispensed_at: Timestamp;
  dispensed_by: string;
  dispensed_by_name: string;
  thawed_at: Timestamp;
  /** Set when the vial came back unused: the dose visit may then be dispensed again. */
  returned_at: Timestamp | null;
  returned_by: string | null;
  returned_by_name: string | null;
  return_reason: string | null;
}

/** A site due for resupply (one row an episode): removed when it is back at its thresholds. */
export interface ResupplyDueTable {
  study_id: string;
  site_id: string;
  episode_id: string;
  since: Timestamp;
}

export interface ProductTables {
  product_lot: ProductLotTable;
  storage_unit: StorageUnitTable;
  vial: VialTable;
  vial_location: VialLocationTable;
  vial_event: VialEventTable;
  temperature_reading: TemperatureReadingTable;
  temperature_import: TemperatureImportTable;
  excursion: ExcursionTable;
  vial_disposition: VialDispositionTable;
  shipment: ShipmentTable;
  shipment_vial: ShipmentVialTable;
  custody_signature: CustodySignatureTable;
  dispensing: DispensingTable;
  resupply_due: ResupplyDueTable;
}
