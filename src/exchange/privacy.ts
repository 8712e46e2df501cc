import { createHmac } from 'node:crypto';

/**
 * What an export leaves out or changes to protect participants. By default no direct identifier
 * leaves the system: dates of birth and the names of legal representatives are dropped. Date shifting
 * moves every date of one participant by the same number of days (so intervals and study days hold),
 * a number derived from the participant and a secret key, so repeated exports agree with each other.
 */
export interface PrivacyOptions {
  includeIdentifiers: boolean;
  /** Secret key for per-participant date shifting; null keeps dates as recorded. */
  dateShiftKey: string | null;
}

export const defaultPrivacy: PrivacyOptions = { includeIdentifiers: false, dateShiftKey: null };

/** Largest shift, in days, either way. */
export const MAX_SHIFT_DAYS = 180;

/** The shift of one participant: 1–180 days, earlier or later, never zero. */
export function dateShiftDays(key: string, participantId: string): number {
  const digest = createHmac('sha256', key).update(participantId).digest();
  const magnitude = (digest.readUInt32BE(0) % MAX_SHIFT_DAYS) + 1;
  return (digest[4] ?? 0) & 1 ? magnitude : -magnitude;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(.*)$/;

/**
 * An ISO 8601 date or date-time (`2020-02-15`, `2020-02-15T08:30:00Z`, with any offset) moved by
 * `days`; the time of day and its offset stay. Partial dates (`2020`, `2020-02`) cannot be shifted
 * exactly: they are reduced to the year of the shifted middle of their span.
 */
export function shiftIsoDate(text: string, days: number): string {
  if (days === 0) return text;
  const match = DATE.exec(text);
  if (match) {
    const base = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    return new Date(base + days * 86_400_000).toISOString().slice(0, 10) + (match[4] ?? '');
  }
  const partial = /^(\d{4})(?:-(\d{2}))?$/.exec(text);
  if (partial) {
    const middle = partial[2]
      ? Date.UTC(Number(partial[1]), Number(partial[2]) - 1, 15)
      : Date.UTC(Number(partial[1]), 6, 1);
    return new Date(middle + days * 86_400_000).toISOString().slice(0, 4);
  }
  return text;
}

/** Date handling for one participant under the export's privacy options. */
export interface SubjectDates {
  shiftDays: number;
  /** A recorded date or date-time as exported (shifted when shifting is on). */
  date(text: string | null | undefined): string | null;
}

export function subjectDates(privacy: PrivacyOptions, participantId: string): SubjectDates {
  const shiftDays = privacy.dateShiftKey ? dateShiftDays(privacy.dateShiftKey, participantId) : 0;
  return {
    shiftDays,
    date: (text) =>
      text === null || text === undefined || text === '' ? null : shiftIsoDate(String(text), shiftDays),
  };
}
