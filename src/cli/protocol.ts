import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { amendProtocol } from '../protocol/amendment.service.ts';
import {
  type ParseProtocolResult,
  type ProtocolFileProblem,
  parseProtocolText,
  protocolSummary,
} from '../protocol/load.ts';
import { cliCaller } from './cli-caller.ts';
import { CliUserError } from './cli-errors.ts';
import { readTextInput } from './cli-files.ts';
import { type DatabaseOptions, withDataOption, withStudyDatabase } from './database-options.ts';

/** `FILE:LINE path: message`, the shape editors and CI logs turn into clickable locations. */
function formatProblem(file: string, problem: ProtocolFileProblem): string {
  const location = problem.line === undefined ? file : `${file}:${problem.line}`;
  return `${location} ${problem.path}: ${problem.message}`;
}

/** One problem is one line; several are listed, one a line, with their count. */
function reportProblems(file: string, problems: ProtocolFileProblem[]): void {
  for (const problem of problems) process.stderr.write(`${formatProblem(file, problem)}\n`);
  if (problems.length > 1) process.stderr.write(`${file}: ${problems.length} problems\n`);
  process.exitCode = 1;
}

/**
 * A protocol file read and parsed. A file that is missing, empty or binary, or that the YAML parser
 * refuses outright (an alias bomb), is a one-line error.
 */
function loadProtocol(file: string, what = 'a protocol YAML file'): ParseProtocolResult {
  const text = readTextInput(file, what);
  try {
    return parseProtocolText(text, file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliUserError(`${file} cannot be read as a protocol: ${reason}.`);
  }
}

/** Adds `protocol validate FILE` and `protocol show FILE [--lang en|zh]`. Exit 0 when valid, 1 with problems. */
export function registerProtocolCommand(program: Command): void {
  const protocol = program.command('protocol').description('check and read trial protocol files (YAML)');

  protocol
    .command('validate')
    .description('validate a protocol file; every problem is printed as FILE:LINE path: message')
    .argument('<file>', 'protocol YAML file, e.g. protocols/mexcovid.yaml')
    .action((file: string) => {
      const result = loadProtocol(file);
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
    .action((file: string, options: { lang: string }) => {
      if (options.lang !== 'en' && options.lang !== 'zh') {
        throw new CliUserError(`--lang must be en or zh, not ${options.lang}.`);
      }
      const result = loadProtocol(file);
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
    // Checked before the database is opened, so a wrong file costs nothing and says where it is wrong.
    const parsed = loadProtocol(file, 'the amended protocol YAML file');
    if (!parsed.ok) {
      const [first, ...others] = parsed.problems;
      const more =
        others.length > 0 ? ` (and ${others.length} more: run \`exotrial protocol validate ${file}\`)` : '';
      throw new CliUserError(`${first ? formatProblem(file, first) : file}${more}`);
    }
    const source = readFileSync(file, 'utf8');
    const version = await withStudyDatabase(options, (database, studyId) =>
      amendProtocol(database, studyId, cliCaller('protocol amend'), { source, reason: options.reason }),
    );
    process.stdout.write(`Protocol version ${version.versionNo} (${version.label}) is now current.\n`);
  });
}
