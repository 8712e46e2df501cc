import type { UserView } from '../auth/auth.schema.ts';
import { forbidden } from './errors.ts';
import type { Role } from './roles.ts';

/**
 * What each role may do. One table, in code, read by every service (`authorize`) and printed in the
 * docs/security.md; a test walks the route table against it. Names are `area.action`.
 */
export const permissions = [
  'study.read',
  'protocol.read',
  'protocol.manage',
  'user.read',
  'user.manage',
  'site.manage',
  'session.manage',
  'token.own',
  'token.manage',
  'audit.read',
  'participant.read',
  'participant.screen',
  'participant.consent',
  'participant.enrol',
  'participant.status',
  'eligibility.confirm',
  'crf.read',
  'crf.enter',
  'crf.sign',
  'crf.sdv',
  'crf.lock',
  'crf.import',
  'query.raise',
  'query.answer',
  'query.close',
  'deviation.record',
  'deviation.confirm',
  'lab.ranges',
  'lab.assess',
  'lab.review',
  'coding.code',
  'product.read',
  'product.manage',
  'product.release',
  'product.store',
  'product.ship',
  'product.dispense',
  'product.disposition',
  'dosing.read',
  'dosing.record',
  'safety.read',
  'safety.report',
  'safety.assess',
  'safety.submit',
  'safety.decide',
  'analysis.read',
  'export.run',
  // Generate and seal the randomisation list (the statistician); see the list and arms (unblinded roles).
  'randomisation.manage',
  'randomisation.view-list',
  // Unblind the study after database lock (data manager, administrator); one participant in an emergency (investigators).
  'randomisation.unblind-study',
  'randomisation.emergency-unblind',
] as const;

export type Permission = (typeof permissions)[number];

const read: Permission[] = [
  'study.read',
  'protocol.read',
  'participant.read',
  'crf.read',
  'product.read',
  'dosing.read',
  'safety.read',
];

const siteStaff: Permission[] = [
  ...read,
  'participant.screen',
  'participant.consent',
  'participant.enrol',
  'participant.status',
  'crf.enter',
  'query.answer',
  'dosing.record',
  'safety.report',
  'deviation.record',
  // Results from the hospital laboratory that could not be placed: the site knows its patients.
  'lab.review',
];

const pharmacy: Permission[] = [
  ...read,
  'product.manage',
  'product.release',
  'product.store',
  'product.ship',
  'product.dispense',
  'product.disposition',
];

export const rolePermissions: Record<Role, readonly Permission[]> = {
  administrator: [
    'study.read',
    'protocol.read',
    'user.read',
    'user.manage',
    'site.manage',
    'session.manage',
    'token.own',
    'token.manage',
    'audit.read',
    'randomisation.unblind-study',
  ],
  // The investigator answers for the site's records (ICH E6 §2.12), so reads their trail: site-bound,
  // like the monitor's, it holds the events of the investigator's own sites only (audit.query.ts).
  investigator: [
    ...siteStaff,
    'eligibility.confirm',
    'crf.sign',
    'safety.assess',
    'deviation.confirm',
    'lab.assess',
    'token.own',
    'audit.read',
    'randomisation.emergency-unblind',
  ],
  sub_investigator: [
    ...siteStaff,
    'eligibility.confirm',
    'crf.sign',
    'safety.assess',
    'deviation.confirm',
    'lab.assess',
    'randomisation.emergency-unblind',
  ],
  study_coordinator: siteStaff,
  // The trial pharmacist also acts as the release authority (the sponsor is the hospital itself) and
  // signs lot release, excursion dispositions and custody hand-overs.
  pharmacist: pharmacy,
  // The one pharmacist at a site who may know the arms (prepares blinded doses from the allocation).
  unblinded_pharmacist: [...pharmacy, 'randomisation.view-list'],
  data_manager: [
    ...read,
    'protocol.manage',
    'lab.ranges',
    'lab.review',
    'crf.lock',
    // Form data read from files (another system's export, a spreadsheet) go in through the form checks.
    'crf.import',
    'query.raise',
    'query.close',
    'deviation.record',
    // The coder of medical terms (MedDRA, WHODrug): the data manager unless a protocol names another role.
    'coding.code',
    'audit.read',
    'analysis.read',
    'export.run',
    'token.own',
    'randomisation.unblind-study',
  ],
  // A monitor records the deviations found at a visit and confirms or rejects those proposed (ICH E6 §5.18.4).
  monitor: [
    ...read,
    'crf.sdv',
    'query.raise',
    'query.close',
    'deviation.record',
    'deviation.confirm',
    'audit.read',
  ],
  safety_officer: [...read, 'safety.assess', 'safety.submit', 'safety.decide', 'analysis.read'],
  // The unblinded statistician generates and seals the randomisation list before the first allocation.
  statistician: [
    'study.read',
    'protocol.read',
    'analysis.read',
    'export.run',
    'token.own',
    'randomisation.manage',
    'randomisation.view-list',
  ],
  sponsor_viewer: ['study.read', 'protocol.read', 'analysis.read', 'safety.read'],
  // The coder reads the data and codes their terms; a query to the site about an unclear verbatim is
  // part of coding, hence query.raise. Who codes a study is narrowed by its protocol (coding.coderRole).
  medical_coder: [...read, 'coding.code', 'query.raise'],
  // The data and safety monitoring board: reads the analysis and safety data of the whole study, unblinded.
  dsmb: ['study.read', 'protocol.read', 'analysis.read', 'safety.read', 'randomisation.view-list'],
};

/** Roles whose holders see every site; the others see only the sites in their account. */
export const studyWideRoles: ReadonlySet<Role> = new Set([
  'administrator',
  'data_manager',
  'safety_officer',
  'statistician',
  'sponsor_viewer',
  'medical_coder',
  'dsmb',
]);

export function can(user: Pick<UserView, 'roles'>, permission: Permission): boolean {
  return user.roles.some((role) => rolePermissions[role].includes(permission));
}

/** Whether the user may see a site's records at all. */
export function canAccessSite(user: Pick<UserView, 'roles' | 'siteIds'>, siteId: string): boolean {
  return user.siteIds.includes(siteId) || user.roles.some((role) => studyWideRoles.has(role));
}

/**
 * The first line of every service call: throws 403 unless one of the user's roles grants the
 * permission and, for a site's record, the user works at that site (or sees all sites).
 */
export function authorize(
  user: Pick<UserView, 'roles' | 'siteIds'>,
  permission: Permission,
  scope?: { siteId: string },
): void {
  if (!can(user, permission)) {
    throw forbidden(`Your role does not allow ${permission}.`);
  }
  if (scope && !canAccessSite(user, scope.siteId)) {
    throw forbidden(`You do not work at site ${scope.siteId}.`);
  }
}
