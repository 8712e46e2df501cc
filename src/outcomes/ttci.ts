import { evaluateRule, type RuleNode } from '../protocol/rules/index.ts';
import type { Protocol } from '../protocol/schema.ts';
import {
  type CompiledScale,
  compileOrdinalScale,
  type DailyCategory,
  dailyCategories,
  ordinalCategory,
  parseOrThrow,
} from './ordinal-status.ts';
import { type OutcomeRecord, type ParticipantSource, studyDay, visitIdOf } from './source.ts';

type TtciDefinition = NonNullable<Protocol['outcomes']['ttci']>;

/** What ended a participant's TTCI follow-up. */
export type TtciReason = 'improved' | 'discharged-alive' | 'died' | 'not-improved' | 'follow-up-ended';

export interface TtciAnalysisRow {
  /** Study day of improvement (day 1 = first dose), or of censoring. */
  time: number;
  /** Primary analysis: 1 improved (or discharged alive), 0 censored (deaths at the horizon, as the protocol says). */
  event: 0 | 1;
  reason: TtciReason;
  /** Competing-risk version: 1 improved at `time`, 2 died (at the day of death), 0 censored. */
  competingTime: number;
  competingStatus: 0 | 1 | 2;
}

export interface TtciParticipant {
  participantId: string;
  label: string;
  baseline: number | null;
  deathDay: number | null;
  /** Last study day with a daily status record (0 when none). */
  lastRecordedDay: number;
  /** First study day within the horizon on which the discharge-alive rule holds. */
  dischargeDay: number | null;
  /** Last study day daily status was due: discharge, death, the horizon, or the end of follow-up. */
  followedTo: number;
  days: DailyCategory[];
  /** null when the participant cannot enter the analysis; `exclusion` says why. */
  analysis: TtciAnalysisRow | null;
  exclusion: 'not-dosed' | 'baseline-missing' | null;
}

export interface CompiledTtci {
  definition: TtciDefinition;
  scale: CompiledScale;
  /** The repeating visit that holds the daily status records (instance = study day). */
  dailyVisitId: string;
  discharge: RuleNode;
  death: RuleNode;
}

export function compileTtci(protocol: Protocol): CompiledTtci {
  const { ordinalScale, ttci } = protocol.outcomes;
  if (!ordinalScale || !ttci) throw new Error('the protocol defines no ordinal scale and TTCI');
  const scale = compileOrdinalScale(ordinalScale);
  const daily = protocol.schedule.visits.find(
    (visit) => visit.repeat !== undefined && visit.forms.includes(scale.formId),
  );
  if (!daily) throw new Error(`no repeating visit records the form ${scale.formId} of the ordinal scale`);
  return {
    definition: ttci,
    scale,
    dailyVisitId: daily.id,
    discharge: parseOrThrow(ttci.dischargeAliveRule, 'ttci.dischargeAliveRule'),
    death: parseOrThrow(ttci.deathRule, 'ttci.deathRule'),
  };
}

/**
 * The day of death: the earliest daily record where ttci.deathRule holds, or the date the
 * participant's status became "died", whichever is earlier; null when neither says so.
 */
export function deathDayOf(
  compiled: CompiledTtci,
  participant: ParticipantSource,
  dailyRecords: readonly OutcomeRecord[],
): number | null {
  const days = dailyRecords
    .filter((record) => evaluateRule(compiled.death, record.values) === true)
    .map((record) => record.instance);
  if (participant.status === 'died' && participant.statusDate && participant.day1Date) {
    days.push(studyDay(participant.day1Date, participant.statusDate));
  }
  return days.length ? Math.min(...days) : null;
}

/** Whether follow-up to the horizon is complete, and if not, the study day it ended. */
function followUpEnd(participant: ParticipantSource, horizon: number, cutDate: string): 'complete' | number {
  const day1 = participant.day1Date ?? cutDate;
  if (participant.status === 'completed' || participant.status === 'died') return 'complete';
  const endDay =
    participant.status === 'withdrawn' || participant.status === 'lost_to_follow_up'
      ? studyDay(day1, participant.statusDate ?? cutDate)
      : // Still on study: days from the data cut on are not observed yet.
        studyDay(day1, cutDate) - 1;
  return endDay >= horizon ? 'complete' : endDay;
}

/**
 * Time to clinical improvement (Cao et al., NEJM 2020; the protocol's `ttci`): the first study day
 * (day 1 = first dose) within the horizon on which the ordinal category is at least
 * `improvementCategories` below the baseline category, or the discharge-alive rule holds. Days with
 * no status are never counted as improved. Primary analysis: deaths and participants not improved
 * by the horizon are censored at the horizon (`censorAtHorizon`); a participant whose follow-up
 * ended early (withdrawn, lost, or still on study at the data cut) is censored at the last day with
 * a recorded status. Competing-risk version: death before improvement is a competing event at the
 * day of death. Excluded: never dosed, or no baseline category (improvement cannot be judged).
 */
export function deriveTtci(
  compiled: CompiledTtci,
  participant: ParticipantSource,
  cutDate: string,
): TtciParticipant {
  const { definition, scale } = compiled;
  const horizon = definition.horizonDays;
  const dailyRecords = participant.records.filter(
    (record) => record.formId === scale.formId && visitIdOf(record.visitKey) === compiled.dailyVisitId,
  );
  const baselineRecord = participant.records.find(
    (record) =>
      record.formId === scale.formId &&
      visitIdOf(record.visitKey) === definition.baselineVisit &&
      record.instance === 1,
  );
  const baseline = baselineRecord ? ordinalCategory(scale, baselineRecord.values) : null;
  const deathDay = participant.day1Date ? deathDayOf(compiled, participant, dailyRecords) : null;
  const lastRecordedDay = Math.max(0, ...dailyRecords.map((record) => Math.min(record.instance, horizon)));
  const days = dailyCategories(scale, dailyRecords, horizon, deathDay);
  const dischargeDay =
    dailyRecords
      .filter((record) => record.instance >= 1 && record.instance <= horizon)
      .filter((record) => evaluateRule(compiled.discharge, record.values) === true)
      .map((record) => record.instance)
      .sort((a, b) => a - b)[0] ?? null;
  const end = participant.day1Date ? followUpEnd(participant, horizon, cutDate) : 0;
  const followedTo = Math.min(
    dischargeDay ?? horizon,
    deathDay ?? horizon,
    end === 'complete' ? horizon : Math.max(lastRecordedDay, 0),
  );
  const base = {
    participantId: participant.participantId,
    label: participant.label,
    baseline,
    deathDay,
    dischargeDay,
    followedTo,
  };
  if (!participant.day1Date) {
    return { ...base, lastRecordedDay, days, analysis: null, exclusion: 'not-dosed' };
  }
  if (baseline === null) {
    return { ...base, lastRecordedDay, days, analysis: null, exclusion: 'baseline-missing' };
  }
  const byDay = new Map(dailyRecords.map((record) => [record.instance, record]));
  for (const status of days) {
    if (deathDay !== null && status.day >= deathDay) {
      return {
        ...base,
        lastRecordedDay,
        days,
        exclusion: null,
        analysis: { time: horizon, event: 0, reason: 'died', competingTime: deathDay, competingStatus: 2 },
      };
    }
    const record = byDay.get(status.day);
    const discharged = record !== undefined && evaluateRule(compiled.discharge, record.values) === true;
    const improved =
      status.category !== null && status.category <= baseline - definition.improvementCategories;
    if (discharged || improved) {
      return {
        ...base,
        lastRecordedDay,
        days,
        exclusion: null,
        analysis: {
          time: status.day,
          event: 1,
          reason: improved ? 'improved' : 'discharged-alive',
          competingTime: status.day,
          competingStatus: 1,
        },
      };
    }
  }
  const censorDay = end === 'complete' ? horizon : Math.min(lastRecordedDay, Math.max(end, 0));
  return {
    ...base,
    lastRecordedDay,
    days,
    exclusion: null,
    analysis: {
      time: censorDay,
      event: 0,
      reason: end === 'complete' ? 'not-improved' : 'follow-up-ended',
      competingTime: censorDay,
      competingStatus: 0,
    },
  };
}
