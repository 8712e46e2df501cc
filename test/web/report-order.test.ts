import { describe, expect, it } from 'vitest';
import { dueFirst } from '../../web/src/pages/safety/report-order.ts';

describe('dueFirst', () => {
  it('offers the 24-hour sponsor report before the 15-day regulator report listed ahead of it', () => {
    const clocks = [
      { id: 'susar-other', deadline: '2026-12-19T22:00:00.000Z' },
      { id: 'sae-to-sponsor', deadline: '2026-12-05T22:00:00.000Z' },
      { id: 'susar-fatal', deadline: '2026-12-11T22:00:00.000Z' },
    ];
    expect(dueFirst(clocks).map((clock) => clock.id)).toEqual([
      'sae-to-sponsor',
      'susar-fatal',
      'susar-other',
    ]);
    // The protocol's own list is left as it was.
    expect(clocks[0]?.id).toBe('susar-other');
  });
});
