import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import { verifyStudyChain } from '../audit/audit.query.ts';
import { type ExportFormat, exportAuditTrail } from '../audit/export.ts';
import { CliUserError, EXIT_USER_ERROR } from './cli-errors.ts';
import { checkOutputFile } from './cli-files.ts';
import { type DatabaseOptions, withDataOption, withStudyDatabase } from './database-options.ts';

async function write(stream: Writable, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve));
}

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('verify and export the audit trail');

  withDataOption(
    audit
      .command('verify')
      .description('recompute the hash chain; exit 0 when intact, 1 naming the first broken sequence number'),
  ).action(async (options: DatabaseOptions) => {
    const result = await withStudyDatabase(options, (database, studyId) =>
      verifyStudyChain(database, studyId),
    );
    if (result.intact) {
      process.stdout.write(
        `Audit trail intact: ${result.events} events, seq 1 to ${result.lastSeq}, head ${result.lastHash}\n`,
      );
      return;
    }
    const broken = result.firstBreak;
    process.stdout.write(
      `Audit trail BROKEN at seq ${broken?.seq}: ${broken?.message} [${broken?.problem}]. ` +
        `${result.events} events before it verify.\n`,
    );
    process.exitCode = EXIT_USER_ERROR;
  });

  withDataOption(
    audit
      .command('export')
      .description('write the whole trail, with hashes, as CSV or JSON')
      .option('--format <format>', 'csv or json', 'csv')
      .option('--out <file>', 'write to this file instead of standard output'),
  ).action(async (options: DatabaseOptions & { format: string; out?: string }) => {
    if (options.format !== 'csv' && options.format !== 'json') {
      throw new CliUserError(`--format must be csv or json, not "${options.format}".`);
    }
    const format: ExportFormat = options.format;
    if (options.out) checkOutputFile(options.out, 'the audit trail');
    await withStudyDatabase(options, async (database, studyId) => {
      const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
      for await (const chunk of exportAuditTrail(database, studyId, format)) await write(out, chunk);
      if (options.out) {
        out.end();
        await finished(out);
        process.stderr.write(`Wrote the audit trail to ${options.out}\n`);
      }
    });
  });
}
