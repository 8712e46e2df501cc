import { randomBytes } from 'node:crypto';
import { type Actor, systemActor } from '../audit/audit.schema.ts';
import type { UserView } from '../auth/auth.schema.ts';
import type { LockoutPolicy } from '../auth/reauthentication.service.ts';
import { createUser } from '../auth/user.service.ts';
import { resetPassword, updateUser } from '../auth/user-admin.service.ts';
import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { isRole, type Role } from '../kernel/roles.ts';
import { addSite, listSites, type SiteView, updateSiteSettings } from '../study/site.service.ts';

/** Who writes the synthetic trial's set-up rows (sites, accounts) into the audit trail. */
export const demoActor: Actor = systemActor('demo (synthetic data)');

/**
 * The lockout the generator's signatures run under: the server's defaults. The generator signs with
 * the accounts' own password, so it only matters if a signature ever failed.
 */
export const demoLockout: LockoutPolicy = { attempts: 5, minutes: 15 };

export const DEMO_EMAIL_DOMAIN = 'demo.exotrial.org';

/** Further sites for `--sites N`, in order; their altitude goes to the site's settings (Lhasa needs the correction). */
const extraSites: Array<{ siteId: string; code: string; en: string; zh: string; altitude: number }> = [
  { siteId: 'jinyintan', code: 'JYT', en: 'Wuhan Jinyintan Hospital', zh: '武汉市金银潭医院', altitude: 23 },
  {
    siteId: 'tibet-peoples',
    code: 'TB',
    en: "People's Hospital of Tibet Autonomous Region, Lhasa",
    zh: '西藏自治区人民医院（拉萨）',
    altitude: 3650,
  },
  {
    siteId: 'xiangya',
    code: 'XY',
    en: 'Xiangya Hospital, Changsha',
    zh: '中南大学湘雅医院（长沙）',
    altitude: 45,
  },
  {
    siteId: 'west-china',
    code: 'WC',
    en: 'West China Hospital, Chengdu',
    zh: '四川大学华西医院（成都）',
    altitude: 500,
  },
  {
    siteId: 'zhongshan',
    code: 'ZS',
    en: 'Zhongshan Hospital, Fudan University, Shanghai',
    zh: '复旦大学附属中山医院（上海）',
    altitude: 4,
  },
];

export interface DemoSite extends SiteView {
  altitude: number;
}

/** The first `count` sites: the study's own (the protocol's), then the demo list, then numbered ones. */
export async function demoSites(trx: Tx, studyId: string, count: number): Promise<DemoSite[]> {
  const existing = await listSites(trx, studyId);
  const sites: DemoSite[] = existing.slice(0, count).map((site) => ({
    ...site,
    altitude: extraSites.find((extra) => extra.siteId === site.siteId)?.altitude ?? 10,
  }));
  const candidates = [
    ...extraSites,
    ...Array.from({ length: count }, (_, i) => ({
      siteId: `demo-site-${i + 1}`,
      code: `D${i + 1}`,
      en: `Demonstration hospital ${i + 1}`,
      zh: `演示医院 ${i + 1}`,
      altitude: 50,
    })),
  ];
  for (const candidate of candidates) {
    if (sites.length >= count) break;
    if (existing.some((site) => site.siteId === candidate.siteId || site.code === candidate.code)) continue;
    const site = await addSite(trx, studyId, demoActor, {
      siteId: candidate.siteId,
      code: candidate.code,
      name: { en: candidate.en, zh: candidate.zh },
      timeZone: 'Asia/Shanghai',
    });
    sites.push({ ...site, altitude: candidate.altitude });
  }
  for (const site of sites) await demoSiteSettings(trx, studyId, site);
  return sites;
}

/** Barometric pressure (mm Hg) at an altitude, by the isothermal barometric formula. */
const barometricPressure = (altitude: number) => Math.round(760 * Math.exp(-altitude / 8434));

/** A site's altitude and pressure in its settings, unless an administrator set them already. */
async function demoSiteSettings(trx: Tx, studyId: string, site: DemoSite): Promise<void> {
  const current = await trx
    .selectFrom('site')
    .select(['altitude_m', 'barometric_pressure_mmhg'])
    .where('study_id', '=', studyId)
    .where('site_id', '=', site.siteId)
    .executeTakeFirstOrThrow();
  if (current.altitude_m !== null) return;
  await updateSiteSettings(trx, studyId, demoActor, site.siteId, {
    altitudeM: site.altitude,
    barometricPressureMmHg: barometricPressure(site.altitude),
  });
}

/** A password for the demonstration accounts, printed once by the demo command. */
export const newDemoPassword = () => `demo-${randomBytes(9).toString('base64url')}`;

export interface SiteStaff {
  investigator: Caller;
  coordinator: Caller;
}

export interface DemoStaff {
  bySite: Map<string, SiteStaff>;
  monitor: Caller;
  dataManager: Caller;
  /** The trial pharmacist: depot, release, shipments and dispensing at every site. */
  pharmacist: Caller;
  safetyOfficer: Caller;
  /**
   * The unblinded statistician who generates and seals the randomisation list; only for a protocol that
   * randomises. The depot pharmacist is unblinded too; everyone else in the demo team is blinded.
   */
  statistician: Caller | null;
  /** The unblinded depot pharmacist who registers lots of a kit type; only for a protocol with kit types. */
  depot: Caller | null;
  /** Created only when the study had no administrator (so someone can manage the demo). */
  administrator: Caller | null;
  all: UserView[];
}

const callerOf = (user: UserView): Caller => ({
  user,
  actor: { type: 'user', userId: user.userId, label: user.email },
});

/**
 * One account, created, or when a demo run made it before, given the new password and the sites it
 * needs (both audited as changes by the demo actor).
 */
async function demoUser(
  trx: Tx,
  studyId: string,
  input: { email: string; name: string; roles: Role[]; siteIds: string[]; password: string },
): Promise<UserView> {
  const row = await trx
    .selectFrom('app_user')
    .select(['user_id', 'email', 'name', 'roles', 'site_ids', 'status', 'version'])
    .where('study_id', '=', studyId)
    .where('email', '=', input.email)
    .executeTakeFirst();
  if (!row) {
    return createUser(trx, studyId, demoActor, {
      email: input.email,
      name: input.name,
      roles: input.roles,
      siteIds: input.siteIds,
      password: input.password,
    });
  }
  const reason = 'new demonstration run';
  // Demonstration accounts get a new password each run, printed for whoever explores the demo: it
  // is theirs to use as it stands, and no history of throwaway passwords is worth keeping.
  await resetPassword(
    trx,
    studyId,
    demoActor,
    row.user_id,
    { password: input.password, reason },
    { passwordHistory: 1, mustChangePassword: false },
  );
  const siteIds = [...new Set([...row.site_ids, ...input.siteIds])];
  const updated = await updateUser(trx, studyId, demoActor, row.user_id, {
    version: row.version + 1,
    reason,
    roles: input.roles.every((role) => row.roles.includes(role))
      ? undefined
      : [...new Set([...row.roles.filter(isRole), ...input.roles])],
    siteIds,
    status: 'active',
  });
  const { userId, email, name, roles, status } = updated;
  return { userId, email, name, roles, siteIds: updated.siteIds, status };
}

/**
 * The trial team: an investigator and a coordinator per site, a monitor and a pharmacist of every
 * site, a data manager and a safety officer; and the statistician when the protocol randomises.
 */
export async function demoStaff(
  trx: Tx,
  studyId: string,
  sites: DemoSite[],
  password: string,
  options: { statistician: boolean; depot?: boolean } = { statistician: false },
): Promise<DemoStaff> {
  const all: UserView[] = [];
  const add = async (email: string, name: string, role: Role | Role[], siteIds: string[]) => {
    const user = await demoUser(trx, studyId, {
      email: `${email}@${DEMO_EMAIL_DOMAIN}`,
      name,
      roles: Array.isArray(role) ? role : [role],
      siteIds,
      password,
    });
    all.push(user);
    return callerOf(user);
  };
  const hasAdministrator = (
    await trx.selectFrom('app_user').select('roles').where('study_id', '=', studyId).execute()
  ).some((row) => row.roles.includes('administrator'));
  const administrator = hasAdministrator
    ? null
    : await add('admin', 'Demo Administrator', 'administrator', []);
  const bySite = new Map<string, SiteStaff>();
  for (const site of sites) {
    const code = site.code.toLowerCase();
    bySite.set(site.siteId, {
      investigator: await add(`investigator.${code}`, `Investigator ${site.code}`, 'investigator', [
        site.siteId,
      ]),
      coordinator: await add(`coordinator.${code}`, `Coordinator ${site.code}`, 'study_coordinator', [
        site.siteId,
      ]),
    });
  }
  const monitor = await add(
    'monitor',
    'Demo Monitor',
    'monitor',
    sites.map((site) => site.siteId),
  );
  const dataManager = await add('datamanager', 'Demo Data Manager', 'data_manager', []);
  const pharmacist = await add(
    'pharmacist',
    'Demo Trial Pharmacist',
    'pharmacist',
    sites.map((site) => site.siteId),
  );
  const safetyOfficer = await add('safety', 'Demo Safety Officer', 'safety_officer', []);
  const statistician = options.statistician
    ? await add('statistician', 'Demo Statistician (unblinded)', 'statistician', [])
    : null;
  // A kit study's lots name their kit type, which only an unblinded role may: the depot pharmacist is
  // the unblinded pharmacist, at every site the lots are shipped to.
  const depot = options.depot
    ? await add(
        'depot',
        'Demo Depot Pharmacist (unblinded)',
        'unblinded_pharmacist',
        sites.map((site) => site.siteId),
      )
    : null;
  return {
    bySite,
    monitor,
    dataManager,
    pharmacist,
    safetyOfficer,
    statistician,
    depot,
    administrator,
    all,
  };
}
