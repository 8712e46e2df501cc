import { loadConfig } from '../config.ts';
import { createLogger } from '../server/logger.ts';
import { startServer } from '../server/server.ts';
import { CliUserError } from './cli-user-error.ts';
import { checkDataFolder } from './data-folder.ts';

export async function serve(options: { port?: string; data?: string }): Promise<void> {
  const port = options.port === undefined ? undefined : Number(options.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new CliUserError(`--port must be a whole number from 0 to 65535, not "${options.port}".`);
  }
  const config = loadConfig(process.env, { port, dataDir: options.data });
  checkDataFolder(config, 'create');
  const logger = createLogger(config);
  const server = await startServer(config, logger);
  const where = config.database.kind === 'pglite' ? `PGlite in ${config.database.dataDir}` : 'PostgreSQL';
  const setup = server.setupUrl
    ? `No user yet. Create the first administrator here (one-time link, valid 24 hours):\n  ${server.setupUrl}\n`
    : '';
  // One write, so a reader of the output sees the address and the setup link together.
  process.stdout.write(`exotrial is running at ${server.url} (database: ${where})\n${setup}`);
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(2);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
