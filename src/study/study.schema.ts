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

/**
 * A site's settings: altitude (m) and barometric pressure (mmHg), read by the PaO2/FiO2 correction above
 * 1000 m as `site.altitude` and `site.barometricPressure`. Null until set.
 */
export const siteSettingsSchema = z
  .object({
    altitudeM: z
      .number()
      .int('Give the altitude in whole metres.')
      .min(-500, 'The altitude must be between -500 and 5500 m.')
      .max(5500, 'The altitude must be between -500 and 5500 m.')
      .nullable(),
    barometricPressureMmHg: z
      .number()
      .min(350, 'The barometric pressure must be between 350 and 800 mmHg.')
      .max(800, 'The barometric pressure must be between 350 and 800 mmHg.')
      .nullable(),
  })
  .refine(
    (settings) =>
      !(settings.altitudeM !== null && settings.altitudeM > 1000 && settings.barometricPressureMmHg === null),
    {
      path: ['barometricPressureMmHg'],
      message: 'Above 1000 m the PaO2/FiO2 ratio is corrected with the barometric pressure: give it too.',
    },
  );
export type SiteSettings = z.infer<typeof siteSettingsSchema>;

/** A site as listed, with its settings. */
export const siteEntrySchema = siteViewSchema.extend({
  altitudeM: z.number().nullable(),
  barometricPressureMmHg: z.number().nullable(),
});
export type SiteEntry = z.infer<typeof siteEntrySchema>;

export const siteDetailSchema = siteEntrySchema.extend({
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
