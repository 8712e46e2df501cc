import { z } from 'zod';
import { roles } from '../kernel/roles.ts';

export const MIN_PASSWORD_LENGTH = 12;

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'Enter a valid email address.' }).max(254));

export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, { message: `Use at least ${MIN_PASSWORD_LENGTH} characters.` })
  .max(256);

export const roleSchema = z.enum(roles);

export const totpCodeSchema = z
  .string()
  .trim()
  .regex(/^\d{6}$/, { message: 'Enter the 6-digit code from your authenticator app.' });

export const loginRequestSchema = z.object({
  email: emailSchema,
  password: z.string().min(1, { message: 'Enter your password.' }).max(256),
  totp: totpCodeSchema.optional(),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const newUserSchema = z.object({
  email: emailSchema,
  name: z.string().trim().min(1, { message: 'Enter a name.' }).max(200),
  roles: z.array(roleSchema).min(1, { message: 'Give at least one role.' }),
  siteIds: z.array(z.string().min(1).max(64)).default([]),
  password: passwordSchema,
});
export type NewUser = z.infer<typeof newUserSchema>;

export const setupRequestSchema = z.object({
  token: z.string().min(10).max(200),
  email: emailSchema,
  name: z.string().trim().min(1, { message: 'Enter your name.' }).max(200),
  password: passwordSchema,
});
export type SetupRequest = z.infer<typeof setupRequestSchema>;

export const userViewSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  roles: z.array(roleSchema),
  siteIds: z.array(z.string()),
  status: z.enum(['active', 'disabled']),
});
export type UserView = z.infer<typeof userViewSchema>;

export const sessionViewSchema = z.object({
  user: userViewSchema,
  csrfToken: z.string(),
  /** The user has a second factor set up. */
  totpEnabled: z.boolean().optional(),
  /** The study requires this administrator to set up a second factor before anything else. */
  totpEnrolmentRequired: z.boolean().optional(),
  /** An administrator chose the password: it must be changed before anything else. */
  passwordChangeRequired: z.boolean().optional(),
});
export type SessionView = z.infer<typeof sessionViewSchema>;

export const userStatusSchema = z.enum(['active', 'disabled']);

/** A user as administrators see it: the view plus the state of the account. */
export const userAdminViewSchema = userViewSchema.extend({
  version: z.number().int(),
  totpEnabled: z.boolean(),
  lockedUntil: z.string().nullable(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
});
export type UserAdminView = z.infer<typeof userAdminViewSchema>;

const reasonSchema = z
  .string()
  .trim()
  .min(1, { message: 'Give the reason for the change (it goes into the audit trail).' })
  .max(500);

/** A change to an account: only the fields sent change; `version` is the one last read. */
export const userUpdateSchema = z.object({
  version: z.number().int().min(1),
  name: z.string().trim().min(1).max(200).optional(),
  roles: z.array(roleSchema).min(1, { message: 'Give at least one role.' }).optional(),
  siteIds: z.array(z.string().min(1).max(64)).optional(),
  status: userStatusSchema.optional(),
  /** Lift a lockout before it ends. */
  unlock: z.literal(true).optional(),
  reason: reasonSchema,
});
export type UserUpdate = z.infer<typeof userUpdateSchema>;

export const passwordResetSchema = z.object({ password: passwordSchema, reason: reasonSchema });
export type PasswordReset = z.infer<typeof passwordResetSchema>;
export const reasonOnlySchema = z.object({ reason: reasonSchema });
export type ReasonOnly = z.infer<typeof reasonOnlySchema>;

export const passwordChangeSchema = z.object({
  currentPassword: z.string().min(1, { message: 'Enter your current password.' }).max(256),
  newPassword: passwordSchema,
});
export type PasswordChange = z.infer<typeof passwordChangeSchema>;

/** The password too: a session taken over without it cannot give itself a second factor. */
export const totpConfirmSchema = z.object({ code: totpCodeSchema, password: z.string().min(1).max(256) });
export type TotpConfirm = z.infer<typeof totpConfirmSchema>;
export const totpDisableSchema = z.object({ password: z.string().min(1).max(256), code: totpCodeSchema });
export type TotpDisable = z.infer<typeof totpDisableSchema>;
export const totpEnrolmentSchema = z.object({ secret: z.string(), otpauthUri: z.string() });
export type TotpEnrolment = z.infer<typeof totpEnrolmentSchema>;

export const activeSessionSchema = z.object({
  /** The stored digest of the cookie: names the session without being able to sign in with it. */
  sessionId: z.string(),
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export type ActiveSession = z.infer<typeof activeSessionSchema>;

/** What signing out everywhere (or changing one's password) ended. */
export const sessionsEndedSchema = z.object({
  sessionsEnded: z.number().int(),
  tokensRevoked: z.number().int(),
});
export type SessionsEnded = z.infer<typeof sessionsEndedSchema>;

/** What ending every session of one user ended. */
export const userSessionsEndedSchema = z.object({ sessionsEnded: z.number().int() });
