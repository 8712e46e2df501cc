import type { Page } from 'playwright-core';

// Keyboard helpers of the browser tests that enter forms by keyboard alone.

/** The keyboard, counting: one keystroke per key pressed and per character typed. */
export class CountingKeyboard {
  count = 0;
  constructor(private readonly page: Page) {}
  async press(key: string) {
    await this.page.keyboard.press(key);
    this.count += 1;
  }
  async type(text: string) {
    await this.page.keyboard.type(text);
    this.count += text.length;
  }
}

export type ClockParts = Record<'year' | 'month' | 'day' | 'hour' | 'minute', string>;

/** The keys a date-time box takes for a moment, in each layout Chromium may give it (by its own locale). */
const layouts: Array<(parts: ClockParts) => string> = [
  // Month, day, year, hour on a 12-hour clock, minute, AM or PM (en-US).
  ({ year, month, day, hour, minute }) =>
    `${month}${day}${year}${String(Number(hour) % 12 || 12).padStart(2, '0')}${minute}${Number(hour) < 12 ? 'A' : 'P'}`,
  ({ year, month, day, hour, minute }) => `${day}${month}${year}${hour}${minute}`,
  ({ year, month, day, hour, minute }) => `${year}${month}${day}${hour}${minute}`,
];

/**
 * Which layout this browser's date-time boxes have, found on a scratch page of the same context (its
 * keys are not part of any count): the one whose keys give back the moment typed.
 */
export async function dateTimeLayout(page: Page): Promise<(parts: ClockParts) => string> {
  const probe = await page.context().newPage();
  try {
    const sample: ClockParts = { year: '2026', month: '03', day: '14', hour: '15', minute: '09' };
    for (const layout of layouts) {
      await probe.setContent('<input type="datetime-local" max="9999-12-31T23:59" autofocus>');
      await probe.focus('input');
      await probe.keyboard.type(layout(sample));
      if ((await probe.inputValue('input')) === '2026-03-14T15:09') return layout;
    }
    throw new Error('no known layout of a date-time box fits this browser');
  } finally {
    await probe.close();
  }
}

/** The wall clock now in `zone`, to the minute. */
export function siteNow(zone: string): { parts: ClockParts; iso: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date())
      .map((part) => [part.type, part.value]),
  ) as ClockParts;
  return { parts, iso: `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}` };
}
