import { randomUUID } from 'node:crypto';
import type { Actor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database } from '../db/connection.ts';
import type { PrivacyOptions } from './privacy.ts';

export type ExportKind =
  | 'odm'
  | 'odm-metadata'
  | 'sdtm-xpt'
  | 'sdtm-csv'
  | 'fhir'
  | 'redcap'
  | 'redcap-data'
  | 'redcap-dictionary';

/**
 * One audit event per export: who took which data out, in which form, with which privacy options.
 * The date-shifting key itself is never written: anyone reading the trail could undo the shift with it.
 */
export async function recordExport(
  database: Database,
  studyId: string,
  actor: Actor,
  kind: ExportKind,
  privacy: PrivacyOptions,
  details: Record<string, unknown> = {},
): Promise<void> {
  await database.transaction((trx) =>
    recordAudit(trx, studyId, actor, {
      action: 'export.run',
      entityType: 'export',
      entityId: randomUUID(),
      newValue: {
        kind,
        includeIdentifiers: privacy.includeIdentifiers,
        datesShifted: privacy.dateShiftKey !== null,
        ...details,
      },
    }),
  );
}
