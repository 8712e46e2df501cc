import type { Logger } from 'pino';
import type { AnchorSchedule } from '../audit/anchor-schedule.ts';
import type { Config } from '../config.ts';
import { type Database, openDatabase, waitForDatabase } from '../db/connection.ts';
import type { App, AppContext } from '../kernel/context.ts';
import type { BootstrapResult } from '../study/bootstrap.ts';

export interface RunningServer {
  app: App;
  url: string;
  setupUrl: string | null;
  close(): Promise<void>;
}

/**
 * The modules of the start-up steps and of the HTTP application start loading while the database
 * opens: PGlite compiles its WebAssembly on other threads and every commit waits for the disk, time
 * in which this thread would otherwise sit idle. Each is awaited where it is first needed.
 */
function loadServerModules() {
  const loading = {
    bootstrap: import('../study/bootstrap.ts'),
    app: import('./app.ts'),
    anchors: import('../audit/anchor-schedule.ts'),
    notifications: import('../notifications/start.ts'),
    labInterface: import('../lab-interface/start.ts'),
  };
  // Awaited later; a database that fails to open first must not leave a rejection unhandled.
  for (const promise of Object.values(loading)) promise.catch(() => undefined);
  return loading;
}
type StartAnchorSchedule = Awaited<ReturnType<typeof loadServerModules>['anchors']>['startAnchorSchedule'];

/**
 * Opens the database, runs the start-up steps, and listens. The HTTP application is built while the
 * database starts and the start-up steps run (on a PGlite folder that start is most of a restart):
 * its routes read the study's id when a request comes, and no request comes before `listen`, which
 * waits for the start-up steps.
 */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const opening = openDatabase(config.database);
  const loading = loadServerModules();
  const database = await opening;
  const starting = startUp(database, config, logger, loading);
  // Awaited below; should building the application fail first, this rejection is not left unhandled.
  starting.catch(() => undefined);
  let served: string | undefined;
  const context: AppContext = {
    config,
    database,
    get studyId() {
      if (served === undefined) {
        throw new Error(
          'The study served is known once the start-up steps have run: read context.studyId in a request handler, not while registering routes.',
        );
      }
      return served;
    },
  };
  let app: App | undefined;
  try {
    const { buildApp } = await loading.app;
    app = await buildApp(context, { logger });
    const { studyId, setupSecret } = await starting;
    served = studyId;
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = (config.publicUrl ?? `http://localhost:${port}`).replace(/\/$/, '');
    const setupUrl = setupSecret ? `${url}/setup?token=${setupSecret}` : null;
    const { startAnchorSchedule } = await loading.anchors;
    const anchors = anchorSchedule(startAnchorSchedule, { config, database, studyId, logger });
    const { startNotifications } = await loading.notifications;
    const notifications = await startNotifications({ config, database, studyId, logger });
    const { startLabInterface } = await loading.labInterface;
    // A port already taken stops the start: the server must not run without the interface it was asked for.
    const builtApp = app;
    const labInterface = await startLabInterface({ config, database, studyId, logger }).catch(
      async (error) => {
        await notifications.stop();
        await anchors?.stop();
        await builtApp.close();
        throw error;
      },
    );
    let closing: Promise<void> | undefined;
    return {
      app,
      url,
      setupUrl,
      close: () => {
        closing ??= (anchors?.stop() ?? Promise.resolve())
          .then(() => labInterface.stop())
          .then(() => notifications.stop())
          .then(() => builtApp.close())
          .then(() => database.close());
        return closing;
      },
    };
  } catch (error) {
    // Whatever failed, the start-up steps are let finish before the database closes under them.
    await starting.catch(() => undefined);
    await app?.close().catch(() => undefined);
    await database.close();
    throw error;
  }
}
/** Waits for the database, then runs the start-up steps (migrations, the study, the set-up link). */
async function startUp(
  database: Database,
  config: Config,
  logger: Logger,
  loading: ReturnType<typeof loadServerModules>,
): Promise<BootstrapResult> {
  // A database server that is still starting is waited for (a minute), not a reason to exit.
  await waitForDatabase(database, {
    timeoutMs: 60_000,
    onWait: (error, waitedMs) =>
      logger.warn({ reason: error.reason, cause: String(error.cause), waitedMs }, 'waiting for the database'),
  });
  const { bootstrap } = await loading.bootstrap;
  return bootstrap(database, config, logger);
}

function anchorSchedule(
  start: StartAnchorSchedule,
  {
    config,
    database,
    studyId,
    logger,
  }: { config: Config; database: Database; studyId: string; logger: Logger },
): AnchorSchedule | null {
  if (!config.anchor.file) {
    logger.warn('EXOTRIAL_ANCHOR_FILE is not set: the audit chain head is not anchored outside the database');
    return null;
  }
  return start({
    database,
    studyId,
    file: config.anchor.file,
    tsaUrl: config.anchor.tsaUrl,
    logger,
  });
}
