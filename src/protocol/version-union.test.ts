import { describe, expect, it } from 'vitest';
import { defaultProtocolPath, loadProtocolFile } from './load.ts';
import type { Protocol } from './schema.ts';
import { protocolUnion, unplacedValues } from './version-union.ts';

const loaded = await loadProtocolFile(defaultProtocolPath());
if (!loaded.ok) throw new Error('the shipped protocol does not load');
const shipped: Protocol = loaded.protocol;

/** An amendment of the shipped protocol: no platelet count, no chest CT form, no last visit, labs renamed. */
function amended(): Protocol {
  const next = structuredClone(shipped);
  next.version = '1.1';
  const labs = next.forms.find((form) => form.id === 'labs');
  if (!labs) throw new Error('no labs form');
  labs.items = labs.items.filter((item) => item.id !== 'platelets');
  labs.title = { en: 'Blood tests', zh: '血液检查' };
  next.forms = next.forms.filter((form) => form.id !== 'chestCt');
  for (const visit of next.schedule.visits) visit.forms = visit.forms.filter((id) => id !== 'chestCt');
  next.schedule.visits = next.schedule.visits.slice(0, -1);
  return next;
}

const ids = (list: readonly { id: string }[]) => list.map((entry) => entry.id);

describe('the union of protocol versions', () => {
  it('is the protocol itself when there is one version', () => {
    expect(protocolUnion([shipped])).toEqual(shipped);
  });

  it('adds back what a later version removed, in its former place, and reads the rest as the latest', () => {
    const latest = amended();
    const union = protocolUnion([shipped, latest]);
    expect(ids(union.forms)).toEqual(ids(shipped.forms));
    const labs = union.forms.find((form) => form.id === 'labs');
    expect(ids(labs?.items ?? [])).toEqual(
      ids(shipped.forms.find((form) => form.id === 'labs')?.items ?? []),
    );
    expect(labs?.title.en).toBe('Blood tests');
    expect(union.version).toBe('1.1');
    expect(ids(union.schedule.visits)).toEqual(ids(shipped.schedule.visits));
    for (const visit of shipped.schedule.visits) {
      const merged = union.schedule.visits.find((entry) => entry.id === visit.id);
      expect([...(merged?.forms ?? [])].sort(), visit.id).toEqual([...visit.forms].sort());
    }
    // The versions themselves are left as they were.
    expect(latest.forms.some((form) => form.id === 'chestCt')).toBe(false);
    expect(amended()).toEqual(latest);
  });

  it('names saved values no version defines, and only those', () => {
    const union = protocolUnion([shipped, amended()]);
    const record = (formId: string, entries: Record<string, unknown>) => ({
      record_id: `${formId}-1`,
      participant_id: 'p1',
      visit_id: 'screening',
      form_id: formId,
      protocol_version: 1,
      entries,
    });
    expect(
      unplacedValues(union, [
        record('labs', { platelets: { value: 187 }, ghost: { value: 1 } }),
        record('chestCt', { performedOn: { value: '2020-02-01' } }),
        record('retiredForm', { anything: { value: 2 } }),
        record('retiredEmpty', {}),
      ]),
    ).toEqual([
      expect.objectContaining({ recordId: 'labs-1', formId: 'labs', itemId: 'ghost' }),
      expect.objectContaining({ recordId: 'retiredForm-1', formId: 'retiredForm', itemId: null }),
    ]);
  });
});
