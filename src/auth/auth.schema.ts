import { z } from 'zod';
import { MIN_PASSWORD_LENGTH } from './password.ts';
import { roles } from './roles.ts';

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

export const loginRequestSchema = z.object({
  email: emailSchema,
  password: z.string().min(1, { message: 'Enter your password.' }).max(256),
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

export const sessionViewSchema = z.object({ user: userViewSchema, csrfToken: z.string() });
export type SessionView = z.infer<typeof sessionViewSchema>;
