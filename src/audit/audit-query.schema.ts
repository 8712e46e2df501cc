import { z } from 'zod';

const code = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;
const dateOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  message: 'Use a date (2026-11-25) or a date and time with zone (2026-11-25T08:00:00Z).',
});

/** Filters of the audit trail; every value reaches SQL as a bound parameter, never as text. */
export const auditQuerySchema = z.object({
  entityType: z
    .string()
    .regex(code, { message: 'An entity type is lower-case words joined by dots or underscores.' })
    .max(64)
    .optional(),
  entityId: z.string().min(1).max(200).optional(),
  participantId: z.string().min(1).max(200).optional(),
  /** A user id, or an email (an API token's events count as its owner's). */
  actor: z.string().min(1).max(254).optional(),
  /** An action (`user.update`), or all actions of an area (`auth.*`). */
  action: z
    .string()
    .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?$/, {
      message: 'An action looks like user.update or auth.*',
    })
    .max(64)
    .optional(),
  siteId: z.string().min(1).max(64).optional(),
  /** From this instant (a date means its start, UTC). */
  from: dateOrTime.optional(),
  /** Up to this instant (a date means the whole day, UTC). */
  to: dateOrTime.optional(),
  /** Page backwards: events with a smaller sequence number than this. */
  beforeSeq: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;
/** The filters as a client sends them (the limit has a default). */
export type AuditQueryInput = z.input<typeof auditQuerySchema>;

export const auditEventViewSchema = z.object({
  seq: z.number().int(),
  eventId: z.string(),
  occurredAt: z.string(),
  actorType: z.enum(['user', 'system', 'anonymous']),
  actorId: z.string().nullable(),
  actorLabel: z.string(),
  /** The account's name for a user actor (an API token's events name its owner); null for the system or an unknown account. */
  actorName: z.string().nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  field: z.string().nullable(),
  oldValue: z.unknown(),
  newValue: z.unknown(),
  reason: z.string().nullable(),
  context: z.record(z.string(), z.unknown()).nullable(),
  protocolVersion: z
    .number()
    .int()
    .nullable()
    .describe(
      'For an event on a form record or an adverse event: the protocol version it was entered under, which names its fields; else null.',
    ),
});
export type AuditEventView = z.infer<typeof auditEventViewSchema>;

export const auditPageSchema = z.object({
  events: z.array(auditEventViewSchema),
  /** Events matching the filters (all pages). */
  total: z.number().int(),
  /** Pass as `beforeSeq` for the next (older) page; null on the last. */
  nextBeforeSeq: z.number().int().nullable(),
});
export type AuditPage = z.infer<typeof auditPageSchema>;
