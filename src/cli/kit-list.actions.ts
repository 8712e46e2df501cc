import type { Caller } from '../kernel/caller.ts';
import {
  generateKitListRequestSchema,
  type KitListStatus,
  sealKitListRequestSchema,
} from '../randomisation/kit-list.schema.ts';
import { extendKits, generateKits, kitListView, sealKits } from '../randomisation/kit-list.service.ts';
import { cliCaller } from './cli-caller.ts';
import { CliUserError } from './cli-errors.ts';
import { checkDataFolder, configFor, withStudyDatabase } from './database-options.ts';
import type { KitGenerateOptions, ListOptions, SealOptions } from './randomisation.ts';

/** The CLI acts as the study's unblinded statistician for these commands, and the trail names the command. */
function statisticianCaller(command: string): Caller {
  const caller = cliCaller(command);
  return { ...caller, user: { ...caller.user, roles: ['statistician'] } };
}

const statusLines = (status: KitListStatus): string =>
  [
    `Kit list ${status.status}; ${status.kitCount} kits.`,
    `Kit list hash: ${status.listHash ?? '-'}`,
    status.sealed ? `Sealed by ${status.sealed.name} at ${status.sealed.at}.` : '',
  ]
    .filter((line) => line !== '')
    .join('\n');

const wholeNumber = (text: string) => (/^\d+$/.test(text) ? Number(text) : Number.NaN);

export async function generateKitList(options: KitGenerateOptions): Promise<void> {
  checkDataFolder(configFor(options), 'read');
  const request = kitRequest(options);
  const status = await withStudyDatabase(options, (database, studyId) =>
    generateKits(database, studyId, statisticianCaller('randomisation kits generate'), request),
  );
  process.stdout.write(
    `${statusLines(status)}\nCheck it with \`exotrial randomisation kits list\`, then seal it with \`exotrial randomisation kits seal --hash ${status.listHash}\`.\n`,
  );
}

export async function extendKitList(options: KitGenerateOptions): Promise<void> {
  checkDataFolder(configFor(options), 'read');
  const request = kitRequest(options);
  const status = await withStudyDatabase(options, (database, studyId) =>
    extendKits(database, studyId, statisticianCaller('randomisation kits extend'), request),
  );
  const block = status.blocks.at(-1);
  process.stdout.write(
    `${statusLines(status)}\n${block ? `Block ${block.block}: ${block.kitCount} kits, hash ${block.listHash}, sealed.\n` : ''}`,
  );
}

function kitRequest(options: KitGenerateOptions) {
  const request = generateKitListRequestSchema.safeParse({
    seed: wholeNumber(options.seed),
    kitCount: wholeNumber(options.count),
  });
  if (!request.success) {
    const problems = request.error.issues.map(
      (issue) => `--${issue.path[0] === 'seed' ? 'seed' : 'count'}: ${issue.message}`,
    );
    throw new CliUserError(problems.join('\n'));
  }
  return request.data;
}

export async function sealKitList(options: SealOptions): Promise<void> {
  checkDataFolder(configFor(options), 'read');
  const request = sealKitListRequestSchema.safeParse({ listHash: options.hash });
  if (!request.success) {
    throw new CliUserError(
      `--hash must be the 64 hexadecimal characters of the kit list hash, not "${options.hash}".`,
    );
  }
  const status = await withStudyDatabase(options, (database, studyId) =>
    sealKits(database, studyId, statisticianCaller('randomisation kits seal'), request.data),
  );
  process.stdout.write(`${statusLines(status)}\n`);
}

export async function printKitList(options: ListOptions): Promise<void> {
  checkDataFolder(configFor(options), 'read');
  const view = await withStudyDatabase(options, (database, studyId) =>
    database.read((db) => kitListView(db, studyId, statisticianCaller('randomisation kits list'))),
  );
  if (options.json) {
    process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    return;
  }
  const lines = [
    statusLines(view),
    `Seed: ${view.seed}; the kits ${view.hashMatches ? 'match' : 'DO NOT MATCH'} the kit list hash.`,
    'sequence\tkit number\tkit type\tlot',
    ...view.kits.map((kit) => [kit.sequence, kit.kitNumber, kit.kitType, kit.lotNumber ?? ''].join('\t')),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
