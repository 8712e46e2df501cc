import type { Protocol } from '../protocol/schema.ts';

// Pure: how long a vial keeps, from the protocol's stability table and where it has been.

type Product = Protocol['product'];
type Duration = Product['stability'][number]['duration'];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A month of stability is an average Gregorian month (365.25 / 12 days). */
const MONTH = (365.25 / 12) * DAY;

export function durationMs(duration: Duration): number {
  const unit = { minutes: MINUTE, hours: HOUR, days: DAY, months: MONTH }[duration.unit];
  return duration.value * unit;
}

/**
 * The stability that applies to storage at `celsius`: the coldest tested condition that is at least as
 * warm as the storage (a −70 °C freezer keeps the −20 °C stability, not the −80 °C one). Null when the
 * storage is warmer than every tested condition: the product has no stated stability there.
 */
export function stabilityAt(product: Product, celsius: number): { durationMs: number } | null {
  const applicable = product.stability
    .filter((entry) => entry.temperatureCelsius >= celsius)
    .sort((a, b) => a.temperatureCelsius - b.temperatureCelsius)[0];
  return applicable ? { durationMs: durationMs(applicable.duration) } : null;
}

/**
 * Fraction of the shelf life used by `ms` of storage at `celsius` (Miner's rule over the stability
 * table: each condition uses time / its stability; the vial expires when the fractions sum to 1).
 */
export function shelfUsedBy(product: Product, celsius: number, ms: number): number {
  if (ms <= 0) return 0;
  const stability = stabilityAt(product, celsius);
  return stability ? ms / stability.durationMs : Number.POSITIVE_INFINITY;
}

/** When a vial that had used `shelfUsed` of its life on entering storage at `celsius` at `enteredAt` expires. */
export function shelfExpiry(product: Product, shelfUsed: number, enteredAt: Date, celsius: number): Date {
  const stability = stabilityAt(product, celsius);
  const remaining = Math.max(0, 1 - shelfUsed);
  if (!stability || !Number.isFinite(remaining)) return enteredAt;
  return new Date(enteredAt.getTime() + remaining * stability.durationMs);
}

/** The end of the thaw-to-use window of a thawed vial, or null when the protocol has none. */
export function thawExpiry(product: Product, thawedAt: Date): Date | null {
  if (!product.thawed) return null;
  return new Date(thawedAt.getTime() + product.thawed.useWithinHours * HOUR);
}

export type Unusable = 'expired' | 'thaw_window_passed';

/** Whether a vial can still be given at `now`: neither past its shelf expiry nor its thaw-to-use window. */
export function usabilityAt(
  product: Product,
  vial: { expiresAt: Date; thawedAt: Date | null },
  now: Date,
): { usable: true } | { usable: false; reason: Unusable; since: Date } {
  if (now.getTime() >= vial.expiresAt.getTime()) {
    return { usable: false, reason: 'expired', since: vial.expiresAt };
  }
  const thawEnd = vial.thawedAt ? thawExpiry(product, vial.thawedAt) : null;
  if (thawEnd && now.getTime() >= thawEnd.getTime()) {
    return { usable: false, reason: 'thaw_window_passed', since: thawEnd };
  }
  return { usable: true };
}

/** The earlier of the shelf expiry and the thaw-to-use end: the moment the vial can no longer be used. */
export function usableUntil(product: Product, vial: { expiresAt: Date; thawedAt: Date | null }): Date {
  const thawEnd = vial.thawedAt ? thawExpiry(product, vial.thawedAt) : null;
  return thawEnd && thawEnd < vial.expiresAt ? thawEnd : vial.expiresAt;
}

/** Whether a thawed vial may go into storage at `celsius` (the protocol may forbid refreezing). */
export function refreezeForbidden(product: Product, thawed: boolean, celsius: number): boolean {
  return thawed && celsius < 0 && product.thawed?.refreezeAllowed === false;
}
