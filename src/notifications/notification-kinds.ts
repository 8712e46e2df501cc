import type { Role } from '../kernel/roles.ts';

// Pure (loaded by the web app too): the kinds of notification, who receives each, and what people
// may choose for them.

export const notificationKinds = [
  'sae.reported',
  'susar.clock',
  'clock.due-soon',
  'clock.overdue',
  'dosing.paused',
  'dosing.resumed',
  'stopping-rule.tripped',
  'excursion.quarantined',
  'query.opened',
  'query.answered',
  'shipment.sent',
  'eligibility.awaiting-signature',
  'query.waiting',
  'vial.thaw-window-ending',
  'form.awaiting-signature',
  'participant.unblinded',
  'product.resupply-due',
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export const deliveryModes = ['immediately', 'digest', 'in-app'] as const;
export type DeliveryChoice = (typeof deliveryModes)[number];

/**
 * The reporting clocks: a missed one is a breach of expedited reporting (ICH E2A), so each of these
 * goes out by e-mail at once, whatever a person chooses for other kinds.
 */
export const safetyClockKinds: ReadonlySet<NotificationKind> = new Set([
  'sae.reported',
  'susar.clock',
  'clock.due-soon',
  'clock.overdue',
  // The sponsor must know at once that a participant's arm is known at the site (ICH E6 §4.7).
  'participant.unblinded',
]);

const investigators: Role[] = ['investigator', 'sub_investigator'];
const pharmacists: Role[] = ['pharmacist', 'unblinded_pharmacist'];

/**
 * The roles told of each kind. A kind tied to a site reaches the holders at that site and the
 * holders of study-wide roles (src/kernel/permissions.ts `studyWideRoles`); a study-wide kind
 * (dosing paused for everyone) reaches every holder.
 */
export const kindRoles: Record<NotificationKind, readonly Role[]> = {
  'sae.reported': [...investigators, 'monitor', 'safety_officer'],
  'susar.clock': [...investigators, 'safety_officer'],
  'clock.due-soon': [...investigators, 'study_coordinator', 'safety_officer'],
  'clock.overdue': [...investigators, 'study_coordinator', 'safety_officer'],
  'dosing.paused': [...investigators, 'study_coordinator', ...pharmacists, 'safety_officer'],
  'dosing.resumed': [...investigators, 'study_coordinator', ...pharmacists, 'safety_officer'],
  'stopping-rule.tripped': [...investigators, 'safety_officer'],
  'excursion.quarantined': [...pharmacists, 'investigator'],
  'query.opened': [...investigators, 'study_coordinator'],
  'query.answered': ['monitor', 'data_manager'],
  'shipment.sent': pharmacists,
  'eligibility.awaiting-signature': investigators,
  // An open query waits on the site's team, an answered one on the monitor and data manager
  // (query-wait-scan.ts picks which).
  'query.waiting': [...investigators, 'study_coordinator', 'monitor', 'data_manager'],
  'vial.thaw-window-ending': [...pharmacists, 'study_coordinator'],
  'form.awaiting-signature': investigators,
  'participant.unblinded': ['safety_officer', 'sponsor_viewer', 'data_manager'],
  // Only the role that both packs shipments and may know kit types (armsVisible); any of them may pack
  // from the depot, so the kind reaches them whatever their sites (notify.ts `everySite`).
  'product.resupply-due': ['unblinded_pharmacist'],
};

export const isNotificationKind = (value: string): value is NotificationKind =>
  (notificationKinds as readonly string[]).includes(value);
