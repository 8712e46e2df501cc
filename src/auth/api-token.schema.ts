import { z } from 'zod';

export const newApiTokenSchema = z.object({
  name: z.string().trim().min(1, { message: 'Name the token after the script that uses it.' }).max(100),
  /** Days until the token stops working; the study's default (EXOTRIAL_TOKEN_DAYS) when left out. */
  expiresInDays: z.number().int().min(1, { message: 'A token lasts at least one day.' }).max(3650).optional(),
});
export type NewApiToken = z.infer<typeof newApiTokenSchema>;

/** Issuing a token over the API asks for the password again: a stolen session cannot mint one. */
export const newApiTokenRequestSchema = newApiTokenSchema.extend({
  password: z.string().min(1, { message: 'Enter your password to issue a token.' }).max(256),
});
export type NewApiTokenRequest = z.infer<typeof newApiTokenRequestSchema>;

export const apiTokenViewSchema = z.object({
  tokenId: z.string(),
  userId: z.string(),
  userEmail: z.string(),
  /** The owner's name, as people read it. */
  userName: z.string(),
  name: z.string(),
  /** The first characters of the secret, to recognise it; the secret itself is never shown again. */
  prefix: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  /** The name of who issued it (the sign-in label when no account has it, e.g. the command line). */
  createdByName: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiTokenView = z.infer<typeof apiTokenViewSchema>;

export const createdApiTokenSchema = apiTokenViewSchema.extend({
  /** Shown this once: send it as `Authorization: Bearer <token>`. */
  token: z.string(),
});
export type CreatedApiToken = z.infer<typeof createdApiTokenSchema>;
