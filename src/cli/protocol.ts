import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { amendProtocol } from '../protocol/amendment.service.ts';
import { loadProtocolFile, type ProtocolFileProblem, protocolSummary } from '../protocol/load.ts';
import { cliCaller } from './cli-caller.ts';
import { CliUserError } from './cli-errors.ts';
import { type DatabaseOptions, withDataOption, withStudyDatabase } from './database-options.ts';

/** `FILE:LINE path: message`, the shape editors and CI logs turn into clickable locations. */
function formatProblem(file: string, problem: ProtocolFileProblem): string {
  const location = problem.line === undefined ? file : `${file}:${problem.line}`;
  return `${location} ${problem.path}: ${problem.message}`;
}

function reportProblems(file: string, problems: ProtocolFileProblem[]): void {
  for (const problem of problems) process.stderr.write(`${formatProblem(file, problem)}\n`);
  // One problem is one line; a count only helps when there are several.
  if (problems.length > 1) process.stderr.write(`${file}: ${problems.length} problems\n`);
  process.exitCode = 1;
}

/** Adds `protocol validate FILE` and `protocol show FILE [--lang en|zh]`. Exit 0 when valid, 1 with problems. */
export function registerProtocolCommand(program: Command): void {
  const protocol = program.command('protocol').description('check and read trial protocol files (YAML)');

  protocol
    .command('validate')
    .description('validate a protocol file; every problem is printed as FILE:LINE path: message')
    .argument('<file>', 'protocol YAML file, e.g. protocols/mexcovid.yaml')
    .action(async (file: string) => {
      const result = await loadProtocolFile(file);
      if (!result.ok) return reportProblems(file, result.problems);
      const { study, version, forms, schedule, eligibility } = result.protocol;
      const items = forms.reduce((count, form) => count + form.items.length, 0);
      const criteria = eligibility.inclusion.length + eligibility.exclusion.length;
      process.stdout.write(
        `OK ${file}: ${study.id} version ${version} (${forms.length} forms, ${items} items, ${schedule.visits.length} visits, ${criteria} eligibility criteria)\n`,
      );
    });

  protocol
    .command('show')
    .description('print a readable summary of a protocol file')
    .argument('<file>', 'protocol YAML file')
    .option('--lang <lang>', 'language of the summary: en or zh', 'en')
    .action(async (file: string, options: { lang: string }) => {
      if (options.lang !== 'en' && options.lang !== 'zh') {
        process.stderr.write(`--lang must be en or zh, not ${options.lang}\n`);
        process.exitCode = 1;
        return;
      }
      const result = await loadProtocolFile(file);
      if (!result.ok) return reportProblems(file, result.problems);
      process.stdout.write(`${protocolSummary(result.protocol, options.lang)}\n`);
    });

  withDataOption(
    protocol
      .command('amend')
      .description("load an amended protocol file into the study's database as its next version")
      .argument('<file>', 'the amended protocol YAML file')
      .requiredOption('--reason <text>', 'the reason for the amendment (kept in the audit trail)'),
  ).action(async (file: string, options: DatabaseOptions & { reason: string }) => {
    const source = await readFile(file, 'utf8').catch((error: Error) => {
      throw new CliUserError(`Cannot read ${file}: ${error.message}`);
    });
    const version = await withStudyDatabase(options, (database, studyId) =>
      amendProtocol(database, studyId, cliCaller('protocol amend'), { source, reason: options.reason }),
    );
    process.stdout.write(`Protocol version ${version.versionNo} (${version.label}) is now current.\n`);
  });
}
