import type { Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { authorize } from '../kernel/permissions.ts';
import { findParticipant } from '../participants/participant.queries.ts';
import type { RuleInputValue } from '../protocol/rules/ast.ts';
import { participantValues } from './record-values.ts';

/**
 * A participant's recorded values keyed by `form.item`, as the server's edit checks and skip logic see
 * them when a form of `visitKey` is saved; the web app runs the same checks with them as the user types.
 */
export async function valuesForChecks(
  db: Db,
  studyId: string,
  caller: Caller,
  participantId: string,
  visitKey: string | undefined,
): Promise<Record<string, RuleInputValue>> {
  const participant = await findParticipant(db, studyId, participantId);
  authorize(caller.user, 'crf.read', { siteId: participant.site_id });
  return participantValues(db, studyId, participantId, visitKey ? { preferVisits: [visitKey] } : {});
}
