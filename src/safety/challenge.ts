import type { ChallengeAnswer } from '../db/schema-safety.ts';

// Dechallenge and rechallenge (CIOMS I boxes 20 and 21) from the dosing record of a fixed course of
// daily doses. Dechallenge: was dosing stopped after the event, and did the event abate? Rechallenge:
// was the product given again after it was stopped, and did the event come back? The data say whether
// dosing stopped and restarted; whether the event came back is the investigator's to say.

export interface CourseDose {
  doseNumber: number;
  status: 'completed' | 'interrupted' | 'not-given';
  startedAt: Date | null;
}

export interface ChallengeFinding {
  /** Null: the data cannot tell; the investigator answers. */
  answer: ChallengeAnswer | null;
  basis: { en: string; zh: string };
}

const ABATED = new Set(['recovered', 'recovering', 'recovered-with-sequelae']);
const NOT_ABATED = new Set(['not-recovered', 'fatal']);

const given = (dose: CourseDose) => dose.status !== 'not-given' && dose.startedAt !== null;

/** Derives dechallenge and rechallenge from the doses of a course of `numberOfDoses`, the onset and the outcome code. */
export function deriveChallenge(
  doses: readonly CourseDose[],
  numberOfDoses: number,
  onset: Date | null,
  outcome: string | null,
): { dechallenge: ChallengeFinding; rechallenge: ChallengeFinding } {
  const notApplicable = (en: string, zh: string): ChallengeFinding => ({
    answer: 'not-applicable',
    basis: { en, zh },
  });
  if (!onset) {
    const unknown = { answer: null, basis: { en: 'The onset is not recorded.', zh: '未记录发生时间。' } };
    return { dechallenge: unknown, rechallenge: unknown };
  }
  const before = doses.filter((dose) => given(dose) && (dose.startedAt as Date) <= onset);
  if (before.length === 0) {
    const none = notApplicable('No dose was given before the onset.', '事件发生前未给药。');
    return { dechallenge: none, rechallenge: none };
  }
  const lastBefore = Math.max(...before.map((dose) => dose.doseNumber));
  if (lastBefore >= numberOfDoses) {
    const ended = notApplicable(
      `The course of ${numberOfDoses} doses was complete before the onset.`,
      `事件发生前${numberOfDoses}次给药疗程已完成。`,
    );
    return { dechallenge: ended, rechallenge: ended };
  }
  const next = doses.find((dose) => dose.doseNumber === lastBefore + 1);
  if (next && given(next)) {
    const continued = notApplicable(
      `Dosing continued after the onset (dose ${next.doseNumber} was given).`,
      `事件发生后继续给药（已给予第${next.doseNumber}次）。`,
    );
    return { dechallenge: continued, rechallenge: continued };
  }
  const stopped = {
    en: `Dosing stopped after the onset: dose ${lastBefore + 1} was not given`,
    zh: `事件发生后停药：未给予第${lastBefore + 1}次`,
  };
  const dechallenge: ChallengeFinding =
    outcome && ABATED.has(outcome)
      ? {
          answer: 'yes',
          basis: { en: `${stopped.en}, and the event abated.`, zh: `${stopped.zh}，事件减轻。` },
        }
      : outcome && NOT_ABATED.has(outcome)
        ? {
            answer: 'no',
            basis: { en: `${stopped.en}; the event did not abate.`, zh: `${stopped.zh}；事件未减轻。` },
          }
        : {
            answer: null,
            basis: {
              en: `${stopped.en}; whether it abated is not known.`,
              zh: `${stopped.zh}；是否减轻未知。`,
            },
          };
  const resumed = doses.filter((dose) => given(dose) && dose.doseNumber > lastBefore + 1);
  const rechallenge: ChallengeFinding =
    resumed.length > 0
      ? {
          answer: null,
          basis: {
            en: `Dosing resumed (dose ${resumed[0]?.doseNumber}); the investigator says whether the event recurred.`,
            zh: `恢复给药（第${resumed[0]?.doseNumber}次）；事件是否再次出现由研究者判断。`,
          },
        }
      : notApplicable('The product was not given again after it was stopped.', '停药后未再给药。');
  return { dechallenge, rechallenge };
}
