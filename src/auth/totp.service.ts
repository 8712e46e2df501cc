import { sql } from 'kysely';
import { generateSecret, generateURI, verify } from 'otplib';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import { conflict, DomainError, notFound } from '../kernel/errors.ts';
import { type LockoutPolicy, reauthenticate } from './reauthentication.service.ts';
import { openSecret, sealSecret } from './secret-box.ts';
import type { AuthenticatedSession } from './session.service.ts';

const ISSUER = 'exotrial';
/** One step (30 s) either side, for clocks that drift a little. */
const TOLERANCE_SECONDS = 30;

export interface TotpSettings {
  secretKey: Buffer | undefined;
  adminTotpRequired: boolean;
  lockout: LockoutPolicy;
}

/**
 * The study setting "administrators must use TOTP": `security.administratorsMustUseTotp` in the
 * current protocol when it says so, else EXOTRIAL_ADMIN_TOTP_REQUIRED (default false).
 */
export async function adminTotpRequired(db: Db, studyId: string, fallback: boolean): Promise<boolean> {
  const row = await db
    .selectFrom('protocol_version as p')
    .innerJoin('study as s', (join) =>
      join.onRef('s.study_id', '=', 'p.study_id').onRef('s.current_protocol_version', '=', 'p.version_no'),
    )
    // Only the one flag, not the whole protocol document: this runs on each request of such an admin.
    .select(sql<unknown>`p.content->'security'->'administratorsMustUseTotp'`.as('required'))
    .where('p.study_id', '=', studyId)
    .executeTakeFirst();
  return typeof row?.required === 'boolean' ? row.required : fallback;
}

/**
 * Checks a code against a sealed secret and refuses a replay of the last accepted step. Returns the
 * step to store as `totp_last_step`, or null when the code is wrong.
 */
export async function checkTotp(
  sealed: string,
  code: string,
  lastStep: number | null,
  key: Buffer | undefined,
): Promise<number | null> {
  const result = await verify({
    secret: openSecret(sealed, key),
    token: code,
    epochTolerance: TOLERANCE_SECONDS,
    ...(lastStep === null ? {} : { afterTimeStep: lastStep }),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

/** Starts enrolment: a new secret awaiting confirmation, shown this once (URI for the QR code). */
export async function startTotpEnrolment(
  trx: Tx,
  studyId: string,
  session: AuthenticatedSession,
  settings: TotpSettings,
): Promise<{ secret: string; otpauthUri: string }> {
  const user = await trx
    .selectFrom('app_user')
    .select(['totp_enabled_at'])
    .where('study_id', '=', studyId)
    .where('user_id', '=', session.user.userId)
    .forUpdate()
    .executeTakeFirst();
  if (!user) throw notFound('Your account');
  if (user.totp_enabled_at) {
    throw conflict('A second factor is already set up. Turn it off first to enrol a new device.');
  }
  const secret = generateSecret();
  await trx
    .updateTable('app_user')
    .set({ totp_pending_secret: sealSecret(secret, settings.secretKey) })
    .where('study_id', '=', studyId)
    .where('user_id', '=', session.user.userId)
    .execute();
  return {
    secret,
    otpauthUri: generateURI({ issuer: `${ISSUER} ${studyId}`, label: session.user.email, secret }),
  };
}

/** What the password confirms, named in `signature.failed` when it is wrong. */
const totpTarget = (session: AuthenticatedSession, change: 'enable' | 'disable') => ({
  entityType: 'user',
  entityId: session.user.userId,
  meaning:
    change === 'enable'
      ? 'Set up a second factor (TOTP) for my account.'
      : 'Turn off my second factor (TOTP).',
});

/**
 * Confirms enrolment with the password and a first code from the app; from then on sign-in asks for
 * a code. The password is checked (and a wrong one counted toward the lockout) before the code.
 */
export async function confirmTotp(
  database: Database,
  studyId: string,
  session: AuthenticatedSession,
  input: { code: string; password: string },
  settings: TotpSettings,
): Promise<void> {
  await reauthenticate(
    database,
    studyId,
    session,
    input.password,
    totpTarget(session, 'enable'),
    settings.lockout,
    { failureMessage: 'The password is not correct: the second factor was not set up.' },
  );
  await database.transaction((trx) => enableTotp(trx, studyId, session, input.code, settings));
}

async function enableTotp(
  trx: Tx,
  studyId: string,
  session: AuthenticatedSession,
  code: string,
  settings: TotpSettings,
): Promise<void> {
  const user = await trx
    .selectFrom('app_user')
    .select(['totp_pending_secret', 'totp_enabled_at'])
    .where('study_id', '=', studyId)
    .where('user_id', '=', session.user.userId)
    .forUpdate()
    .executeTakeFirst();
  if (!user?.totp_pending_secret) {
    throw conflict('No second-factor enrolment is waiting: start it again.');
  }
  const step = await checkTotp(user.totp_pending_secret, code, null, settings.secretKey);
  if (step === null) {
    throw new DomainError('validation_failed', 'The code is not correct. Check the time on your phone.', {
      fields: [{ field: 'code', message: 'The code is not correct.' }],
    });
  }
  const now = new Date();
  await trx
    .updateTable('app_user')
    .set({
      totp_secret: user.totp_pending_secret,
      totp_pending_secret: null,
      totp_enabled_at: now,
      totp_last_step: step,
      updated_at: now,
      version: (eb) => eb('version', '+', 1),
    })
    .where('study_id', '=', studyId)
    .where('user_id', '=', session.user.userId)
    .execute();
  await recordAudit(trx, studyId, session.actor, {
    action: 'user.totp_enable',
    entityType: 'user',
    entityId: session.user.userId,
    field: 'totp',
    oldValue: false,
    newValue: true,
  });
}

/**
 * Turns the second factor off: needs the password and a current code (a wrong one of either counts
 * toward the lockout, with one message for both), and is refused where the study requires it.
 */
export async function disableTotp(
  database: Database,
  studyId: string,
  session: AuthenticatedSession,
  input: { password: string; code: string },
  settings: TotpSettings,
): Promise<void> {
  const user = await database.read((db) => totpState(db, studyId, session.user.userId));
  if (!user?.totp_secret) throw conflict('No second factor is set up.');
  if (
    session.user.roles.includes('administrator') &&
    (await database.read((db) => adminTotpRequired(db, studyId, settings.adminTotpRequired)))
  ) {
    throw new DomainError('forbidden', 'This study requires administrators to use a second factor.');
  }
  await reauthenticate(
    database,
    studyId,
    session,
    input.password,
    totpTarget(session, 'disable'),
    settings.lockout,
    {
      secondFactor: async (trx) => {
        const current = await totpState(trx, studyId, session.user.userId);
        if (!current?.totp_secret) return false;
        const step = await checkTotp(
          current.totp_secret,
          input.code,
          current.totp_last_step,
          settings.secretKey,
        );
        return step !== null;
      },
      failureMessage: 'The password or the code is not correct: the second factor is still on.',
    },
  );
  await database.transaction(async (trx) => {
    await clearTotp(trx, studyId, session.user.userId);
    await recordAudit(trx, studyId, session.actor, {
      action: 'user.totp_disable',
      entityType: 'user',
      entityId: session.user.userId,
      field: 'totp',
      oldValue: true,
      newValue: false,
    });
  });
}

const totpState = (db: Db, studyId: string, userId: string) =>
  db
    .selectFrom('app_user')
    .select(['totp_secret', 'totp_last_step'])
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .executeTakeFirst();

export async function clearTotp(trx: Tx, studyId: string, userId: string): Promise<void> {
  await trx
    .updateTable('app_user')
    .set({
      totp_secret: null,
      totp_pending_secret: null,
      totp_enabled_at: null,
      totp_last_step: null,
      updated_at: new Date(),
      version: (eb) => eb('version', '+', 1),
    })
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .execute();
}
