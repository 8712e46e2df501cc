import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CustodyEvent, reconcile, type VialNow } from './accountability.ts';

type Action = 'ship' | 'receive' | 'dispense' | 'return' | 'destroy' | 'lose';

/**
 * Simulates vials moving through depot and sites by the rules the services follow, writing the
 * custody events and the final state the services would leave.
 */
function simulate(plan: Array<{ vial: number; actions: Array<{ action: Action; site: number }> }>) {
  const events: CustodyEvent[] = [];
  const vials: VialNow[] = [];
  const sites = [null, 'ruijin', 'other'];
  plan.forEach((entry, index) => {
    const vialId = `v${index}`;
    const lotId = `lot${entry.vial % 2}`;
    let state: VialNow['state'] = 'in_stock';
    let siteId: string | null = null;
    events.push({ vialId, lotId, kind: 'received', siteId, participantId: null });
    for (const { action, site } of entry.actions) {
      if (state === 'in_stock' && action === 'ship') {
        events.push({ vialId, lotId, kind: 'shipped_out', siteId, participantId: null });
        state = 'in_transit';
        siteId = null;
      } else if (state === 'in_transit' && action === 'receive') {
        siteId = sites[site % 3] ?? null;
        events.push({ vialId, lotId, kind: 'received', siteId, participantId: null });
        state = 'in_stock';
      } else if (state === 'in_stock' && siteId && action === 'dispense') {
        events.push({ vialId, lotId, kind: 'dispensed', siteId, participantId: `p${index}` });
        state = 'dispensed';
      } else if (state === 'dispensed' && action === 'return') {
        // Came back unused: the pharmacy holds it again, apart, until it is destroyed.
        events.push({ vialId, lotId, kind: 'returned_unused', siteId, participantId: `p${index}` });
        state = 'returned';
      } else if (state === 'in_transit' && action === 'lose') {
        events.push({ vialId, lotId, kind: 'lost', siteId: null, participantId: null, inTransit: true });
        state = 'lost';
      } else if (
        (state === 'in_stock' || state === 'returned') &&
        (action === 'destroy' || action === 'lose')
      ) {
        events.push({
          vialId,
          lotId,
          kind: action === 'destroy' ? 'destroyed' : 'lost',
          siteId,
          participantId: null,
        });
        state = action === 'destroy' ? 'destroyed' : 'lost';
      }
    }
    vials.push({ vialId, lotId, state, siteId: state === 'in_transit' ? null : siteId });
  });
  const lots = [0, 1].map((n) => ({
    lotId: `lot${n}`,
    lotNumber: `L${n}`,
    vialCount: vials.filter((vial) => vial.lotId === `lot${n}`).length,
  }));
  const dispensings = events
    .filter((event) => event.kind === 'dispensed')
    .map((event) => ({
      participantId: event.participantId ?? '',
      studyNumber: event.participantId,
      siteId: event.siteId ?? '',
      vialId: event.vialId,
      lotId: event.lotId,
      visitId: 'day-1',
      returned: events.some((other) => other.kind === 'returned_unused' && other.vialId === event.vialId),
    }));
  return { events, vials, lots, dispensings };
}

const planArbitrary = fc.array(
  fc.record({
    vial: fc.nat(),
    actions: fc.array(
      fc.record({
        action: fc.constantFrom<Action>('ship', 'receive', 'dispense', 'return', 'destroy', 'lose'),
        site: fc.nat(),
      }),
      { maxLength: 8 },
    ),
  }),
  { maxLength: 60 },
);

describe('accountability', () => {
  it('balances a small worked example per lot, site and participant', () => {
    const data = simulate([
      {
        vial: 0,
        actions: [
          { action: 'ship', site: 0 },
          { action: 'receive', site: 1 },
          { action: 'dispense', site: 0 },
        ],
      },
      {
        vial: 0,
        actions: [
          { action: 'ship', site: 0 },
          { action: 'receive', site: 1 },
          { action: 'destroy', site: 0 },
        ],
      },
      { vial: 0, actions: [{ action: 'ship', site: 0 }] },
      { vial: 0, actions: [] },
    ]);
    const report = reconcile({ ...data, numberOfDoses: 5 });
    expect(report.imbalances).toEqual([]);
    expect(report.sites).toEqual([
      expect.objectContaining({ site: 'depot', received: 4, returned: 3, onHand: 1, difference: 0 }),
      expect.objectContaining({
        site: 'ruijin',
        received: 2,
        dispensed: 1,
        destroyed: 1,
        onHand: 0,
        difference: 0,
      }),
    ]);
    expect(report.lots[0]).toMatchObject({
      manufactured: 4,
      dispensed: 1,
      destroyed: 1,
      onHand: 1,
      inTransit: 1,
      difference: 0,
    });
    expect(report.participants).toHaveLength(1);
  });

  it('property: any sequence of recorded moves balances everywhere', () => {
    fc.assert(
      fc.property(planArbitrary, (plan) => {
        const report = reconcile({ ...simulate(plan), numberOfDoses: 5 });
        expect(report.imbalances).toEqual([]);
      }),
    );
  });

  it('property: a vial whose state changed without its event is flagged', () => {
    fc.assert(
      fc.property(
        planArbitrary.filter((plan) => plan.length > 0),
        fc.nat(),
        (plan, pick) => {
          const data = simulate(plan);
          const index = pick % data.vials.length;
          const vial = data.vials[index];
          if (!vial) return;
          // The vial vanishes from stock (or reappears) with no custody event.
          data.vials[index] = {
            ...vial,
            state: vial.state === 'in_stock' ? 'lost' : 'in_stock',
            siteId: vial.siteId ?? 'ruijin',
          };
          expect(reconcile({ ...data, numberOfDoses: 5 }).imbalances.length).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('flags a vial held for destruction that is back in stock without an event, though every sum balances', () => {
    // fast-check's counterexample (seed -1614933839): the returned vial turns up in stock at the same site.
    const data = simulate([
      { vial: 0, actions: [] },
      {
        vial: 0,
        actions: [
          { action: 'ship', site: 0 },
          { action: 'receive', site: 1 },
          { action: 'dispense', site: 0 },
          { action: 'return', site: 0 },
        ],
      },
    ]);
    expect(reconcile({ ...data, numberOfDoses: 5 }).imbalances).toEqual([]);
    const held = data.vials[1];
    expect(held).toMatchObject({ state: 'returned', siteId: 'ruijin' });
    data.vials[1] = { ...(held as VialNow), state: 'in_stock' };
    const report = reconcile({ ...data, numberOfDoses: 5 });
    expect(report.sites.every((row) => row.difference === 0)).toBe(true);
    expect(report.imbalances).toEqual([
      'Vial v1: recorded as in stock, but its custody trail leaves it returned.',
    ]);
  });

  it('balances a vial returned unused: held for destruction, then destroyed', () => {
    const toRuijin = [
      { action: 'ship', site: 0 },
      { action: 'receive', site: 1 },
      { action: 'dispense', site: 0 },
      { action: 'return', site: 0 },
    ] as const;
    const held = simulate([{ vial: 0, actions: [...toRuijin] }]);
    const report = reconcile({ ...held, numberOfDoses: 5 });
    expect(report.imbalances).toEqual([]);
    expect(report.sites.find((row) => row.site === 'ruijin')).toMatchObject({
      received: 1,
      dispensed: 1,
      returnedUnused: 1,
      awaitingDestruction: 1,
      destroyed: 0,
      onHand: 0,
      difference: 0,
    });
    expect(report.lots[0]).toMatchObject({ returnedUnused: 1, awaitingDestruction: 1, difference: 0 });
    expect(report.participants[0]).toMatchObject({
      dispensed: 1,
      returnedUnused: 1,
      custodyReturned: 1,
      visits: [],
      difference: 0,
    });
    const destroyed = simulate([{ vial: 0, actions: [...toRuijin, { action: 'destroy', site: 0 }] }]);
    const after = reconcile({ ...destroyed, numberOfDoses: 5 });
    expect(after.imbalances).toEqual([]);
    expect(after.sites.find((row) => row.site === 'ruijin')).toMatchObject({
      returnedUnused: 1,
      awaitingDestruction: 0,
      destroyed: 1,
      difference: 0,
    });
    // The vial comes back without its return being recorded: the site and the lot are out.
    const unrecorded = {
      ...held,
      events: held.events.filter((event) => event.kind !== 'returned_unused'),
    };
    const flagged = reconcile({ ...unrecorded, numberOfDoses: 5 });
    expect(flagged.imbalances.some((line) => line.startsWith('Lot L0 at ruijin: -1'))).toBe(true);
    expect(flagged.imbalances.some((line) => line.includes('1 returned unused'))).toBe(true);
  });

  it('flags a participant given more vials than the protocol has doses, or a dispensing outside the trail', () => {
    const data = simulate([
      {
        vial: 0,
        actions: [
          { action: 'ship', site: 0 },
          { action: 'receive', site: 1 },
          { action: 'dispense', site: 0 },
        ],
      },
    ]);
    const extra = { ...data.dispensings[0], visitId: 'day-2' } as (typeof data.dispensings)[number];
    const report = reconcile({ ...data, dispensings: [...data.dispensings, extra], numberOfDoses: 1 });
    expect(report.participants[0]).toMatchObject({
      dispensed: 2,
      custodyDispensed: 1,
      overDosed: true,
      difference: 1,
    });
    expect(report.imbalances.at(-1)).toContain('more than the 1 doses');
  });
});
