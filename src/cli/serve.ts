import type { Command } from 'commander';
import { lazyAction } from './lazy-action.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the web app and API server')
    .option('--port <n>', 'port to listen on (default: PORT, else 3000)')
    .option('--data <dir>', 'PGlite data folder (default: DATA_DIR, else ./data); ignored with DATABASE_URL')
    .action(lazyAction(async () => (await import('./serve.actions.ts')).serve));
}
