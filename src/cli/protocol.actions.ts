import { readFileSync } from 'node:fs';
import type { Database } from '../db/connection.ts';
import { amendProtocol } from '../protocol/amendment.service.ts';
import {
  type ParseProtocolResult,
  type ProtocolFileProblem,
  parseProtocolOnServer,
  protocolSummary,
} from '../protocol/load.ts';
import { siteApprovalRequestSchema } from '../protocol/site-approval.schema.ts';
import { approveAtSite } from '../protocol/site-approval.service.ts';
import { cliCaller } from './cli-caller.ts';
import { CliUserError } from './cli-errors.ts';
import { readTextInput } from './cli-files.ts';
import { type DatabaseOptions, withStudyDatabase } from './database-options.ts';

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
export function loadProtocol(file: string, what = 'a protocol YAML file'): ParseProtocolResult {
  const text = readTextInput(file, what);
  try {
    return parseProtocolOnServer(text, file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliUserError(`${file} cannot be read as a protocol: ${reason}.`);
  }
}

/** `protocol validate FILE`: exit 0 when valid, 1 listing the problems. */
export const validateProtocol = (file: string) => {
  const result = loadProtocol(file);
  if (!result.ok) return reportProblems(file, result.problems);
  const { study, version, forms, schedule, eligibility } = result.protocol;
  const items = forms.reduce((count, form) => count + form.items.length, 0);
  const criteria = eligibility.inclusion.length + eligibility.exclusion.length;
  process.stdout.write(
    `OK ${file}: ${study.id} version ${version} (${forms.length} forms, ${items} items, ${schedule.visits.length} visits, ${criteria} eligibility criteria)\n`,
  );
};

export const showProtocol = (file: string, options: { lang: string }) => {
  if (options.lang !== 'en' && options.lang !== 'zh') {
    throw new CliUserError(`--lang must be en or zh, not ${options.lang}.`);
  }
  const result = loadProtocol(file);
  if (!result.ok) return reportProblems(file, result.problems);
  process.stdout.write(`${protocolSummary(result.protocol, options.lang)}\n`);
};

export const amendProtocolFile = async (file: string, options: DatabaseOptions & { reason: string }) => {
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
};

/** The version number that VERSION names: a number, or a label of a loaded version. */
async function versionNumber(database: Database, studyId: string, version: string): Promise<number> {
  const rows = await database.read((db) =>
    db
      .selectFrom('protocol_version')
      .select(['version_no', 'label'])
      .where('study_id', '=', studyId)
      .execute(),
  );
  const byLabel = rows.find((row) => row.label === version);
  if (byLabel) return byLabel.version_no;
  const byNumber = /^\d+$/.test(version) ? rows.find((row) => row.version_no === Number(version)) : undefined;
  if (byNumber) return byNumber.version_no;
  const known = rows.map((row) => `${row.version_no} (${row.label})`).join(', ');
  throw new CliUserError(`There is no protocol version ${version}; the study has ${known}.`);
}

/** `protocol approve VERSION --site SITE --date DATE`: the site works under VERSION from now on. */
export const approveProtocolVersion = async (
  version: string,
  options: DatabaseOptions & { site: string; date: string },
) => {
  const request = siteApprovalRequestSchema.safeParse({ siteId: options.site, approvedOn: options.date });
  if (!request.success) {
    throw new CliUserError(request.error.issues.map((issue) => issue.message).join(' '));
  }
  const status = await withStudyDatabase(options, async (database, studyId) =>
    approveAtSite(
      database,
      studyId,
      cliCaller('protocol approve'),
      await versionNumber(database, studyId, version),
      request.data,
    ),
  );
  process.stdout.write(
    `Site ${status.siteId} works under protocol version ${status.workingVersionNo} (${status.workingLabel}), approved on ${options.date}.\n`,
  );
};
