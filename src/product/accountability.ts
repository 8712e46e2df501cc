// Pure: drug accountability, reconciled from the custody events and the vials as they are now.

export const DEPOT = 'depot';

export interface CustodyEvent {
  vialId: string;
  lotId: string;
  kind: 'received' | 'shipped_out' | 'dispensed' | 'returned_unused' | 'destroyed' | 'lost';
  /** Site id, or null for the central depot. */
  siteId: string | null;
  participantId: string | null;
  /** Lost on the road: after the sender's shipment and before any receipt, so charged to no site. */
  inTransit?: boolean;
}

export interface VialNow {
  vialId: string;
  /** The vial's printed code, named in an imbalance (the id when absent). */
  code?: string;
  lotId: string;
  state: 'in_stock' | 'in_transit' | 'dispensed' | 'returned' | 'destroyed' | 'lost';
  siteId: string | null;
}

export interface LotFacts {
  lotId: string;
  lotNumber: string;
  vialCount: number;
}

export interface DispensingFacts {
  participantId: string;
  studyNumber: string | null;
  siteId: string;
  vialId: string;
  lotId: string;
  visitId: string;
  /** The vial came back unused. */
  returned: boolean;
}

export interface SiteBalance {
  lotId: string;
  lotNumber: string;
  site: string;
  received: number;
  dispensed: number;
  /** Sent away from the site (returned to the depot or passed to another site). */
  returned: number;
  /** Dispensed vials that came back to the pharmacy unused: back in its custody, held for destruction. */
  returnedUnused: number;
  destroyed: number;
  lost: number;
  onHand: number;
  /** Returned unused and not yet destroyed. */
  awaitingDestruction: number;
  /**
   * received + returned unused − (dispensed + returned + destroyed + lost + on hand + awaiting
   * destruction); 0 when balanced.
   */
  difference: number;
}

export interface LotBalance {
  lotId: string;
  lotNumber: string;
  manufactured: number;
  registered: number;
  dispensed: number;
  returnedUnused: number;
  destroyed: number;
  lost: number;
  onHand: number;
  inTransit: number;
  awaitingDestruction: number;
  difference: number;
}

export interface ParticipantBalance {
  participantId: string;
  studyNumber: string | null;
  siteId: string;
  dispensed: number;
  /** Dispensing records whose vial came back unused. */
  returnedUnused: number;
  /** Dose visits whose vial was kept (a returned vial's visit is not counted as dosed). */
  visits: string[];
  lots: string[];
  /** Vials recorded as dispensed to this participant in the custody trail. */
  custodyDispensed: number;
  /** Vials recorded as returned unused by this participant in the custody trail. */
  custodyReturned: number;
  overDosed: boolean;
  difference: number;
}

export interface AccountabilityReport {
  sites: SiteBalance[];
  lots: LotBalance[];
  participants: ParticipantBalance[];
  imbalances: string[];
}

/**
 * The state a vial's custody events leave it in, whatever their order: destroyed or lost is final;
 * a dispensing not followed by a return leaves it dispensed; a return leaves it held for destruction;
 * else it is in stock when it was received as often as it was shipped out plus one, in transit when
 * as often. Null when the events fit no custody (e.g. shipped more often than received).
 */
function stateFromTrail(counts: Record<CustodyEvent['kind'], number>): VialNow['state'] | null {
  if (counts.destroyed + counts.lost > 1) return null;
  if (counts.destroyed === 1) return 'destroyed';
  if (counts.lost === 1) return 'lost';
  const out = counts.dispensed - counts.returned_unused;
  if (out === 1) return 'dispensed';
  if (out !== 0) return null;
  if (counts.returned_unused > 0) return 'returned';
  const held = counts.received - counts.shipped_out;
  return held === 1 ? 'in_stock' : held === 0 && counts.received > 0 ? 'in_transit' : null;
}

const describeState = (state: VialNow['state'] | null) =>
  state === null ? 'in no possible state' : state.replace('_', ' ');

/** Vials whose recorded state is not the one their own custody trail leaves them in. */
function vialMismatches(events: readonly CustodyEvent[], vials: readonly VialNow[]): string[] {
  const trails = new Map<string, Record<CustodyEvent['kind'], number>>();
  for (const event of events) {
    let counts = trails.get(event.vialId);
    if (!counts) {
      counts = { received: 0, shipped_out: 0, dispensed: 0, returned_unused: 0, destroyed: 0, lost: 0 };
      trails.set(event.vialId, counts);
    }
    counts[event.kind] += 1;
  }
  const mismatches: string[] = [];
  for (const vial of vials) {
    const counts = trails.get(vial.vialId);
    const expected = counts ? stateFromTrail(counts) : null;
    if (expected !== vial.state) {
      mismatches.push(
        `Vial ${vial.code ?? vial.vialId}: recorded as ${describeState(vial.state)}, but its custody trail leaves it ${describeState(expected)}.`,
      );
    }
  }
  return mismatches;
}

const key = (lotId: string, site: string) => `${lotId}\u0000${site}`;

function siteRows(
  events: readonly CustodyEvent[],
  vials: readonly VialNow[],
  lotNumber: (id: string) => string,
) {
  const rows = new Map<string, SiteBalance>();
  const row = (lotId: string, siteId: string | null) => {
    const site = siteId ?? DEPOT;
    let entry = rows.get(key(lotId, site));
    if (!entry) {
      entry = {
        lotId,
        lotNumber: lotNumber(lotId),
        site,
        received: 0,
        dispensed: 0,
        returned: 0,
        returnedUnused: 0,
        destroyed: 0,
        lost: 0,
        onHand: 0,
        awaitingDestruction: 0,
        difference: 0,
      };
      rows.set(key(lotId, site), entry);
    }
    return entry;
  };
  const column = {
    received: 'received',
    shipped_out: 'returned',
    dispensed: 'dispensed',
    returned_unused: 'returnedUnused',
    destroyed: 'destroyed',
    lost: 'lost',
  } as const;
  for (const event of events) {
    if (!event.inTransit) row(event.lotId, event.siteId)[column[event.kind]] += 1;
  }
  for (const vial of vials) {
    if (vial.state === 'in_stock') row(vial.lotId, vial.siteId).onHand += 1;
    if (vial.state === 'returned') row(vial.lotId, vial.siteId).awaitingDestruction += 1;
  }
  for (const entry of rows.values()) {
    entry.difference =
      entry.received +
      entry.returnedUnused -
      (entry.dispensed +
        entry.returned +
        entry.destroyed +
        entry.lost +
        entry.onHand +
        entry.awaitingDestruction);
  }
  return [...rows.values()].sort(
    (a, b) => a.lotNumber.localeCompare(b.lotNumber) || a.site.localeCompare(b.site),
  );
}

/**
 * Reconciles, per lot and site, received + returned unused = dispensed + returned + destroyed + lost +
 * on hand + awaiting destruction (a dispensed vial that comes back unused re-enters the pharmacy's
 * custody, held apart until destroyed); per lot, the vials made + returned unused = dispensed +
 * destroyed + lost + on hand + in transit + awaiting destruction; per participant, the dispensing
 * records (less those returned) against the custody trail and the protocol's number of doses; and per
 * vial, its state against the one its own custody events leave it in (a vial held for destruction put
 * back in stock balances every sum, but not this). The two sides come from different rows (events
 * against current state), so a vial that moved without its event shows up.
 */
export function reconcile(input: {
  lots: readonly LotFacts[];
  events: readonly CustodyEvent[];
  vials: readonly VialNow[];
  dispensings: readonly DispensingFacts[];
  numberOfDoses: number;
}): AccountabilityReport {
  const lotNumbers = new Map(input.lots.map((lot) => [lot.lotId, lot.lotNumber]));
  const lotNumber = (id: string) => lotNumbers.get(id) ?? id;
  const sites = siteRows(input.events, input.vials, lotNumber);
  const count = (lotId: string, predicate: (vial: VialNow) => boolean) =>
    input.vials.filter((vial) => vial.lotId === lotId && predicate(vial)).length;
  const lots = input.lots.map((lot): LotBalance => {
    const lotEvents = input.events.filter((event) => event.lotId === lot.lotId);
    const events = (kind: CustodyEvent['kind']) => lotEvents.filter((event) => event.kind === kind).length;
    const balance = {
      lotId: lot.lotId,
      lotNumber: lot.lotNumber,
      manufactured: lot.vialCount,
      registered: count(lot.lotId, () => true),
      dispensed: events('dispensed'),
      returnedUnused: events('returned_unused'),
      destroyed: events('destroyed'),
      lost: events('lost'),
      onHand: count(lot.lotId, (vial) => vial.state === 'in_stock'),
      inTransit: count(lot.lotId, (vial) => vial.state === 'in_transit'),
      awaitingDestruction: count(lot.lotId, (vial) => vial.state === 'returned'),
      difference: 0,
    };
    balance.difference =
      balance.manufactured +
      balance.returnedUnused -
      (balance.dispensed +
        balance.destroyed +
        balance.lost +
        balance.onHand +
        balance.inTransit +
        balance.awaitingDestruction);
    return balance;
  });
  const participants = new Map<string, ParticipantBalance>();
  for (const dispensing of input.dispensings) {
    let entry = participants.get(dispensing.participantId);
    if (!entry) {
      entry = {
        participantId: dispensing.participantId,
        studyNumber: dispensing.studyNumber,
        siteId: dispensing.siteId,
        dispensed: 0,
        returnedUnused: 0,
        visits: [],
        lots: [],
        custodyDispensed: 0,
        custodyReturned: 0,
        overDosed: false,
        difference: 0,
      };
      participants.set(dispensing.participantId, entry);
    }
    entry.dispensed += 1;
    if (dispensing.returned) entry.returnedUnused += 1;
    else entry.visits.push(dispensing.visitId);
    const number = lotNumber(dispensing.lotId);
    if (!entry.lots.includes(number)) entry.lots.push(number);
  }
  for (const event of input.events) {
    if (!event.participantId) continue;
    const entry = participants.get(event.participantId);
    if (entry && event.kind === 'dispensed') entry.custodyDispensed += 1;
    if (entry && event.kind === 'returned_unused') entry.custodyReturned += 1;
  }
  for (const entry of participants.values()) {
    const kept = entry.dispensed - entry.returnedUnused;
    entry.overDosed = kept > input.numberOfDoses;
    entry.difference = kept - (entry.custodyDispensed - entry.custodyReturned);
  }
  const imbalances = [
    ...vialMismatches(input.events, input.vials),
    ...sites
      .filter((row) => row.difference !== 0)
      .map((row) => `Lot ${row.lotNumber} at ${row.site}: ${signed(row.difference)} vials unaccounted for.`),
    ...lots
      .filter((row) => row.difference !== 0 || row.registered !== row.manufactured)
      .map(
        (row) =>
          `Lot ${row.lotNumber}: ${row.manufactured} vials made, ${row.registered} registered, ` +
          `${signed(row.difference)} unaccounted for.`,
      ),
    ...[...participants.values()]
      .filter((row) => row.difference !== 0 || row.overDosed)
      .map(
        (row) =>
          `Participant ${row.studyNumber ?? row.participantId}: ${row.dispensed} dispensing records` +
          `${row.returnedUnused ? ` (${row.returnedUnused} returned unused)` : ''}, ` +
          `${row.custodyDispensed} in the custody trail${row.custodyReturned ? ` (${row.custodyReturned} returned)` : ''}` +
          `${row.overDosed ? `, more than the ${input.numberOfDoses} doses` : ''}.`,
      ),
  ];
  return {
    sites,
    lots,
    participants: [...participants.values()].sort((a, b) =>
      (a.studyNumber ?? '').localeCompare(b.studyNumber ?? ''),
    ),
    imbalances,
  };
}

const signed = (value: number) => (value > 0 ? `${value}` : `${value} (more than received)`);
