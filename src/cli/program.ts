import { Command, CommanderError } from 'commander';
import { exotrialVersion } from '../version.ts';
import { registerAuditCommand } from './audit.ts';
import { registerBackupCommand, registerRestoreCommand } from './backup.ts';
import { registerCasebookCommand, registerCrfCommand } from './casebook.ts';
import { EXIT_OK, EXIT_USER_ERROR } from './cli-user-error.ts';
import { registerDemoCommand } from './demo.ts';
import { registerDictionaryCommand } from './dictionary.ts';
import { registerExportCommand } from './export.ts';
import { registerImportCommand } from './import.ts';
import { registerLabsCommand } from './labs.ts';
import { registerMailCommand } from './mail.ts';
import { registerMigrateCommand } from './migrate.ts';
import { registerProductCommand } from './product.ts';
import { registerProtocolCommand } from './protocol.ts';
import { registerRandomisationCommand } from './randomisation.ts';
import { registerReportCommand } from './report.ts';
import { registerServeCommand } from './serve.ts';
import { registerSimulateCommand } from './simulate.ts';
import { registerSiteCommand, registerWorklistCommand } from './site.ts';
import { registerStatsCommand } from './stats.ts';
import { registerTokenCommand } from './token.ts';
import { registerUserCommand } from './user.ts';

/**
 * Every top-level command, in the order help lists them. A command's definition loads only
 * commander; what it does (the database, the server, the exports, the report) is imported when it
 * runs (see lazyAction), so `exotrial --help` and `exotrial version` answer at once.
 */
const registrars: ReadonlyArray<(program: Command) => void> = [
  registerServeCommand,
  registerMigrateCommand,
  registerUserCommand,
  registerProtocolCommand,
  registerStatsCommand,
  registerSimulateCommand,
  registerTokenCommand,
  registerAuditCommand,
  registerProductCommand,
  registerDemoCommand,
  registerReportCommand,
  registerCasebookCommand,
  registerCrfCommand,
  registerExportCommand,
  registerImportCommand,
  registerBackupCommand,
  registerRestoreCommand,
  registerMailCommand,
  registerSiteCommand,
  registerWorklistCommand,
  registerLabsCommand,
  registerRandomisationCommand,
  registerDictionaryCommand,
];

export function buildProgram(): Command {
  const program = new Command('exotrial')
    .description('exotrial: run an early-phase clinical trial end to end')
    .version(exotrialVersion, '-V, --version', 'print the version')
    // The program's own options (--version, --help) come before a command, so that a command can
    // have a --version of its own (`dictionary import meddra DIR --version 27.1`).
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const register of registrars) register(program);
  program
    .command('version')
    .description('print the version')
    .action(() => {
      process.stdout.write(`${exotrialVersion}\n`);
    });
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** How a command line ended: its exit code, and whether it failed (the process should end now). */
export interface CliOutcome {
  exitCode: number;
  failed: boolean;
}

/**
 * Runs one command line (`argv` as process.argv: node, script, arguments). A failure of any command
 * ends here, as one line on standard error: exit code 1 for a mistake of the person running it
 * (what is wrong and what to do), 2 for anything unexpected (with the file holding the details).
 */
export async function runCli(argv: readonly string[]): Promise<CliOutcome> {
  try {
    await buildProgram().parseAsync([...argv]);
    return { exitCode: Number(process.exitCode ?? EXIT_OK), failed: false };
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; usage mistakes (unknown option, missing argument) are user errors.
      return { exitCode: error.exitCode === 0 ? EXIT_OK : EXIT_USER_ERROR, failed: error.exitCode !== 0 };
    }
    // Loaded only on failure: it knows the errors of every layer (the database's among them).
    const { describeFailure } = await import('./cli-errors.ts');
    const { exitCode, message } = describeFailure(error);
    process.stderr.write(`${message}\n`);
    return { exitCode, failed: true };
  }
}
