import type { Logger } from 'pino';
import { type AnchorSchedule, startAnchorSchedule } from '../audit/anchor-schedule.ts';
import type { Config } from '../config.ts';
import { type Database, openDatabase, waitForDatabase } from '../db/connection.ts';
import type { App } from '../kernel/context.ts';
import { bootstrap } from '../study/bootstrap.ts';
import { buildApp } from './app.ts';

export interface RunningServer {
  app: App;
  url: string;
  setupUrl: string | null;
  close(): Promise<void>;
}

/** Opens the database, runs the start-up steps, and listens. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const database = await openDatabase(config.database);
  try {
    // A database server that is still starting is waited for (a minute), not a reason to exit.
    await waitForDatabase(database, {
      timeoutMs: 60_000,
      onWait: (error, waitedMs) =>
        logger.warn(
          { reason: error.reason, cause: String(error.cause), waitedMs },
          'waiting for the database',
        ),
    });
    const { studyId, setupSecret } = await bootstrap(database, config, logger);
    const app = await buildApp({ config, database, studyId }, { logger });
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = (config.publicUrl ?? `http://localhost:${port}`).replace(/\/$/, '');
    const setupUrl = setupSecret ? `${url}/setup?token=${setupSecret}` : null;
    const anchors = anchorSchedule(config, database, studyId, logger);
    let closing: Promise<void> | undefined;
    return {
      app,
      url,
      setupUrl,
      close: () => {
        closing ??= (anchors?.stop() ?? Promise.resolve())
          .then(() => app.close())
          .then(() => database.close());
        return closing;
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

function anchorSchedule(
  config: Config,
  database: Database,
  studyId: string,
  logger: Logger,
): AnchorSchedule | null {
  if (!config.anchor.file) {
    logger.warn('EXOTRIAL_ANCHOR_FILE is not set: the audit chain head is not anchored outside the database');
    return null;
  }
  return startAnchorSchedule({
    database,
    studyId,
    file: config.anchor.file,
    tsaUrl: config.anchor.tsaUrl,
    logger,
  });
}
