import { codedTermsOf } from '../coding/coded-terms.ts';
import { bySocAndTerm } from '../coding/soc-pt.ts';
import type { Db } from '../db/connection.ts';
import { flagsWithoutEvent } from '../dosing/flag-review.ts';
import type { Caller } from '../kernel/caller.ts';
import { authorize, canAccessSite } from '../kernel/permissions.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { toAdverseEventView, viewContext } from './adverse-event.views.ts';
import { ruleValues } from './ae-summary.ts';
import { dosingPauseReason, openPauses, pauseViews, safetyPopulation } from './pause.service.ts';
import type { Dashboard } from './safety.schema.ts';
import { evaluateStoppingRules } from './stopping-rules.ts';

/**
 * The safety officer's view: events by grade and relatedness, the reporting clocks that are due or
 * overdue (soonest first), every stopping rule's status and the dosing pauses. Counts and rules are
 * study-wide (a stopping rule is); the list of clocks shows only events of the caller's sites.
 */
export async function safetyDashboard(db: Db, studyId: string, caller: Caller): Promise<Dashboard> {
  authorize(caller.user, 'safety.read');
  const { protocol } = await currentProtocol(db, studyId);
  const rows = await db
    .selectFrom('adverse_event')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('created_at')
    .execute();
  const context = await viewContext(db, studyId, rows, protocol);
  const views = rows.map((row) => toAdverseEventView(row, context));
  const population = await safetyPopulation(db, studyId);
  const codings = await codedTermsOf(db, studyId, 'all');
  const bySoc = bySocAndTerm(
    views.map((view) => {
      const coded = codings.get(view.participantId)?.get(view.aeId);
      return {
        participantId: view.participantId,
        verbatim: view.summary.term ?? '',
        coded: coded?.dictionary === 'meddra' ? { pt: coded.pt.name, soc: coded.soc.name } : null,
      };
    }),
    // Counts only are shown here; the denominator bounds them (events of participants never dosed included).
    Math.max(1, population.length, new Set(views.map((view) => view.participantId)).size),
  ).map((group) => ({
    soc: group.soc,
    participants: group.row.participants,
    terms: group.terms.map((term) => ({
      term: term.term,
      participants: term.row.participants,
      verbatims: term.verbatims,
    })),
  }));
  const byGrade = [1, 2, 3, 4, 5].map((grade) => {
    const graded = views.filter((view) => view.summary.grade === grade);
    return {
      grade,
      related: graded.filter((view) => view.summary.related === true).length,
      notRelated: graded.filter((view) => view.summary.related === false).length,
      notAssessed: graded.filter((view) => view.summary.related === null).length,
    };
  });
  const clocks = views
    .filter((view) => canAccessSite(caller.user, view.siteId))
    .flatMap((view) =>
      view.clocks
        .filter((clock) => clock.status === 'due' || clock.status === 'overdue')
        .map((clock) => ({
          ...clock,
          aeId: view.aeId,
          aeNumber: view.number,
          participantLabel: view.participantLabel,
          term: view.summary.term,
        })),
    )
    .sort((a, b) => a.deadline.localeCompare(b.deadline));
  const statuses = evaluateStoppingRules(
    protocol.safety.stoppingRules,
    rows.map((row) => ({
      aeId: row.ae_id,
      participantId: row.participant_id,
      values: ruleValues(protocol, row.entries as never),
    })),
    population,
  );
  const labels = context.labels;
  const stoppingRules = statuses.map((status) => {
    const rule = protocol.safety.stoppingRules.find((entry) => entry.id === status.ruleId);
    const description = rule?.description ?? { en: status.ruleId, zh: status.ruleId };
    if (status.kind === 'event') return { ...status, description };
    return {
      ...status,
      description,
      sequence: status.sequence.map((point) => ({
        ...point,
        participantId: labels.get(point.participantId) ?? point.participantId,
      })),
    };
  });
  const pauses = await db
    .selectFrom('dosing_pause')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('paused_at', 'desc')
    .execute();
  const open = await openPauses(db, studyId);
  return {
    totals: {
      events: views.length,
      serious: views.filter((view) => view.summary.serious === true).length,
      related: views.filter((view) => view.summary.related === true).length,
      susars: views.filter((view) => view.summary.susar).length,
      participantsWithEvents: new Set(views.map((view) => view.participantId)).size,
      safetyPopulation: population.length,
    },
    byGrade,
    bySocAndTerm: bySoc,
    clocks,
    stoppingRules,
    pauses: await pauseViews(db, studyId, pauses),
    dosingPaused: open.length > 0,
    pauseReason: await dosingPauseReason(db, studyId),
    flaggedDoses: await flagsWithoutEvent(db, studyId, caller, protocol),
  };
}
