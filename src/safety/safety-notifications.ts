import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import type { Localized } from '../notifications/messages.ts';
import { notify } from '../notifications/notify.ts';
import type { AdverseEventView } from './safety.schema.ts';

// What the safety module tells people, in the transaction of the change that causes it.

const eventLink = (aeId: string) => `/safety?tab=events&ae=${aeId}`;

/**
 * After an adverse event is saved: once it is serious the site's team and the safety officer hear of
 * it (its sponsor clock has started), and each SUSAR clock that starts is told once. The event keys
 * keep a later save of the same event from telling anyone again.
 */
export async function notifyAdverseEvent(trx: Tx, studyId: string, caller: Caller, view: AdverseEventView) {
  if (view.summary.serious !== true) return;
  const base = {
    siteId: view.siteId,
    link: eventLink(view.aeId),
    exceptUserId: caller.user.userId,
  };
  const params = {
    participant: view.participantLabel,
    aeNumber: view.number,
    term: view.summary.term ?? '—',
  };
  const initial = view.clocks.filter((clock) => clock.kind === 'initial');
  const sponsorClock = initial.find((clock) => clock.reporter === 'site') ?? initial[0];
  await notify(trx, studyId, {
    ...base,
    kind: 'sae.reported',
    params: { ...params, deadline: sponsorClock?.deadlineLocal ?? '—' },
    eventKey: `sae:${view.aeId}`,
  });
  if (!view.summary.susar) return;
  for (const clock of initial.filter((entry) => entry.reporter === 'sponsor')) {
    await notify(trx, studyId, {
      ...base,
      kind: 'susar.clock',
      params: { ...params, clock: clock.name, deadline: clock.deadlineLocal },
      eventKey: `susar:${view.aeId}:${clock.clockId}`,
    });
  }
}

/** Dosing paused (by a rule or the safety officer), and the rule that tripped: everyone who doses hears. */
export async function notifyPause(
  trx: Tx,
  studyId: string,
  caller: Caller,
  pause: { pauseId: string; ruleId: string | null; reason: string; ruleDescription: Localized | null },
) {
  // A rule trips as a side effect of someone's save, who must hear of it too; a pause by hand is the
  // safety officer's own act.
  const base = {
    siteId: null,
    link: '/safety/dosing',
    ...(pause.ruleId ? {} : { exceptUserId: caller.user.userId }),
  };
  await notify(trx, studyId, {
    ...base,
    kind: 'dosing.paused',
    params: { reason: pause.reason },
    eventKey: `pause:${pause.pauseId}`,
  });
  if (pause.ruleId) {
    await notify(trx, studyId, {
      ...base,
      kind: 'stopping-rule.tripped',
      params: { rule: pause.ruleId, description: pause.ruleDescription ?? pause.reason },
      eventKey: `rule:${pause.pauseId}`,
    });
  }
}

export async function notifyResume(
  trx: Tx,
  studyId: string,
  caller: Caller,
  resume: { pauseId: string; reason: string },
) {
  await notify(trx, studyId, {
    kind: 'dosing.resumed',
    siteId: null,
    link: '/safety/dosing',
    exceptUserId: caller.user.userId,
    params: { reason: resume.reason },
    eventKey: `resume:${resume.pauseId}`,
  });
}
