import type { Caller } from '../kernel/caller.ts';
import {
  type RandomisationStatus,
  sealListRequestSchema,
  seedSchema,
  studyUnblindRequestSchema,
} from '../randomisation/randomisation.schema.ts';
import { generateList, randomisationList, sealList } from '../randomisation/randomisation-list.service.ts';
import { unblindStudy } from '../randomisation/unblinding.service.ts';
import { cliCaller } from './cli-caller.ts';
import { CliUserError } from './cli-errors.ts';
import { checkDataFolder, configFor, withStudyDatabase } from './database-options.ts';
import type { GenerateOptions, ListOptions, SealOptions, UnblindOptions } from './randomisation.ts';

/** The CLI acts as the study's unblinded statistician for these commands, and the trail names the command. */
function statisticianCaller(command: string): Caller {
  const caller = cliCaller(command);
  return { ...caller, user: { ...caller.user, roles: ['statistician'] } };
}

const statusLines = (status: RandomisationStatus): string =>
  [
    `Method: ${status.method ?? 'none'}; list ${status.status}; ${status.entryCount} entries in ${status.strata.length} strata; ${status.allocations} allocated.`,
    `List hash: ${status.listHash ?? '-'}`,
    status.sealed ? `Sealed by ${status.sealed.name} at ${status.sealed.at}.` : '',
  ]
    .filter((line) => line !== '')
    .join('\n');

export async function generate(options: GenerateOptions): Promise<void> {
  checkDataFolder(configFor(options), 'read');
  const seed = seedSchema.safeParse(/^\d+$/.test(options.seed) ? Number(options.seed) : Number.NaN);
  if (!seed.success) {
    throw new CliUserError(`--seed must be a whole number from 0 to 2147483647, not "${options.seed}".`);
  }
  const status = await withStudyDatabase(options, (database, studyId) =>
    generateList(database, studyId, statisticianCaller('randomisation generate'), { seed: seed.data }),
  );
  process.stdout.write(
    `${statusLines(status)}\nCheck it with \`exotrial randomisation list\`, then seal it with \`exotrial randomisation seal --hash ${status.listHash}\`.\n`,
  );
}

export async function seal(options: SealOptions): Promise<void> {
  checkDataFolder(configFor(options), 'read');
  const request = sealListRequestSchema.safeParse({ listHash: options.hash });
  if (!request.success) {
    throw new CliUserError(
      `--hash must be the 64 hexadecimal characters of the list hash, not "${options.hash}".`,
    );
  }
  const status = await withStudyDatabase(options, (database, studyId) =>
    sealList(database, studyId, statisticianCaller('randomisation seal'), request.data),
  );
  process.stdout.write(`${statusLines(status)}\n`);
}

export async function list(options: ListOptions): Promise<void> {
  checkDataFolder(configFor(options), 'read');
  const view = await withStudyDatabase(options, (database, studyId) =>
    database.read((db) => randomisationList(db, studyId, statisticianCaller('randomisation list'))),
  );
  if (options.json) {
    process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    return;
  }
  const rows = view.entries.map((entry) =>
    [
      entry.randomisationNumber,
      entry.stratum,
      entry.sequence,
      entry.block,
      entry.blockSize,
      entry.arm,
      entry.allocatedTo ?? '',
    ]
      .map(String)
      .join('\t'),
  );
  const made = view.allocationsMade.map((row) =>
    [row.randomisationNumber, row.stratum, row.sequence, row.arm, row.studyNumber ?? ''].join('\t'),
  );
  const lines = [
    statusLines(view),
    `Seed: ${view.seed}; the entries ${view.hashMatches ? 'match' : 'DO NOT MATCH'} the list hash.`,
    ...(rows.length > 0 ? ['number\tstratum\tsequence\tblock\tblock size\tarm\tallocated to', ...rows] : []),
    ...(rows.length === 0 && made.length > 0
      ? ['number\tstratum\tsequence\tarm\tallocated to', ...made]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The CLI acts as the data manager (cliCaller), who records the unblinding once the study is locked. */
export async function unblind(options: UnblindOptions): Promise<void> {
  checkDataFolder(configFor(options), 'read');
  const request = studyUnblindRequestSchema.safeParse({ reason: options.reason });
  if (!request.success) throw new CliUserError('--reason must say why the study is unblinded.');
  const view = await withStudyDatabase(options, (database, studyId) =>
    unblindStudy(database, studyId, cliCaller('randomisation unblind'), request.data),
  );
  process.stdout.write(
    `The study is unblinded: recorded by ${view.unblinded?.name} at ${view.unblinded?.at}. Everyone who reads the study now sees the arms.\n`,
  );
}
