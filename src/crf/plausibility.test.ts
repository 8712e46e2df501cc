import { beforeAll, describe, expect, it } from 'vitest';
import { defaultProtocolPath, loadProtocolFile } from '../protocol/load.ts';
import type { Protocol, ProtocolForm } from '../protocol/schema.ts';
import { itemSchema } from '../protocol/schema-parts.ts';
import { sampleVitals } from '../synth/sample-patient.ts';
import type { FieldInput } from './entries.ts';
import { checkForm, implausible } from './form-checks.ts';

let protocol: Protocol;
let vitals: ProtocolForm;
beforeAll(async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the default protocol does not load');
  protocol = loaded.protocol;
  const form = protocol.forms.find((entry) => entry.id === 'vitals');
  if (!form) throw new Error('no vitals form');
  vitals = form;
});

const fields = (values: Record<string, unknown>): Record<string, FieldInput> =>
  Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));
const check = (overrides: Record<string, unknown>) =>
  checkForm(protocol, vitals, fields({ ...sampleVitals('2026-03-02T08:00'), ...overrides }));

describe('hard limits and plausibility ranges', () => {
  it('accepts critical-care values inside the hard limits, with a query where unusual', () => {
    const cold = check({ temperature: 33.2 });
    expect(cold.hard).toEqual([]);
    expect(cold.soft).toEqual([
      {
        item: 'temperature',
        checkKey: 'temperature#plausible',
        message: {
          en: '33.2 is outside the usual range 34–41 Cel; please confirm the value or correct it.',
          zh: '33.2 超出常见范围 34–41 Cel，请核实或更正。',
        },
      },
    ]);
    const hypoxic = check({ spo2: 42, heartRate: 30 });
    expect(hypoxic.hard).toEqual([]);
    expect(hypoxic.soft.map((failure) => failure.checkKey)).toEqual([
      'heartRate#plausible',
      'spo2#plausible',
    ]);
  });

  it('raises nothing inside the plausibility range, its ends included', () => {
    for (const temperature of [34, 37.2, 41]) expect(check({ temperature }).soft).toEqual([]);
  });

  it('refuses a physically impossible value and says the allowed range', () => {
    const result = check({ temperature: 24.9, spo2: 101 });
    expect(result.soft).toEqual([]);
    expect(result.hard).toEqual([
      {
        item: 'temperature',
        message: {
          en: 'Must be within 25–45 Cel (values outside are not possible).',
          zh: '必须在 25–45 Cel 范围内（超出此范围的数值不可能存在）。',
        },
      },
      expect.objectContaining({ item: 'spo2' }),
    ]);
  });

  it('keeps an item with only the old `range` as hard limits and queries nothing', () => {
    const old = itemSchema.parse({
      id: 'spo2',
      type: 'integer',
      label: { en: 'SpO2', zh: '血氧饱和度' },
      range: { low: 50, high: 100 },
    });
    expect(old.plausible).toBeUndefined();
    expect(implausible(old, 45)).toBeNull();
    const form = { ...vitals, items: vitals.items.map((item) => (item.id === 'spo2' ? old : item)) };
    const result = checkForm(protocol, form, fields({ ...sampleVitals('2026-03-02T08:00'), spo2: 45 }));
    expect(result.hard.map((failure) => failure.item)).toEqual(['spo2']);
    expect(result.soft).toEqual([]);
  });

  it('queries a missing-data code or a blank never', () => {
    const result = checkForm(protocol, vitals, {
      ...fields(sampleVitals('2026-03-02T08:00')),
      temperature: { missing: 'not_done', missingReason: 'on ECMO, no probe' },
    });
    expect(result.soft).toEqual([]);
    expect(result.hard).toEqual([]);
  });

  it('refuses a protocol whose plausibility range leaves the hard limits or sits on a text item', () => {
    const base = { id: 'temperature', type: 'decimal', label: { en: 'T', zh: '体温' } };
    const outside = itemSchema.safeParse({
      ...base,
      range: { low: 25, high: 45 },
      plausible: { low: 20, high: 41 },
    });
    expect(outside.success).toBe(false);
    expect(outside.error?.issues[0]?.message).toBe(
      'the plausibility range must lie within the hard limits (range 25–45)',
    );
    const inverted = itemSchema.safeParse({ ...base, plausible: { low: 41, high: 34 } });
    expect(inverted.error?.issues[0]?.message).toBe('the plausibility range has low above high');
    const onText = itemSchema.safeParse({ ...base, type: 'text', plausible: { low: 1 } });
    expect(onText.error?.issues.map((issue) => issue.message)).toContain(
      'only integer and decimal items have a plausibility range',
    );
    expect(itemSchema.safeParse({ ...base, plausible: { low: 34, high: 41 } }).success).toBe(true);
  });
});
