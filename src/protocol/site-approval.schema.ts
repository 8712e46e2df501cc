import { z } from 'zod';

// The payloads of protocol approvals per site, shared by the routes, the web app and the CLI.

export const siteApprovalRequestSchema = z.strictObject({
  siteId: z.string().trim().min(1, { message: 'Name the site that approved the version.' }).max(64),
  approvedOn: z.iso.date({ message: 'Give the date of the ethics approval as YYYY-MM-DD.' }),
});
export type SiteApprovalRequest = z.infer<typeof siteApprovalRequestSchema>;

export const siteApprovalSchema = z.object({
  versionNo: z.number().int(),
  label: z.string(),
  approvedOn: z.string(),
  recordedBy: z.string(),
});

export const siteProtocolStatusSchema = z.object({
  siteId: z.string(),
  code: z.string(),
  name: z.object({ en: z.string(), zh: z.string() }),
  /** The version the site works under: the latest approved there (or the one current when it joined). */
  workingVersionNo: z.number().int(),
  workingLabel: z.string(),
  approvals: z.array(siteApprovalSchema),
});
export type SiteProtocolStatus = z.infer<typeof siteProtocolStatusSchema>;
