import type { Actor, AuditInput } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { AuditAction } from '../audit/audit-actions.ts';
import type { Database, Tx } from '../db/connection.ts';
import { DomainError, unauthenticated } from '../kernel/errors.ts';
import { verifyPassword } from './password.ts';
import { type AuthSettings, countFailure, lockoutEvent } from './session.service.ts';

export type LockoutPolicy = AuthSettings['lockout'];

/** What the password was re-entered for: named in the `signature.failed` audit event. */
export interface SignatureTarget {
  entityType: string;
  entityId: string;
  /** The meaning of the signature (21 CFR 11.50), or what the password confirms. */
  meaning: string;
  /** Where it belongs (participantId, siteId), so site-scoped readers of the trail see it. */
  context?: Record<string, unknown>;
}

export interface Signer {
  user: { userId: string };
  actor: Actor;
}

export interface ReauthenticationOptions {
  /** A second check made with the password (e.g. a TOTP code); a failure counts as a wrong password. */
  secondFactor?: (trx: Tx) => Promise<boolean>;
  /** The 401 message for a failure (default: about a signature not applied). */
  failureMessage?: string;
  /** Details of that 401, for the client to tell this failure from others. */
  failureDetails?: Record<string, unknown>;
  /** The audit action of a failure: `signature.failed` unless the password confirms something else. */
  failureAction?: AuditAction;
}

const signatureLocked = (until: Date) =>
  new DomainError(
    'locked',
    `Too many wrong passwords: your account is locked until ${until.toISOString().slice(0, 16).replace('T', ' ')} UTC, ` +
      'and nothing can be signed until then. Wait, or ask an administrator to unlock your account (Users page).',
    { lockedUntil: until.toISOString() },
  );

type Outcome = { kind: 'ok' } | { kind: 'wrong' } | { kind: 'locked'; until: Date };

/**
 * Every electronic signature, and every change to one's own sign-in that needs the password,
 * re-authenticates the signer here (21 CFR 11.200: both components, the password here, at each
 * signing that is not continuous). A wrong password counts toward the same lockout as a failed
 * sign-in and is audited as `signature.failed` naming what was being signed; a locked account
 * cannot sign (423) even with the right password; a right password resets the count.
 *
 * The check runs in a transaction of its own, committed before the signed change starts, so a
 * failure and its count stay when the signed change is refused. It holds the signer's account row
 * (FOR UPDATE) while it verifies: one person's attempts are taken one at a time, by any server, so
 * parallel guesses cannot slip past the lock. That makes the lockout an exact per-account rate
 * limit on guessing: at most `lockout.attempts` wrong passwords per `lockout.minutes`.
 */
export async function reauthenticate(
  database: Database,
  studyId: string,
  signer: Signer,
  password: string,
  target: SignatureTarget,
  lockout: LockoutPolicy,
  options: ReauthenticationOptions = {},
): Promise<void> {
  const outcome = await database.transaction(async (trx): Promise<Outcome> => {
    const user = await trx
      .selectFrom('app_user')
      .select(['password_hash', 'failed_login_count', 'locked_until'])
      .where('study_id', '=', studyId)
      .where('user_id', '=', signer.user.userId)
      .forUpdate()
      .executeTakeFirst();
    if (!user) throw unauthenticated('Your account was not found. Sign in again.');
    const now = new Date();
    const failed = (reason: string, extra: AuditInput[] = []) =>
      recordAudit(trx, studyId, signer.actor, [
        {
          action: options.failureAction ?? 'signature.failed',
          entityType: target.entityType,
          entityId: target.entityId,
          context: { ...target.context, reason, meaning: target.meaning },
        },
        ...extra,
      ]);
    if (user.locked_until && new Date(user.locked_until) > now) {
      await failed('locked');
      return { kind: 'locked', until: new Date(user.locked_until) };
    }
    const passwordOk = await verifyPassword(user.password_hash, password);
    const ok = passwordOk && (options.secondFactor === undefined || (await options.secondFactor(trx)));
    if (ok) {
      if (user.failed_login_count > 0 || user.locked_until) await resetFailures(trx, studyId, signer);
      return { kind: 'ok' };
    }
    const until = await countFailure(trx, studyId, signer.user.userId, lockout, now);
    const reason = passwordOk ? 'bad_second_factor' : 'bad_password';
    await failed(reason, until ? [lockoutEvent(signer.user.userId, until, {})] : []);
    return until ? { kind: 'locked', until } : { kind: 'wrong' };
  });
  if (outcome.kind === 'locked') throw signatureLocked(outcome.until);
  if (outcome.kind === 'wrong') {
    throw new DomainError(
      'unauthenticated',
      options.failureMessage ?? 'The password is not correct: the signature was not applied.',
      options.failureDetails,
    );
  }
}

/** A right password ends the run of failures, as a successful sign-in does. */
async function resetFailures(trx: Tx, studyId: string, signer: Signer): Promise<void> {
  await trx
    .updateTable('app_user')
    .set({ failed_login_count: 0, locked_until: null })
    .where('study_id', '=', studyId)
    .where('user_id', '=', signer.user.userId)
    .execute();
}
