import { Command, CommanderError } from 'commander';
import { exotrialVersion } from '../version.ts';
import { describeFailure, EXIT_OK, EXIT_USER_ERROR } from './cli-errors.ts';

type Registrar = (program: Command) => void;

/**
 * Each top-level command and the module that registers it. Modules load on demand: a command
 * loads only its own module (and the services it uses), so `exotrial version` or
 * `exotrial protocol validate` do not pay for the server, the exports and the report.
 */
const commandModules: Record<string, () => Promise<Registrar>> = {
  serve: async () => (await import('./serve.ts')).registerServeCommand,
  migrate: async () => (await import('./migrate.ts')).registerMigrateCommand,
  user: async () => (await import('./user.ts')).registerUserCommand,
  protocol: async () => (await import('./protocol.ts')).registerProtocolCommand,
  stats: async () => (await import('./stats.ts')).registerStatsCommand,
  token: async () => (await import('./token.ts')).registerTokenCommand,
  audit: async () => (await import('./audit.ts')).registerAuditCommand,
  product: async () => (await import('./product.ts')).registerProductCommand,
  demo: async () => (await import('./demo.ts')).registerDemoCommand,
  report: async () => (await import('./report.ts')).registerReportCommand,
  export: async () => (await import('./export.ts')).registerExportCommand,
  import: async () => (await import('./import.ts')).registerImportCommand,
  backup: async () => (await import('./backup.ts')).registerBackupCommand,
  restore: async () => (await import('./backup.ts')).registerRestoreCommand,
};

/**
 * The command modules a command line needs: its own command's, none for the version, and
 * every one for help, usage errors and unknown commands (so help lists them all).
 */
function modulesFor(argv: readonly string[]): string[] {
  const args = argv.slice(2);
  const first = args.find((argument) => !argument.startsWith('-'));
  if (first === undefined) {
    const asksVersion = args.includes('-V') || args.includes('--version');
    return asksVersion ? [] : Object.keys(commandModules);
  }
  if (first === 'version') return [];
  return Object.hasOwn(commandModules, first) ? [first] : Object.keys(commandModules);
}

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('exotrial')
    .description('exotrial: run an early-phase clinical trial end to end')
    .version(exotrialVersion, '-V, --version', 'print the version')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const names = modulesFor(argv);
  const registrars = await Promise.all(
    names.map((name) => (commandModules[name] as () => Promise<Registrar>)()),
  );
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
    await (await buildProgram(argv)).parseAsync([...argv]);
    return { exitCode: Number(process.exitCode ?? EXIT_OK), failed: false };
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; usage mistakes (unknown option, missing argument) are user errors.
      return { exitCode: error.exitCode === 0 ? EXIT_OK : EXIT_USER_ERROR, failed: error.exitCode !== 0 };
    }
    const { exitCode, message } = describeFailure(error);
    process.stderr.write(`${message}\n`);
    return { exitCode, failed: true };
  }
}
