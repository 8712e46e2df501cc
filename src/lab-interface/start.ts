import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { watchDropFolder } from './drop-folder.ts';
import { startMllpListener } from './mllp-server.ts';

/** The laboratory interface's listeners at server start: the MLLP port and the drop folder, each only when configured. */
export async function startLabInterface(options: {
  config: Config;
  database: Database;
  studyId: string;
  logger: Logger;
}): Promise<{ stop(): Promise<void> }> {
  const settings = options.config.labInterface;
  const listener =
    settings?.mllpPort !== undefined
      ? await startMllpListener({
          database: options.database,
          studyId: options.studyId,
          port: settings.mllpPort,
          host: settings.mllpHost,
          logger: options.logger,
        })
      : null;
  const folder = settings?.dropDir
    ? watchDropFolder({
        database: options.database,
        studyId: options.studyId,
        folder: settings.dropDir,
        logger: options.logger,
      })
    : null;
  return {
    stop: async () => {
      await folder?.stop();
      await listener?.close();
    },
  };
}
