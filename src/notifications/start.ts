import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { createMailer } from './mailer.ts';
import { type NotificationWorker, notificationWorker } from './worker.ts';

/** How often a server scans the clocks and sends what is due. */
export const NOTIFICATION_INTERVAL_MS = 30_000;

/** Starts the server's outbox worker, saying at start-up whether notifications also go out by e-mail. */
export async function startNotifications(options: {
  config: Config;
  database: Database;
  studyId: string;
  logger: Logger;
}): Promise<NotificationWorker> {
  const { config, logger } = options;
  const mailer = await createMailer(config.mail);
  if (mailer) {
    logger.info(
      { smtp: mailer.server, from: config.mail.from },
      'notifications go out by e-mail and in the app',
    );
  } else {
    logger.warn('EXOTRIAL_SMTP_URL is not set: notifications are in-app only (no e-mail is sent)');
  }
  const worker = notificationWorker({
    database: options.database,
    studyId: options.studyId,
    mailer,
    publicUrl: config.publicUrl,
    logger,
    queryWaitDays: config.queryWaitDays,
  });
  worker.start(NOTIFICATION_INTERVAL_MS);
  return worker;
}
