// IBM System/370 double precision, the number format of SAS XPORT version 5 (SAS TS-140):
// sign bit, 7-bit excess-64 exponent of 16, 56-bit fraction 0.F with the first hex digit non-zero.

/** Largest IEEE double below 16^63, the bound of IBM doubles ((1 − 16^−14) × 16^63 rounds up to 16^63). */
export const IBM_MAX = (1 - 2 ** -53) * 2 ** 252;
/** Smallest normalised magnitude: 16^−65; smaller values are written as zero. */
export const IBM_MIN = 16 ** -65;

const scratch = new DataView(new ArrayBuffer(8));

/**
 * Writes `value` as an 8-byte IBM double at `offset`. Exact: an IEEE double's 53-bit significand fits
 * in the 56-bit fraction after a shift of 0–3 bits, so no rounding happens. Magnitudes below 16^−65
 * become zero (an IEEE double cannot reach them except as an underflow); above IBM_MAX it throws.
 */
export function writeIbmDouble(value: number, target: Uint8Array, offset: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${value} cannot be written as an IBM double`);
  if (value === 0 || Math.abs(value) < IBM_MIN) {
    target.fill(0, offset, offset + 8);
    return;
  }
  if (Math.abs(value) > IBM_MAX) throw new RangeError(`${value} is too large for an IBM double`);
  scratch.setFloat64(0, value);
  const high = scratch.getUint32(0);
  const low = scratch.getUint32(4);
  const sign = high >>> 31;
  const biased = (high >>> 20) & 0x7ff;
  // value = M × 2^(E − 52) with M the 53-bit significand (implicit leading 1; subnormals are below IBM_MIN).
  const binaryExponent = biased - 1023;
  const shift = (((binaryExponent + 4) % 4) + 4) % 4;
  const hexExponent = (binaryExponent + 4 - shift) / 4;
  const significandHigh = (high & 0xfffff) | 0x100000; // 21 bits
  // Fraction F = M × 2^shift, 56 bits: 24 high bits and 32 low bits.
  const fractionHigh = shift === 0 ? significandHigh : (significandHigh << shift) | (low >>> (32 - shift));
  const fractionLow = shift === 0 ? low : (low << shift) >>> 0;
  const exponentByte = hexExponent + 64;
  if (exponentByte < 0) {
    target.fill(0, offset, offset + 8);
    return;
  }
  target[offset] = (sign << 7) | exponentByte;
  target[offset + 1] = (fractionHigh >>> 16) & 0xff;
  target[offset + 2] = (fractionHigh >>> 8) & 0xff;
  target[offset + 3] = fractionHigh & 0xff;
  target[offset + 4] = (fractionLow >>> 24) & 0xff;
  target[offset + 5] = (fractionLow >>> 16) & 0xff;
  target[offset + 6] = (fractionLow >>> 8) & 0xff;
  target[offset + 7] = fractionLow & 0xff;
}

/** The 8 bytes of `value` as an IBM double. */
export function toIbmDouble(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  writeIbmDouble(value, bytes, 0);
  return bytes;
}

/** Reads an IBM double (for tests and readers); a missing value (`.` or `.A`–`.Z`, `._`) reads as null. */
export function readIbmDouble(bytes: Uint8Array, offset = 0): number | null {
  const first = bytes[offset] ?? 0;
  let restZero = true;
  for (let index = 1; index < 8; index += 1) if (bytes[offset + index] !== 0) restZero = false;
  if (restZero && (first === 0x2e || first === 0x5f || (first >= 0x41 && first <= 0x5a))) return null;
  const sign = first & 0x80 ? -1 : 1;
  const exponent = (first & 0x7f) - 64;
  let fraction = 0;
  for (let index = 1; index < 8; index += 1) fraction = fraction * 256 + (bytes[offset + index] ?? 0);
  // fraction < 2^56; dividing by 2^56 and scaling by 16^exponent are exact for values an IEEE double holds.
  return sign * (fraction / 2 ** 56) * 16 ** exponent;
}
