import type { Entries } from '../crf/entries.ts';
import type { RuleInputValue } from '../protocol/rules/ast.ts';
import type { AdverseEventItemRole, Protocol } from '../protocol/schema.ts';
import { relatednessOf } from './causality.ts';
import { addDuration, clockState, formatInZone, parseClinicalTime } from './clocks.ts';
import type { AeSummary, ClockView } from './safety.schema.ts';

// Pure: what an adverse event's eCRF fields mean for safety reporting, and which clocks run.

/** The form of the protocol that holds adverse events (`safety.adverseEvents.form`). */
export const aeFormId = (protocol: Protocol): string => protocol.safety.adverseEvents.form;

/** The id of the adverse-event item that carries a meaning, if the protocol has one. */
export const aeItemId = (protocol: Protocol, role: AdverseEventItemRole): string | undefined =>
  protocol.safety.adverseEvents.items[role];

function itemValue(entries: Entries, item: string | undefined): unknown {
  const entry = item === undefined ? undefined : entries[item];
  return entry && entry.missing === undefined ? entry.value : null;
}
const text = (value: unknown) => (typeof value === 'string' ? value : null);
const bool = (value: unknown) => (typeof value === 'boolean' ? value : null);

export function summarize(protocol: Protocol, entries: Entries): AeSummary {
  const value = (role: AdverseEventItemRole) => itemValue(entries, aeItemId(protocol, role));
  const causality = text(value('causality'));
  const relatedness = relatednessOf(protocol, causality);
  const grade = value('grade');
  const serious = bool(value('serious'));
  const criteriaValue = value('seriousnessCriteria');
  const seriousnessCriteria = Array.isArray(criteriaValue) ? criteriaValue.map(String) : [];
  const outcome = text(value('outcome'));
  const expected = bool(value('expected'));
  const related = relatedness ? relatedness.related : null;
  const expedited = relatedness ? relatedness.expedited : null;
  return {
    term: text(value('term')),
    onsetAt: text(value('onsetAt')),
    ongoing: bool(value('ongoing')),
    resolvedAt: text(value('resolvedAt')),
    grade: typeof grade === 'number' ? grade : null,
    serious,
    seriousnessCriteria,
    awareAt: text(value('awareAt')),
    causality,
    related,
    expedited,
    expected,
    inhalationAssociated: bool(value('inhalationAssociated')),
    actionTaken: text(value('actionTaken')),
    outcome,
    susar: serious === true && expedited === true && expected === false,
    fatalOrLifeThreatening:
      grade === 5 ||
      outcome === 'fatal' ||
      seriousnessCriteria.includes('death') ||
      seriousnessCriteria.includes('life-threatening'),
  };
}

/** The event's values keyed `form.item` (the protocol's adverse-event form), for the protocol's rules. */
export function ruleValues(protocol: Protocol, entries: Entries): Record<string, RuleInputValue> {
  const form = aeFormId(protocol);
  return Object.fromEntries(
    Object.entries(entries).map(([item, entry]) => [
      `${form}.${item}`,
      entry.missing === undefined ? (entry.value as RuleInputValue) : null,
    ]),
  );
}

type ProtocolClock = Protocol['safety']['clocks'][number];

/** Whether a clock applies to an event as it stands now. */
export function clockApplies(clock: ProtocolClock, summary: AeSummary): boolean {
  if (summary.serious !== true) return false;
  if (clock.appliesTo === 'sae') return true;
  if (!summary.susar) return false;
  return clock.appliesTo === 'susar-fatal-or-life-threatening'
    ? summary.fatalOrLifeThreatening
    : !summary.fatalOrLifeThreatening;
}

export interface SubmissionFact {
  clockId: string;
  kind: 'initial' | 'follow-up';
  submittedAt: Date;
}

/**
 * The clocks of one event. A site clock starts when the site became aware (`awareAt`, read in the site's
 * zone). A sponsor clock starts when the sponsor received the site's initial report (the first recorded
 * site-to-sponsor submission); until one is recorded it runs from the site's awareness, which can only
 * make it earlier. A clock with a follow-up period gets a second clock from its initial report. A clock
 * that no longer applies (the event was downgraded) is still shown once something was submitted under it.
 */
export function eventClocks(
  protocol: Protocol,
  summary: AeSummary,
  submissions: readonly SubmissionFact[],
  zones: { site: string; sponsor: string },
  now: Date,
): ClockView[] {
  const views: ClockView[] = [];
  if (!summary.awareAt) return views;
  const siteAware = parseClinicalTime(summary.awareAt, zones.site);
  if (!siteAware) return views;
  const firstOf = (clockId: string, kind: SubmissionFact['kind']) =>
    submissions
      .filter((entry) => entry.clockId === clockId && entry.kind === kind)
      .sort((a, b) => a.submittedAt.getTime() - b.submittedAt.getTime())[0]?.submittedAt ?? null;
  const siteReport = protocol.safety.clocks
    .filter((clock) => clock.reporter === 'site')
    .map((clock) => firstOf(clock.id, 'initial'))
    .filter((at): at is Date => at !== null)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  for (const clock of protocol.safety.clocks) {
    const initial = firstOf(clock.id, 'initial');
    if (!clockApplies(clock, summary) && !initial) continue;
    const timeZone = clock.reporter === 'site' ? zones.site : zones.sponsor;
    const startBasis = clock.reporter === 'site' || !siteReport ? 'site-awareness' : 'sponsor-receipt';
    const start = startBasis === 'sponsor-receipt' && siteReport ? siteReport : siteAware;
    const base = {
      clockId: clock.id,
      name: clock.name,
      reporter: clock.reporter,
      recipient: clock.recipient,
      timeZone,
    };
    const deadline = addDuration(start, clock.deadline, timeZone);
    const state = clockState(deadline, initial, now);
    views.push({
      ...base,
      kind: 'initial',
      startBasis,
      startsAt: start.toISOString(),
      deadline: deadline.toISOString(),
      deadlineLocal: formatInZone(deadline, timeZone),
      status: state.status,
      remainingMs: state.remainingMs,
      submittedAt: initial?.toISOString() ?? null,
    });
    if (clock.followUp && initial) {
      const followUpDeadline = addDuration(initial, clock.followUp, timeZone);
      const followUp = firstOf(clock.id, 'follow-up');
      const followState = clockState(followUpDeadline, followUp, now);
      views.push({
        ...base,
        kind: 'follow-up',
        startBasis: 'initial-report',
        startsAt: initial.toISOString(),
        deadline: followUpDeadline.toISOString(),
        deadlineLocal: formatInZone(followUpDeadline, timeZone),
        status: followState.status,
        remainingMs: followState.remainingMs,
        submittedAt: followUp?.toISOString() ?? null,
      });
    }
  }
  return views;
}
