import type { ColumnType, Generated } from 'kysely';
import type { CodingTables } from './schema-coding.ts';
import type { LabTables } from './schema-labs.ts';
import type { NotificationTables } from './schema-notifications.ts';
import type { ParticipantTables } from './schema-participants.ts';
import type { ProductTables } from './schema-product.ts';
import type { RandomisationTables } from './schema-randomisation.ts';
import type { SafetyTables } from './schema-safety.ts';

/** A jsonb column: read as parsed JSON, written as a JSON string (the same on PGlite and pg). */
export type Json<T> = ColumnType<T, string, string>;
export type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface StudyTable {
  study_id: string;
  short_title: string;
  title: Json<{ en: string; zh: string }>;
  registry_id: string | null;
  current_protocol_version: number;
  locked_at: Timestamp | null;
  locked_by: string | null;
  created_at: Timestamp;
  version: Generated<number>;
}

export interface SiteTable {
  study_id: string;
  site_id: string;
  code: string;
  name: Json<{ en: string; zh: string }>;
  time_zone: string;
  /** The site's settings (migration 2026_12_07_01); null until set. */
  altitude_m: number | null;
  barometric_pressure_mmhg: number | null;
  created_at: Timestamp;
}

export interface ProtocolVersionTable {
  study_id: string;
  version_no: number;
  label: string;
  content: Json<unknown>;
  source: string;
  loaded_at: Timestamp;
  loaded_by: string | null;
}

/** The ethics approval of a protocol version at a site (a site works under the latest approved there). */
export interface ProtocolSiteApprovalTable {
  study_id: string;
  site_id: string;
  version_no: number;
  approved_on: string;
  recorded_at: Timestamp;
  recorded_by: string;
}

export interface AppUserTable {
  study_id: string;
  user_id: string;
  email: string;
  name: string;
  password_hash: string;
  roles: Json<string[]>;
  site_ids: Json<string[]>;
  status: 'active' | 'disabled';
  failed_login_count: Generated<number>;
  locked_until: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
  /** Sealed (see src/auth/secret-box.ts); never returned by the API after enrolment. */
  totp_secret: string | null;
  totp_pending_secret: string | null;
  totp_enabled_at: Timestamp | null;
  totp_last_step: number | null;
  last_login_at: Timestamp | null;
  /** Set when an administrator chose the password (account created or reset): change it first. */
  must_change_password: Generated<boolean>;
  password_changed_at: Timestamp | null;
  /** The language of the user's notifications and e-mails. */
  language: Generated<'en' | 'zh'>;
}

/** Hashes of a user's earlier passwords, so that a recent one cannot be chosen again. */
export interface PasswordHistoryTable {
  study_id: string;
  user_id: string;
  password_hash: string;
  replaced_at: Timestamp;
}

export interface ApiTokenTable {
  study_id: string;
  token_id: string;
  user_id: string;
  name: string;
  token_digest: string;
  token_prefix: string;
  created_at: Timestamp;
  created_by: string;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
}

export interface UserSessionTable {
  study_id: string;
  session_id: string;
  user_id: string;
  csrf_token: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
}

export interface SetupTokenTable {
  study_id: string;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface AuditEventTable {
  study_id: string;
  seq: number;
  event_id: string;
  occurred_at: Timestamp;
  actor_type: 'user' | 'system' | 'anonymous';
  actor_id: string | null;
  actor_label: string;
  action: string;
  entity_type: string;
  entity_id: string;
  field: string | null;
  old_value: Json<unknown> | null;
  new_value: Json<unknown> | null;
  reason: string | null;
  context: Json<Record<string, unknown>> | null;
  prev_hash: string;
  hash: string;
}

export interface AuditChainHeadTable {
  study_id: string;
  seq: number;
  hash: string;
}

export interface Schema
  extends ParticipantTables,
    ProductTables,
    SafetyTables,
    NotificationTables,
    LabTables,
    CodingTables,
    RandomisationTables {
  study: StudyTable;
  site: SiteTable;
  protocol_version: ProtocolVersionTable;
  protocol_site_approval: ProtocolSiteApprovalTable;
  app_user: AppUserTable;
  user_session: UserSessionTable;
  api_token: ApiTokenTable;
  password_history: PasswordHistoryTable;
  setup_token: SetupTokenTable;
  audit_event: AuditEventTable;
  audit_chain_head: AuditChainHeadTable;
}
