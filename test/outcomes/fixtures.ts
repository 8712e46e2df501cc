// Hand-made participants for the outcome derivation tests: daily clinical status in the items of
// protocols/mexcovid.yaml, one helper per kind of day.

import type { OutcomeRecord, ParticipantSource } from '../../src/outcomes/source.ts';
import { defaultProtocolPath, loadProtocolFile } from '../../src/protocol/load.ts';
import type { Protocol } from '../../src/protocol/schema.ts';
import { syntheticCourse } from '../../src/synth/clinical-course.ts';
import { addDays } from '../../src/synth/patient-forms.ts';
import { seededRandom } from '../../src/synth/random.ts';

export async function mexcovid(): Promise<Protocol> {
  const result = await loadProtocolFile(defaultProtocolPath());
  if (!result.ok) throw new Error('the shipped protocol does not load');
  return result.protocol;
}

/** Items of one clinicalStatus record for an ordinal category (1–7) of the WHO 7-category scale. */
export function statusValues(category: number, extra: Record<string, unknown> = {}): OutcomeRecord['values'] {
  const hospital = {
    'clinicalStatus.died': false,
    'clinicalStatus.hospitalised': true,
    'clinicalStatus.supplementalOxygen': category >= 4,
    'clinicalStatus.hfnoOrNiv': category === 5,
    'clinicalStatus.invasiveVentilation': category === 6,
    'clinicalStatus.ecmo': false,
    'clinicalStatus.icu': category === 6,
    'clinicalStatus.vasoactiveDrugs': false,
  };
  const values: Record<string, unknown> =
    category === 7
      ? { 'clinicalStatus.died': true }
      : category <= 2
        ? {
            'clinicalStatus.died': false,
            'clinicalStatus.hospitalised': false,
            'clinicalStatus.normalActivities': category === 1,
          }
        : hospital;
  return { ...values, ...extra } as OutcomeRecord['values'];
}

export const daily = (day: number, category: number, extra: Record<string, unknown> = {}): OutcomeRecord => ({
  visitKey: 'daily-status',
  formId: 'clinicalStatus',
  instance: day,
  values: statusValues(category, extra),
});

export const baselineStatus = (category: number): OutcomeRecord => ({
  visitKey: 'screening',
  formId: 'clinicalStatus',
  instance: 1,
  values: statusValues(category),
});

let counter = 0;

/** An enrolled participant with day 1 on 2020-02-01 and the given records. */
export function participant(
  records: OutcomeRecord[],
  overrides: Partial<ParticipantSource> = {},
): ParticipantSource {
  counter += 1;
  return {
    participantId: `p-${counter}`,
    label: `RJ-${String(counter).padStart(3, '0')}`,
    siteId: 'ruijin',
    status: 'completed',
    statusDate: '2020-02-28',
    day1Date: '2020-02-01',
    records,
    ...overrides,
  };
}

/** Daily records for days from..to (inclusive) all in one category. */
export function days(from: number, to: number, category: number): OutcomeRecord[] {
  const records: OutcomeRecord[] = [];
  for (let day = from; day <= to; day++) records.push(daily(day, category));
  return records;
}

/** A synthetic cohort as source rows, completed by day 28 (src/synth/clinical-course.ts, as the demo trial). */
export function syntheticCohort(size: number, seed: number): ParticipantSource[] {
  const random = seededRandom(seed);
  return Array.from({ length: size }, (_, index) => {
    const day1Date = addDays('2020-02-01', Math.floor(index / 3));
    const course = syntheticCourse(random.fork(`participant ${index}`), day1Date);
    return {
      participantId: `s-${index}`,
      label: `RJ-${String(index + 1).padStart(4, '0')}`,
      siteId: 'ruijin',
      status: course.status,
      statusDate: course.statusDate,
      day1Date,
      records: course.records.map((record) => ({
        visitKey: record.visitKey,
        formId: record.formId,
        instance: record.instance,
        values: Object.fromEntries(
          Object.entries(record.values).map(([item, value]) => [`${record.formId}.${item}`, value]),
        ) as OutcomeRecord['values'],
      })),
    };
  });
}
