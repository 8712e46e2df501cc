import { describe, expect, it } from 'vitest';
import { parseIsoDate } from './dates.ts';

describe('parseIsoDate', () => {
  it('reads offsets and refuses impossible ones', () => {
    expect(parseIsoDate('2020-02-01T08:30+08:00')?.epochMs).toBe(Date.UTC(2020, 1, 1, 0, 30));
    expect(parseIsoDate('2020-02-01T08:30+14:00')).not.toBeNull();
    expect(parseIsoDate('2020-02-01T08:30+99:99')).toBeNull();
    expect(parseIsoDate('2020-02-01T08:30+08:60')).toBeNull();
    expect(parseIsoDate('2020-02-01T08:30-15:00')).toBeNull();
  });

  it('refuses dates that do not exist', () => {
    expect(parseIsoDate('2021-02-29')).toBeNull();
    expect(parseIsoDate('2020-02-29')).not.toBeNull();
  });
});
