import type { Protocol } from '../../protocol/schema.ts';
import type { ParticipantRow, SubjectSource } from '../source.ts';

/** The arm variables of a DM row (SDTMIG 3.3 section 5.2, assumptions 5 and 6). */
export interface DmArms {
  ARMCD: string | null;
  ARM: string | null;
  ACTARMCD: string | null;
  ACTARM: string | null;
  ARMNRS: string | null;
}

/** ARMCD of an arm: its id in capitals, at most 20 characters (the same code in DM and TA). */
export const armCode = (armId: string): string => armId.toUpperCase().slice(0, 20);

/**
 * Why a randomised participant's arm is left out of an export read by someone who may not see arms
 * (armsVisible false). Not in the ARMNULRS code list, which is extensible: a blinded transfer is a
 * reason the standard does not foresee, and naming it keeps the null from reading as "not assigned".
 */
export const BLINDED_ARM_REASON = 'BLINDED';

const nullArms = (reason: string): DmArms => ({
  ARMCD: null,
  ARM: null,
  ACTARMCD: null,
  ACTARM: null,
  ARMNRS: reason,
});

/**
 * A participant's planned and actual arm. Planned: the arm they were randomised to when the study
 * randomises, else the design's only arm once enrolled. Actual: the planned arm once any dose was given
 * (kits do not yet record which arm's product a dose came from, so a dose of the wrong arm's product
 * cannot be told from the data), null with "ASSIGNED, NOT TREATED" before a first dose. Screen failures
 * and those never assigned have null arms with the reason in ARMNRS, as SDTMIG 3.3 asks (no SCRNFAIL or
 * NOTASSGN codes). When `blinded`, a randomised participant's arms are withheld (ARMNRS "BLINDED").
 */
export function dmArms(
  protocol: Protocol,
  subject: { participant: Pick<ParticipantRow, 'status' | 'day1_date'>; allocatedArm?: string },
  treated: boolean,
  blinded: boolean,
): DmArms {
  const { participant } = subject;
  const randomised = protocol.randomisation !== undefined;
  const arms = protocol.study.design.arms;
  const armId = randomised
    ? subject.allocatedArm
    : participant.day1_date !== null && arms.length === 1
      ? arms[0]?.id
      : undefined;
  const arm = arms.find((entry) => entry.id === armId);
  if (!arm) {
    return nullArms(participant.status === 'screen_failed' ? 'SCREEN FAILURE' : 'NOT ASSIGNED');
  }
  if (randomised && blinded) return nullArms(BLINDED_ARM_REASON);
  const planned = { ARMCD: armCode(arm.id), ARM: arm.name.en };
  return treated
    ? { ...planned, ACTARMCD: planned.ARMCD, ACTARM: planned.ARM, ARMNRS: null }
    : { ...planned, ACTARMCD: null, ACTARM: null, ARMNRS: 'ASSIGNED, NOT TREATED' };
}

/** Text that stands in for the treatment of a randomised participant in an export blinded to arms. */
export const BLINDED_TREATMENT = 'BLINDED';

/**
 * What a participant's doses were, for EX: the protocol's product and regimen, or their allocated
 * arm's own regimen under the arm's name (a placebo). Blinded to arms, a randomised participant's
 * treatment is BLINDED whatever the arm, with the protocol's regimen (arms look alike in a blinded trial).
 */
export function treatmentOf(
  protocol: Protocol,
  subject: Pick<SubjectSource, 'allocatedArm'>,
  blinded: boolean,
): { name: string; regimen: Protocol['regimen'] } {
  if (protocol.randomisation && blinded) return { name: BLINDED_TREATMENT, regimen: protocol.regimen };
  const arm = protocol.study.design.arms.find((entry) => entry.id === subject.allocatedArm);
  return arm?.regimen
    ? { name: arm.name.en, regimen: arm.regimen }
    : { name: protocol.product.code, regimen: protocol.regimen };
}
