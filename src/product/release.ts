import type { Protocol } from '../protocol/schema.ts';

// Pure: a lot's release results judged against the protocol's specification.

type ReleaseTest = Protocol['product']['release'][number];

export interface ReleaseInput {
  testId: string;
  value: number | string;
}

export interface ReleaseJudgement {
  testId: string;
  value: number | string | null;
  pass: boolean;
  message: string;
}

const qualitativeValues = ['present', 'absent', 'negative', 'positive'] as const;

function limitText(test: Extract<ReleaseTest, { kind: 'numeric' }>): string {
  const low = test.low === undefined ? null : `≥ ${test.low}`;
  const high = test.high === undefined ? null : `${test.highExclusive ? '<' : '≤'} ${test.high}`;
  return [low, high].filter(Boolean).join(' and ');
}

/** One result against one test of the specification. */
export function judgeResult(test: ReleaseTest, value: number | string, labelPerMl: number): ReleaseJudgement {
  const base = { testId: test.id, value };
  if (test.kind === 'qualitative') {
    if (typeof value !== 'string' || !(qualitativeValues as readonly string[]).includes(value)) {
      return { ...base, pass: false, message: `Enter one of ${qualitativeValues.join(', ')}.` };
    }
    const pass = value === test.expected;
    return { ...base, pass, message: pass ? 'As specified.' : `Expected ${test.expected}, found ${value}.` };
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { ...base, pass: false, message: 'Enter a number.' };
  }
  if (test.kind === 'numeric') {
    const lowOk = test.low === undefined || value >= test.low;
    const highOk = test.high === undefined || (test.highExclusive ? value < test.high : value <= test.high);
    const pass = lowOk && highOk;
    return {
      ...base,
      pass,
      message: pass
        ? `Within ${limitText(test)} ${test.unit}.`
        : `${value} ${test.unit} is outside ${limitText(test)}.`,
    };
  }
  // relative-to-label: the measured concentration as a percentage of the label's.
  const percent = (value / labelPerMl) * 100;
  const pass = percent >= test.lowPercent && percent <= test.highPercent;
  const shown = `${percent.toFixed(1)}% of label`;
  return {
    ...base,
    pass,
    message: pass ? `${shown}.` : `${shown} is outside ${test.lowPercent}–${test.highPercent}%.`,
  };
}

/**
 * Every test of the specification with its judgement; a test without a result fails ("not tested").
 * A lot may be released only when every judgement passes.
 */
export function judgeRelease(
  tests: readonly ReleaseTest[],
  results: readonly ReleaseInput[],
  labelPerMl: number,
): ReleaseJudgement[] {
  return tests.map((test) => {
    const result = results.find((entry) => entry.testId === test.id);
    if (!result) return { testId: test.id, value: null, pass: false, message: 'Not tested.' };
    return judgeResult(test, result.value, labelPerMl);
  });
}

/** Result ids that name no test of the specification (a typing mistake to report, not to ignore). */
export const unknownTests = (tests: readonly ReleaseTest[], results: readonly ReleaseInput[]) =>
  results.filter((result) => !tests.some((test) => test.id === result.testId)).map((result) => result.testId);
