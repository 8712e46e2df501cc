import { z } from 'zod';

const localizedSchema = z.object({ en: z.string(), zh: z.string() });

export const siteViewSchema = z.object({
  siteId: z.string(),
  code: z.string(),
  name: localizedSchema,
  timeZone: z.string(),
});
export type SiteView = z.infer<typeof siteViewSchema>;

export const newSiteSchema = z.object({
  siteId: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,40}$/, { message: 'Use 2–41 lower-case letters, digits or dashes.' }),
  code: z.string().regex(/^[A-Z0-9]{1,8}$/, { message: 'Use up to 8 capital letters or digits.' }),
  name: z.object({ en: z.string().trim().min(1).max(200), zh: z.string().trim().min(1).max(200) }),
  timeZone: z.string().refine((zone) => Intl.supportedValuesOf('timeZone').includes(zone) || zone === 'UTC', {
    message: 'Use an IANA time zone such as Asia/Shanghai.',
  }),
});
export type NewSite = z.infer<typeof newSiteSchema>;

export const siteDetailSchema = siteViewSchema.extend({
  staff: z.array(
    z.object({ userId: z.string(), name: z.string(), roles: z.array(z.string()), status: z.string() }),
  ),
});
export type SiteDetail = z.infer<typeof siteDetailSchema>;

export const studyOverviewSchema = z.object({
  studyId: z.string(),
  shortTitle: z.string(),
  title: localizedSchema,
  registryId: z.string().nullable(),
  protocolVersion: z.object({ number: z.number().int(), label: z.string(), loadedAt: z.string() }),
  sites: z.array(siteViewSchema),
  counts: z.object({ users: z.number().int(), auditEvents: z.number().int() }),
});
export type StudyOverview = z.infer<typeof studyOverviewSchema>;

/** The identity part of a protocol that a study row is created from. */
export interface StudyIdentity {
  studyId: string;
  shortTitle: string;
  title: { en: string; zh: string };
  registryId: string | null;
  versionLabel: string;
  sites: Array<{ siteId: string; code: string; name: { en: string; zh: string }; timeZone: string }>;
}
