import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Protocol } from '../protocol/schema.ts';
import {
  refreezeForbidden,
  shelfExpiry,
  shelfUsedBy,
  stabilityAt,
  usabilityAt,
  usableUntil,
} from './expiry.ts';
import { mexcovidProduct } from './product-test-protocol.ts';

const HOUR = 3_600_000;
const MONTH = (365.25 / 12) * 24 * HOUR;
let product: Protocol['product'];
beforeAll(async () => {
  product = await mexcovidProduct();
});

describe('stability', () => {
  it('applies the coldest tested condition at least as warm as the storage', () => {
    expect(stabilityAt(product, -80)?.durationMs).toBe(6 * MONTH);
    expect(stabilityAt(product, -70)?.durationMs).toBe(3 * MONTH);
    expect(stabilityAt(product, -20)?.durationMs).toBe(3 * MONTH);
    expect(stabilityAt(product, 4)?.durationMs).toBe(6 * HOUR);
    expect(stabilityAt(product, 30)).toBeNull();
  });

  it('expires 6 months after entering −80 °C storage fresh, 3 months at −20 °C', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(shelfExpiry(product, 0, at, -80).getTime() - at.getTime()).toBe(6 * MONTH);
    expect(shelfExpiry(product, 0, at, -20).getTime() - at.getTime()).toBe(3 * MONTH);
  });

  it('charges a month at −20 °C as a third of the life, leaving 4 months at −80 °C', () => {
    const used = shelfUsedBy(product, -20, MONTH);
    expect(used).toBeCloseTo(1 / 3, 12);
    const at = new Date('2026-03-01T00:00:00Z');
    expect((shelfExpiry(product, used, at, -80).getTime() - at.getTime()) / MONTH).toBeCloseTo(4, 9);
  });

  it('expires at once storage warmer than any tested condition', () => {
    expect(shelfUsedBy(product, 40, 1)).toBe(Number.POSITIVE_INFINITY);
    const at = new Date('2026-01-01T00:00:00Z');
    expect(shelfExpiry(product, 0, at, 40)).toEqual(at);
  });

  it('property: splitting a stay at one temperature into two moves does not change the expiry', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(-80, -20, -70),
        fc.integer({ min: 0, max: 90 * 24 }),
        (celsius, firstHours) => {
          const start = new Date('2026-01-01T00:00:00Z');
          const whole = shelfExpiry(product, 0, start, celsius);
          const used = shelfUsedBy(product, celsius, firstHours * HOUR);
          const split = shelfExpiry(product, used, new Date(start.getTime() + firstHours * HOUR), celsius);
          return Math.abs(whole.getTime() - split.getTime()) < 2;
        },
      ),
    );
  });

  it('property: time spent warmer never makes a vial last longer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 * 180 }), (hours) => {
        const at = new Date('2026-01-01T00:00:00Z');
        const afterCold = shelfExpiry(product, shelfUsedBy(product, -80, hours * HOUR), at, -80);
        const afterWarm = shelfExpiry(product, shelfUsedBy(product, -20, hours * HOUR), at, -80);
        return afterWarm.getTime() <= afterCold.getTime();
      }),
    );
  });
});

describe('thaw-to-use window', () => {
  const expiresAt = new Date('2026-06-01T00:00:00Z');
  const thawedAt = new Date('2026-02-01T08:00:00Z');

  it('is usable until 6 hours after thawing, then not', () => {
    expect(
      usabilityAt(product, { expiresAt, thawedAt }, new Date(thawedAt.getTime() + 6 * HOUR - 1)),
    ).toEqual({ usable: true });
    expect(
      usabilityAt(product, { expiresAt, thawedAt }, new Date(thawedAt.getTime() + 6 * HOUR)),
    ).toMatchObject({
      usable: false,
      reason: 'thaw_window_passed',
    });
    expect(usableUntil(product, { expiresAt, thawedAt }).getTime()).toBe(thawedAt.getTime() + 6 * HOUR);
  });

  it('reports expiry before the thaw window when the shelf life ends first', () => {
    const late = new Date(expiresAt.getTime() - HOUR);
    expect(usabilityAt(product, { expiresAt, thawedAt: late }, expiresAt)).toMatchObject({
      reason: 'expired',
    });
    expect(usableUntil(product, { expiresAt, thawedAt: late })).toEqual(expiresAt);
  });

  it('forbids refreezing a thawed vial but not keeping it cool', () => {
    expect(refreezeForbidden(product, true, -80)).toBe(true);
    expect(refreezeForbidden(product, true, 4)).toBe(false);
    expect(refreezeForbidden(product, false, -80)).toBe(false);
  });

  it('property: usable exactly when now is before the use-by time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 * 24 }),
        fc.option(fc.integer({ min: 0, max: 10 * 24 })),
        fc.integer({ min: 0, max: 10 * 24 }),
        (expiryHours, thawHours, nowHours) => {
          const base = Date.parse('2026-01-01T00:00:00Z');
          const vial = {
            expiresAt: new Date(base + expiryHours * HOUR),
            thawedAt: thawHours === null ? null : new Date(base + thawHours * HOUR),
          };
          const now = new Date(base + nowHours * HOUR);
          return (
            usabilityAt(product, vial, now).usable === now.getTime() < usableUntil(product, vial).getTime()
          );
        },
      ),
    );
  });
});
