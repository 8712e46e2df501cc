import { recordParticipantAudit } from '../audit/audit.service.ts';
import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { findAdverseEvent } from './adverse-event.service.ts';
import type { NarrativeRevision, NarrativeSave, NarrativeView } from './narrative.schema.ts';
import { draftNarrative } from './narrative-draft.ts';
import { reportFor } from './report.loader.ts';

// The investigator's part of an expedited report: the narrative, drafted from the data and edited,
// and the dechallenge and rechallenge answers the data cannot give. Each save is a new revision with
// its audit event; no revision is overwritten, so every edit can be read back.

const toRevision = (row: {
  revision: number;
  narrative: string;
  dechallenge: NarrativeRevision['dechallenge'];
  rechallenge: NarrativeRevision['rechallenge'];
  reason: string | null;
  saved_at: Date | string;
  saved_by_name: string;
}): NarrativeRevision => ({
  revision: row.revision,
  narrative: row.narrative,
  dechallenge: row.dechallenge,
  rechallenge: row.rechallenge,
  reason: row.reason,
  savedAt: new Date(row.saved_at).toISOString(),
  savedByName: row.saved_by_name,
});

/** The draft from the data, the derived challenge answers and every saved revision of one event. */
export async function eventNarrative(
  db: Db,
  studyId: string,
  caller: Caller,
  aeId: string,
  clock: () => Date = () => new Date(),
): Promise<NarrativeView> {
  const row = await findAdverseEvent(db, studyId, aeId);
  authorize(caller.user, 'safety.read', { siteId: row.site_id });
  const { payload } = await reportFor(
    db,
    studyId,
    aeId,
    { clockId: null, kind: 'initial', followUpNumber: 0 },
    clock(),
  );
  const finding = (challenge: (typeof payload.suspectProduct)['dechallenge']) => ({
    answer: challenge.derivedAnswer,
    basis: {
      en: challenge.basis ?? '',
      zh: payload.labelsZh[challenge.basis ?? ''] ?? challenge.basis ?? '',
    },
  });
  const derived = {
    dechallenge: finding(payload.suspectProduct.dechallenge),
    rechallenge: finding(payload.suspectProduct.rechallenge),
  };
  const revisions = await db
    .selectFrom('ae_report_revision')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('ae_id', '=', aeId)
    .orderBy('revision', 'desc')
    .execute();
  return {
    aeId,
    draft: {
      en: draftNarrative(payload, 'en', payload.labelsZh),
      zh: draftNarrative(payload, 'zh', payload.labelsZh),
    },
    derived,
    revisions: revisions.map(toRevision),
  };
}

/** Saves a new revision of the narrative (and the investigator's challenge answers), audited. */
export async function saveNarrative(
  database: Database,
  studyId: string,
  caller: Caller,
  aeId: string,
  request: NarrativeSave,
  clock: () => Date = () => new Date(),
): Promise<NarrativeRevision> {
  return database.transaction(async (trx) => {
    const event = await findAdverseEvent(trx, studyId, aeId, true);
    authorize(caller.user, 'safety.assess', { siteId: event.site_id });
    const latest = await trx
      .selectFrom('ae_report_revision')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('ae_id', '=', aeId)
      .orderBy('revision', 'desc')
      .limit(1)
      .executeTakeFirst();
    const current = latest?.revision ?? 0;
    if (request.baseRevision !== current) {
      throw conflict(
        `The narrative was saved again (revision ${current}) since you opened revision ${request.baseRevision}; reload it and apply your edits.`,
      );
    }
    const saved = await trx
      .insertInto('ae_report_revision')
      .values({
        study_id: studyId,
        ae_id: aeId,
        revision: current + 1,
        narrative: request.narrative,
        dechallenge: request.dechallenge,
        rechallenge: request.rechallenge,
        reason: request.reason ?? null,
        saved_at: clock(),
        saved_by: caller.actor.label,
        saved_by_name: caller.user.name,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordParticipantAudit(trx, studyId, caller.actor, event, {
      action: 'safety.report.narrative',
      entityType: 'adverse_event',
      entityId: aeId,
      field: 'narrative',
      oldValue: latest
        ? {
            revision: latest.revision,
            narrative: latest.narrative,
            dechallenge: latest.dechallenge,
            rechallenge: latest.rechallenge,
          }
        : null,
      newValue: {
        revision: saved.revision,
        narrative: saved.narrative,
        dechallenge: saved.dechallenge,
        rechallenge: saved.rechallenge,
      },
      ...(request.reason ? { reason: request.reason } : {}),
    });
    return toRevision(saved);
  });
}
