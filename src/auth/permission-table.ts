import { permissions, rolePermissions, studyWideRoles } from '../kernel/permissions.ts';
import { type Role, roles } from '../kernel/roles.ts';

const shortNames: Record<Role, string> = {
  administrator: 'admin',
  investigator: 'inv',
  sub_investigator: 'sub-inv',
  study_coordinator: 'coord',
  pharmacist: 'pharm',
  unblinded_pharmacist: 'pharm-U',
  data_manager: 'DM',
  monitor: 'mon',
  safety_officer: 'safety',
  statistician: 'stat',
  sponsor_viewer: 'sponsor',
  medical_coder: 'coder',
  dsmb: 'DSMB',
};

/** The roles × permissions table of docs/security.md, generated from `rolePermissions` (a test checks for drift). */
export function permissionTableMarkdown(): string {
  const header = `| permission | ${roles.map((role) => `${shortNames[role]}${studyWideRoles.has(role) ? '*' : ''}`).join(' | ')} |`;
  const rule = `|---|${roles.map(() => ':-:').join('|')}|`;
  const rows = permissions.map(
    (permission) =>
      `| \`${permission}\` | ${roles.map((role) => (rolePermissions[role].includes(permission) ? '✓' : '')).join(' | ')} |`,
  );
  return [header, rule, ...rows].join('\n');
}
