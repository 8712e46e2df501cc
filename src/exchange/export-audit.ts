import { randomUUID } from 'node:crypto';
import type { Actor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database } from '../db/connection.ts';

export type ExportKind = 'odm' | 'odm-metadata' | 'sdtm-xpt' | 'sdtm-csv' | 'fhir';

/** One audit event per export: who took which data out, in which form, with which privacy options. */
export async function recordExport(
  database: Database,
  studyId: string,
  actor: Actor,
  kind: ExportKind,
  details: Record<string, unknown>,
): Promise<void> {
  await database.transaction((trx) =>
    recordAudit(trx, studyId, actor, {
      action: 'export.run',
      entityType: 'export',
      entityId: randomUUID(),
      newValue: { kind, ...details },
    }),
  );
}
