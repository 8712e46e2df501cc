import type { Db } from '../db/connection.ts';
import { siteWorkingVersions } from '../protocol/site-version.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import { type ReconsentDue, reconsentDue, reconsentMessage } from './reconsent.ts';

/** Who of `participants` has consented, and the re-consent each owes under their site's protocol version. */
export async function consentStates(
  db: Db,
  studyId: string,
  participants: readonly { participant_id: string; site_id: string; status: string }[],
): Promise<{ consented: Set<string>; due: Map<string, ReconsentDue> }> {
  const consented = new Set<string>();
  const due = new Map<string, ReconsentDue>();
  if (participants.length === 0) return { consented, due };
  const [rows, working] = await Promise.all([
    db
      .selectFrom('consent')
      .select(['participant_id', 'form_version'])
      .where('study_id', '=', studyId)
      .where(
        'participant_id',
        'in',
        participants.map((participant) => participant.participant_id),
      )
      .orderBy('consented_at')
      .orderBy('created_at')
      .execute(),
    siteWorkingVersions(db, studyId),
  ]);
  const byParticipant = new Map<string, { formVersion: string }[]>();
  for (const row of rows) {
    consented.add(row.participant_id);
    const list = byParticipant.get(row.participant_id) ?? [];
    list.push({ formVersion: row.form_version });
    byParticipant.set(row.participant_id, list);
  }
  for (const participant of participants) {
    const consents = byParticipant.get(participant.participant_id);
    const versionNo = working.get(participant.site_id);
    if (!consents || versionNo === undefined) continue;
    const { protocol } = await protocolVersion(db, studyId, versionNo);
    const owed = reconsentDue(protocol, participant.status, consents);
    if (owed) due.set(participant.participant_id, owed);
  }
  return { consented, due };
}

/**
 * The re-consent a participant being written to owes, under the version their site works under (read
 * with the participant's lock): one statement, and none when that version lists no consent versions.
 */
export async function reconsentOfWritable(
  db: Db,
  studyId: string,
  participant: { participant_id: string; status: string; currentProtocolVersion: number },
): Promise<ReconsentDue | null> {
  const { protocol } = await protocolVersion(db, studyId, participant.currentProtocolVersion);
  if (!protocol.consent?.versions.length) return null;
  const consents = await db
    .selectFrom('consent')
    .select('form_version')
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participant.participant_id)
    .orderBy('consented_at')
    .orderBy('created_at')
    .execute();
  return reconsentDue(
    protocol,
    participant.status,
    consents.map((row) => ({ formVersion: row.form_version })),
  );
}

/** The warning a save answers while the participant owes a re-consent (null when nothing is owed). */
export async function reconsentWarning(
  db: Db,
  studyId: string,
  participant: { participant_id: string; status: string; currentProtocolVersion: number },
): Promise<(ReconsentDue & { message: { en: string; zh: string } }) | null> {
  const owed = await reconsentOfWritable(db, studyId, participant);
  return owed ? { ...owed, message: reconsentMessage(owed) } : null;
}
