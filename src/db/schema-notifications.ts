import type { Generated } from 'kysely';
import type { Json, Timestamp } from './schema.ts';

/** One notification to one person: the kind and its parameters, rendered in the reader's language. */
export interface NotificationTable {
  study_id: string;
  notification_id: string;
  user_id: string;
  kind: string;
  site_id: string | null;
  params: Json<Record<string, string | number>>;
  /** The web app's path of the record it is about. */
  link: string | null;
  /** What it is about, unique per recipient (a clock's stage, an event's id). */
  event_key: string;
  created_at: Timestamp;
  read_at: Timestamp | null;
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';
export type DeliveryMode = 'immediately' | 'digest';

/** The e-mail outbox: one message per notification (or one digest line), with its attempts and outcome. */
export interface NotificationDeliveryTable {
  study_id: string;
  delivery_id: string;
  notification_id: string;
  user_id: string;
  mode: DeliveryMode;
  status: DeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  /** While `sending`: until when the server that claimed it holds it (a crashed server's claim expires). */
  lease_until: Timestamp | null;
  to_address: string | null;
  sent_at: Timestamp | null;
  /** The SMTP server's answer to the message that went out, or why none was sent. */
  outcome: string | null;
  last_error: string | null;
  created_at: Timestamp;
}

export interface NotificationPreferenceTable {
  study_id: string;
  user_id: string;
  kind: string;
  mode: 'immediately' | 'digest' | 'in-app';
  updated_at: Timestamp;
}

export interface NotificationTables {
  notification: NotificationTable;
  notification_delivery: NotificationDeliveryTable;
  notification_preference: NotificationPreferenceTable;
}
