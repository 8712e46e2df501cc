import { recordParticipantAudit } from '../audit/audit.service.ts';
import { screeningInputs } from '../crf/record-values.ts';
import type { Db, Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import type { Protocol } from '../protocol/schema.ts';
import { participantArmVisible } from './blinding.ts';
import { minimisationDraws, minimise } from './minimisation.ts';
import type { AllocationView } from './randomisation.schema.ts';
import type { StoredDesign } from './randomisation-design.ts';
import { lockedList } from './randomisation-list.service.ts';
import { levelOfValue, stratumKey } from './strata.ts';
import { unblindingsOf } from './unblinding.service.ts';

interface Participant {
  participant_id: string;
  site_id: string;
}

/** The participant's level of each factor, from their site and screening data; a missing value refuses allocation. */
async function levelsOf(
  trx: Tx,
  studyId: string,
  protocol: Protocol,
  design: StoredDesign,
  participant: Participant,
): Promise<Record<string, string>> {
  const { values } = await screeningInputs(trx, studyId, protocol, participant.participant_id);
  const levels: Record<string, string> = {};
  for (const factor of design.randomisation.stratification) {
    if (factor.source === 'site') {
      levels[factor.id] = participant.site_id;
      continue;
    }
    const found = levelOfValue(factor, values[factor.item]);
    if ('missing' in found) throw conflict(`Cannot randomise: ${found.missing}.`, { factor: factor.id });
    levels[factor.id] = found.level;
  }
  return levels;
}

/**
 * Allocates an enrolling participant in the enrolment's transaction: the next unused entry of their
 * stratum (permuted blocks) or the minimisation choice. The list row is locked first, so allocations
 * take turns and each sees the ones before; the primary key (one allocation a participant) and the
 * unique entry index refuse a second allocation whatever happens. Returns the randomisation number,
 * or null when the protocol does not randomise. Audited without the arm (blinded roles read the trail).
 */
export async function allocateAtEnrolment(
  trx: Tx,
  studyId: string,
  caller: Caller,
  participant: Participant,
  protocol: Protocol,
  clock: Date,
): Promise<string | null> {
  if (!protocol.randomisation) return null;
  const list = await lockedList(trx, studyId);
  if (list?.status !== 'sealed') {
    throw conflict(
      'The randomisation list is not sealed yet: the statistician must generate and seal it before the first enrolment.',
    );
  }
  const design = list.design as StoredDesign;
  const levels = await levelsOf(trx, studyId, protocol, design, participant);
  const stratum = stratumKey(design.randomisation.stratification, levels);
  const taken =
    design.randomisation.method === 'permuted-blocks'
      ? await nextEntry(trx, studyId, stratum)
      : await minimisationChoice(trx, studyId, design, list.seed, levels);
  await trx
    .insertInto('randomisation_allocation')
    .values({
      study_id: studyId,
      participant_id: participant.participant_id,
      site_id: participant.site_id,
      stratum,
      sequence: taken.sequence,
      randomisation_number: taken.randomisationNumber,
      arm: taken.arm,
      levels: JSON.stringify(levels),
      detail: taken.detail === null ? null : JSON.stringify(taken.detail),
      allocated_by: caller.actor.type === 'user' ? caller.actor.userId : caller.actor.label,
      allocated_at: clock,
    })
    .execute();
  await recordParticipantAudit(trx, studyId, caller.actor, participant, {
    action: 'randomisation.allocate',
    entityType: 'randomisation_allocation',
    entityId: participant.participant_id,
    newValue: { randomisationNumber: taken.randomisationNumber, stratum, listHash: list.list_hash },
  });
  return taken.randomisationNumber;
}

interface Taken {
  sequence: number;
  randomisationNumber: string;
  arm: string;
  detail: unknown;
}

async function nextEntry(trx: Tx, studyId: string, stratum: string): Promise<Taken> {
  const entry = await trx
    .selectFrom('randomisation_entry as e')
    .select(['e.sequence', 'e.randomisation_number', 'e.arm'])
    .where('e.study_id', '=', studyId)
    .where('e.stratum', '=', stratum)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('randomisation_allocation as a')
            .select('a.participant_id')
            .whereRef('a.study_id', '=', 'e.study_id')
            .whereRef('a.stratum', '=', 'e.stratum')
            .whereRef('a.sequence', '=', 'e.sequence'),
        ),
      ),
    )
    .orderBy('e.sequence')
    .limit(1)
    .executeTakeFirst();
  if (!entry) {
    const listed = await trx
      .selectFrom('randomisation_entry')
      .select('sequence')
      .where('study_id', '=', studyId)
      .where('stratum', '=', stratum)
      .limit(1)
      .executeTakeFirst();
    throw conflict(
      listed
        ? `Every entry of stratum ${stratum} is used: the list must be extended under a protocol amendment.`
        : `The sealed list has no stratum ${stratum} (a site added after the list was generated?): the statistician must be consulted.`,
      { stratum },
    );
  }
  return {
    sequence: entry.sequence,
    randomisationNumber: entry.randomisation_number,
    arm: entry.arm,
    detail: null,
  };
}

async function minimisationChoice(
  trx: Tx,
  studyId: string,
  design: StoredDesign,
  seed: number,
  levels: Record<string, string>,
): Promise<Taken> {
  const randomisation = design.randomisation;
  if (randomisation.method !== 'minimisation') throw new Error('not a minimisation design');
  const prior = await trx
    .selectFrom('randomisation_allocation')
    .select(['levels', 'arm', 'sequence'])
    .where('study_id', '=', studyId)
    .orderBy('sequence')
    .execute();
  const index = prior.length;
  const result = minimise(
    {
      ratio: randomisation.ratio,
      factors: randomisation.stratification.map((factor) => ({ id: factor.id, weight: factor.weight })),
      imbalance: randomisation.imbalance,
      preferredArmProbability: randomisation.preferredArmProbability,
    },
    prior.map((row) => ({ levels: row.levels, arm: row.arm })),
    levels,
    minimisationDraws(seed, index),
  );
  return {
    sequence: index + 1,
    randomisationNumber: `M-${String(index + 1).padStart(4, '0')}`,
    arm: result.arm,
    detail: { scores: result.scores, preferred: result.preferred, draws: result.draws },
  };
}

/** A participant's allocation: the randomisation number for everyone who sees the participant, the arm only to whom `participantArmVisible` allows. */
export async function allocationOf(
  db: Db,
  studyId: string,
  caller: Caller,
  participantId: string,
): Promise<AllocationView> {
  const row = await db
    .selectFrom('randomisation_allocation')
    .select(['site_id', 'randomisation_number', 'stratum', 'arm', 'allocated_at'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .executeTakeFirst();
  if (!row) throw notFound('An allocation of this participant');
  authorize(caller.user, 'participant.read', { siteId: row.site_id });
  const visible = await participantArmVisible(db, studyId, caller.user, {
    participantId,
    siteId: row.site_id,
  });
  return {
    randomisationNumber: row.randomisation_number,
    stratum: row.stratum,
    allocatedAt: new Date(row.allocated_at).toISOString(),
    ...(visible ? { arm: row.arm } : {}),
    unblindings: await unblindingsOf(db, studyId, participantId),
  };
}
