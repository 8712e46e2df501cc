import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Protocol } from '../protocol/schema.ts';
import { mexcovidProduct } from './product-test-protocol.ts';
import { judgeRelease, judgeResult, unknownTests } from './release.ts';

let product: Protocol['product'];
beforeAll(async () => {
  product = await mexcovidProduct();
});
const test = (id: string) => {
  const found = product.release.find((entry) => entry.id === id);
  if (!found) throw new Error(id);
  return found;
};
const label = 2.0e8 / 3;

describe('release specification', () => {
  it('endotoxin must be strictly below 0.5 EU/mL', () => {
    expect(judgeResult(test('endotoxin'), 0.49, label).pass).toBe(true);
    expect(judgeResult(test('endotoxin'), 0.5, label)).toMatchObject({
      pass: false,
      message: '0.5 {EU}/mL is outside < 0.5.',
    });
  });

  it('modal size within 30–200 nm inclusive', () => {
    expect(judgeResult(test('modal-size'), 30, label).pass).toBe(true);
    expect(judgeResult(test('modal-size'), 200, label).pass).toBe(true);
    expect(judgeResult(test('modal-size'), 201, label).pass).toBe(false);
  });

  it('particle count within 80–120% of the label', () => {
    expect(judgeResult(test('particle-count'), label * 0.8, label).pass).toBe(true);
    expect(judgeResult(test('particle-count'), label * 1.21, label).message).toBe(
      '121.0% of label is outside 80–120%.',
    );
  });

  it('qualitative results must equal the expected word; a number or another word is refused', () => {
    expect(judgeResult(test('calnexin'), 'absent', label).pass).toBe(true);
    expect(judgeResult(test('calnexin'), 'present', label).message).toBe('Expected absent, found present.');
    expect(judgeResult(test('sterility'), 1, label).message).toContain('Enter one of');
    expect(judgeResult(test('modal-size'), 'big', label).message).toBe('Enter a number.');
  });

  it('a test without a result fails as not tested; unknown ids are reported', () => {
    const judged = judgeRelease(product.release, [{ testId: 'cd9', value: 'present' }], label);
    expect(judged).toHaveLength(product.release.length);
    expect(judged.filter((j) => j.message === 'Not tested.')).toHaveLength(product.release.length - 1);
    expect(unknownTests(product.release, [{ testId: 'potency', value: 1 }])).toEqual(['potency']);
  });

  it('property: a numeric result passes exactly when it lies within its limits', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 400, noNaN: true }), (value) => {
        expect(judgeResult(test('modal-size'), value, label).pass).toBe(value >= 30 && value <= 200);
      }),
    );
  });
});
