import { exotrialVersion } from '../version.ts';

const [command, ...rest] = process.argv.slice(2);
if (rest.length === 0 && (command === 'version' || command === '-V' || command === '--version')) {
  // The one answer that needs no command definitions: the version alone, without loading commander.
  process.stdout.write(`${exotrialVersion}\n`);
} else {
  const { runCli } = await import('./program.ts');
  const outcome = await runCli(process.argv);
  if (outcome.failed) {
    // A failed command ends here: nothing it started is worth waiting for. (A restore refused
    // part-way through reading a gzip file, on an existing PGlite folder, left the process idle but
    // alive with no handle Node reports.) Standard error is synchronous for files and pipes on Linux.
    process.exit(outcome.exitCode);
  }
  process.exitCode = outcome.exitCode;
}
