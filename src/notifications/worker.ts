import type { Logger } from 'pino';
import type { Database } from '../db/connection.ts';
import { scanResupply } from '../product/resupply-notifications.ts';
import { scanClocks } from './clock-scan.ts';
import { composeMail } from './mail-text.ts';
import { MailError, type Mailer } from './mailer.ts';
import { type ClaimedMessage, claimDue, finish, type Outcome } from './outbox.ts';
import { scanWaitingQueries } from './query-wait-scan.ts';
import { scanThawWindows } from './thaw-window-scan.ts';

export interface WorkerOptions {
  database: Database;
  studyId: string;
  /** null: no SMTP server configured, so e-mails are recorded as skipped (notifications stay in-app). */
  mailer: Mailer | null;
  publicUrl: string | undefined;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** A query waiting longer than this many days since its last step is told to those it waits on. */
  queryWaitDays?: number;
}

export const DEFAULT_QUERY_WAIT_DAYS = 7;

export interface RunSummary {
  notified: number;
  sent: number;
  skipped: number;
  failed: number;
}

export interface NotificationWorker {
  /** One pass at `now`: scan the clocks, waiting queries, thawed vials and resupply, then send what is due. */
  runOnce(now?: Date): Promise<RunSummary>;
  /** Runs a pass every `intervalMs` (the first at once) until stopped. */
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

export const NO_SMTP = 'no SMTP server configured (EXOTRIAL_SMTP_URL): in-app only';

async function deliver(options: WorkerOptions, message: ClaimedMessage): Promise<Outcome> {
  if (!options.mailer) return { status: 'skipped', reason: NO_SMTP };
  if (message.items.length === 0)
    return { status: 'skipped', reason: 'a kind of notification this version does not know' };
  if (!message.to) return { status: 'skipped', reason: 'the account is disabled' };
  try {
    const receipt = await options.mailer.send(composeMail(message, message.to, options.publicUrl));
    return { status: 'sent', to: message.to, response: receipt.response };
  } catch (error) {
    const permanent = error instanceof MailError && error.permanent;
    return { status: 'error', error: error instanceof Error ? error.message : String(error), permanent };
  }
}

/**
 * The outbox worker. Every server runs one; the database decides which of them sends a message
 * (outbox.ts), so a message goes out once however many servers share one PostgreSQL, and what was
 * pending when a server stopped goes out after it (or another) starts.
 */
export function notificationWorker(options: WorkerOptions): NotificationWorker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RunSummary> | undefined;

  async function pass(now: Date): Promise<RunSummary> {
    const summary: RunSummary = { notified: 0, sent: 0, skipped: 0, failed: 0 };
    summary.notified = await scanClocks(options.database, options.studyId, now);
    summary.notified += await scanWaitingQueries(
      options.database,
      options.studyId,
      now,
      options.queryWaitDays ?? DEFAULT_QUERY_WAIT_DAYS,
    );
    summary.notified += await scanThawWindows(options.database, options.studyId, now);
    summary.notified += await scanResupply(options.database, options.studyId, now);
    for (;;) {
      const messages = await claimDue(options.database, options.studyId, now);
      if (messages.length === 0) break;
      for (const message of messages) {
        const outcome = await deliver(options, message);
        await finish(
          options.database,
          options.studyId,
          message,
          outcome,
          new Date(Math.max(now.getTime(), Date.now())),
        );
        if (outcome.status === 'sent') summary.sent += 1;
        else if (outcome.status === 'skipped') summary.skipped += 1;
        else {
          summary.failed += 1;
          options.logger.warn(
            { error: outcome.error, permanent: outcome.permanent },
            'a notification e-mail failed',
          );
        }
      }
    }
    return summary;
  }

  const runOnce = async (now = new Date()) => {
    // One pass at a time per server; a tick that comes while one runs waits for it.
    while (running) await running.catch(() => undefined);
    running = pass(now);
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };

  return {
    runOnce,
    start(intervalMs) {
      const tick = () => {
        runOnce().catch((error: unknown) =>
          options.logger.error({ error: String(error) }, 'notification pass failed'),
        );
      };
      tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
      options.mailer?.close();
    },
  };
}
