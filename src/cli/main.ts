import { Command, CommanderError } from 'commander';
import { exotrialVersion } from '../version.ts';
import { registerAuditCommand } from './audit.ts';
import { describeFailure, EXIT_USER_ERROR } from './cli-errors.ts';
import { registerDemoCommand } from './demo.ts';
import { registerExportCommand } from './export.ts';
import { registerImportCommand } from './import.ts';
import { registerMigrateCommand } from './migrate.ts';
import { registerProductCommand } from './product.ts';
import { registerProtocolCommand } from './protocol.ts';
import { registerReportCommand } from './report.ts';
import { registerServeCommand } from './serve.ts';
import { registerStatsCommand } from './stats.ts';
import { registerTokenCommand } from './token.ts';
import { registerUserCommand } from './user.ts';

export function buildProgram(): Command {
  const program = new Command('exotrial')
    .description('exotrial: run an early-phase clinical trial end to end')
    .version(exotrialVersion, '-V, --version', 'print the version')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerUserCommand(program);
  registerProtocolCommand(program);
  registerStatsCommand(program);
  registerTokenCommand(program);
  registerAuditCommand(program);
  registerProductCommand(program);
  registerDemoCommand(program);
  registerReportCommand(program);
  registerExportCommand(program);
  registerImportCommand(program);
  program
    .command('version')
    .description('print the version')
    .action(() => {
      process.stdout.write(`${exotrialVersion}\n`);
    });
  for (const command of program.commands) command.exitOverride();
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; usage mistakes (unknown option, missing argument) are user errors.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USER_ERROR;
      return;
    }
    const { exitCode, message } = describeFailure(error);
    process.stderr.write(`${message}\n`);
    process.exitCode = exitCode;
  }
}

await main(process.argv);
