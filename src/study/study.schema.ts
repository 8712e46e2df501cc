import { z } from 'zod';

const localizedSchema = z.object({ en: z.string(), zh: z.string() });

export const siteViewSchema = z.object({
  siteId: z.string(),
  code: z.string(),
  name: localizedSchema,
  timeZone: z.string(),
});

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
