import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { createLogger } from '../server/logger.ts';
import { startServer } from '../server/server.ts';
import { CliUserError } from './cli-errors.ts';
import { checkDataFolder } from './database-options.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the web app and API server')
    .option('--port <n>', 'port to listen on (default: PORT, else 3000)')
    .option('--data <dir>', 'PGlite data folder (default: DATA_DIR, else ./data); ignored with DATABASE_URL')
    .action(async (options: { port?: string; data?: string }) => {
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
    });
}
