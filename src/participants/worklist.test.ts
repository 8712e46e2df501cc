import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { formOutsideWindow } from '../deviations/visit-window.ts';
import { defaultProtocolPath, loadProtocolFile } from '../protocol/load.ts';
import type { Protocol } from '../protocol/schema.ts';
import { nextVisit, studyDayDate, visitWindows } from './schedule.ts';
import { savedKey, worklistOf } from './worklist.ts';

let protocol: Protocol;
const day1Date = '2026-03-01';
const day = (study: number) => studyDayDate(day1Date, study);

beforeAll(async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the default protocol does not load');
  protocol = loaded.protocol;
});

const itemOf = (today: string, visitKey: string, formId: string, instance = 1, saved: string[] = []) =>
  worklistOf(protocol, { day1Date, endDate: null, saved: new Set(saved) }, today).find(
    (item) => item.visitKey === visitKey && item.formId === formId && item.instance === instance,
  );

describe('worklist states from the visit windows', () => {
  it('walks a −2/+2 day window: upcoming, due on the target day, overdue, then missing', () => {
    const states = [4, 5, 6, 7, 8, 9, 10].map((study) => itemOf(day(study), 'day-7', 'labs')?.state);
    expect(states).toEqual([
      'upcoming',
      'upcoming',
      'upcoming',
      'due-today',
      'overdue',
      'overdue',
      'missing',
    ]);
    expect(itemOf(day(12), 'day-7', 'labs')?.daysLate).toBe(5);
    expect(itemOf(day(12), 'day-7', 'labs', 1, [savedKey('day-7', 'labs', 1)])?.state).toBe('done');
  });

  it('gives a daily visit one entry per study day, each with its own ±0 window', () => {
    expect(itemOf(day(3), 'daily-status', 'clinicalStatus', 3)?.state).toBe('due-today');
    expect(itemOf(day(3), 'daily-status', 'clinicalStatus', 2)).toMatchObject({
      state: 'missing',
      daysLate: 1,
    });
    expect(itemOf(day(3), 'daily-status', 'clinicalStatus', 4)?.state).toBe('upcoming');
    expect(itemOf(day(3), 'daily-status', 'clinicalStatus', 29)).toBeUndefined();
  });

  it('lists timepoint forms, leaves out log forms, and nothing opening after the end of participation', () => {
    const items = worklistOf(protocol, { day1Date, endDate: day(10), saved: new Set() }, day(30));
    expect(items.some((item) => item.visitKey === 'day-1/post-30' && item.formId === 'vitals')).toBe(true);
    expect(items.some((item) => item.formId === 'conmeds' || item.formId === 'adverseEvent')).toBe(false);
    expect(items.some((item) => item.visitId === 'day-14' || item.visitId === 'day-28')).toBe(false);
    expect(items.some((item) => item.visitId === 'day-7')).toBe(true);
  });

  it('keeps the first RT-PCR of a visit due, never its further entries nor the unscheduled visit', () => {
    expect(itemOf(day(10), 'day-7', 'rtPcr')).toMatchObject({ state: 'missing', daysLate: 3 });
    const saved = [savedKey('day-7', 'rtPcr', 1)];
    expect(itemOf(day(10), 'day-7', 'rtPcr', 1, saved)?.state).toBe('done');
    const items = worklistOf(protocol, { day1Date, endDate: null, saved: new Set(saved) }, day(30));
    const pcr = items.filter((item) => item.formId === 'rtPcr');
    expect(pcr.map((item) => `${item.visitKey}#${item.instance}`)).toEqual([
      'screening#1',
      'day-7#1',
      'day-14#1',
    ]);
    expect(items.some((item) => item.visitId === 'unscheduled')).toBe(false);
    // The unscheduled visit, open from day −2 to day 30, is never the participant's next visit.
    expect(nextVisit(visitWindows(protocol, day1Date), day(29))?.visitId).toBe('day-28');
  });

  it('never calls a saved form anything but done, and never an unsaved one late before its target (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 40 }), fc.boolean(), (study, saved) => {
        const items = worklistOf(
          protocol,
          { day1Date, endDate: null, saved: new Set(saved ? [savedKey('day-14', 'vitals', 1)] : []) },
          day(study),
        );
        const item = items.find((entry) => entry.visitKey === 'day-14' && entry.formId === 'vitals');
        if (saved) return item?.state === 'done';
        if (day(study) < (item?.targetDate ?? '')) return item?.state === 'upcoming' && item.daysLate === 0;
        return item !== undefined && item.daysLate === study - 14;
      }),
    );
  });
});

describe('a form dated outside its visit window', () => {
  const vitals = () => protocol.forms.find((form) => form.id === 'vitals');
  const check = (visitKey: string, date: string, instance = 1) => {
    const form = vitals();
    if (!form) throw new Error('no vitals form');
    return formOutsideWindow(
      protocol,
      form,
      { visitKey, instance, recordId: 'record-1' },
      { assessedAt: { value: `${date}T09:00` } },
      day1Date,
    );
  };

  it('proposes nothing inside the window (its edges included), and names the days outside it', () => {
    expect(check('day-7', day(5))).toBeNull();
    expect(check('day-7', day(9))).toBeNull();
    expect(check('day-7', day(4))?.description).toContain('1 day before its window opened');
    expect(check('day-7', day(12))).toMatchObject({
      sourceKey: 'form_record:record-1',
      category: 'visit-window',
      occurredOn: day(12),
    });
    expect(check('day-7', day(12))?.description).toContain('3 days after its window closed');
  });

  it('reads a timepoint by its visit, and leaves the screening visit to the enrolment check', () => {
    expect(check('day-1/post-30', day(1))).toBeNull();
    expect(check('day-1/post-30', day(2))?.visitId).toBe('day-1');
    expect(check('screening', day(-20))).toBeNull();
  });
});
