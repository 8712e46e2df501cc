import { z } from 'zod';
import { deliveryModes, notificationKinds } from './notification-kinds.ts';

const localized = z.object({ en: z.string(), zh: z.string() });

export const notificationViewSchema = z.object({
  notificationId: z.string(),
  kind: z.enum(notificationKinds),
  siteId: z.string().nullable(),
  title: localized,
  body: localized,
  link: z.string().nullable(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
  /** What became of its e-mail: none (in-app only), pending, sent, failed or skipped. */
  email: z.enum(['none', 'pending', 'sending', 'sent', 'failed', 'skipped']),
});
export type NotificationView = z.infer<typeof notificationViewSchema>;

export const inboxQuerySchema = z.strictObject({
  unread: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export type InboxQueryInput = z.input<typeof inboxQuerySchema>;

export const inboxSchema = z.object({
  items: z.array(notificationViewSchema),
  total: z.number().int(),
  unread: z.number().int(),
});
export type Inbox = z.infer<typeof inboxSchema>;

export const unreadCountSchema = z.object({ unread: z.number().int() });
export type UnreadCount = z.infer<typeof unreadCountSchema>;

export const markedSchema = z.object({ marked: z.number().int(), unread: z.number().int() });
export type Marked = z.infer<typeof markedSchema>;

export const preferencesSchema = z.object({
  language: z.enum(['en', 'zh']),
  /** Whether e-mail goes out at all (EXOTRIAL_SMTP_URL set); without it every kind is in-app only. */
  emailConfigured: z.boolean(),
  kinds: z.array(
    z.object({
      kind: z.enum(notificationKinds),
      mode: z.enum(deliveryModes),
      /** A reporting clock: always by e-mail at once, not to be changed. */
      locked: z.boolean(),
    }),
  ),
});
export type NotificationPreferences = z.infer<typeof preferencesSchema>;

export const preferencesUpdateSchema = z.strictObject({
  language: z.enum(['en', 'zh'], { message: 'Choose en (English) or zh (中文).' }).optional(),
  kinds: z
    .partialRecord(
      z.enum(notificationKinds, { message: `A kind is one of: ${notificationKinds.join(', ')}.` }),
      z.enum(deliveryModes, { message: `Choose one of: ${deliveryModes.join(', ')}.` }),
    )
    .optional(),
});
export type PreferencesUpdate = z.infer<typeof preferencesUpdateSchema>;
