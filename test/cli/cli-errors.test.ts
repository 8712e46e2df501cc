import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Argument, Command, Option } from 'commander';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { anchorImprint } from '../../src/audit/anchor.ts';
import { cliCaller } from '../../src/cli/cli-caller.ts';
import { describeFailure, EXIT_INTERNAL, EXIT_USER_ERROR } from '../../src/cli/cli-errors.ts';
import { buildProgram, runCli } from '../../src/cli/program.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { createStorageUnit } from '../../src/product/storage.service.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { testConfig } from '../support/test-app.ts';

// Every case runs the CLI in this process through runCli, the entry src/cli/main.ts uses: a spawned
// process per case costs 1-10 s on a loaded machine, a case here a few milliseconds.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 300_000 });

/** The commands that may create a database; every other command with --data only reads one. */
const creatingCommands = ['serve', 'migrate', 'demo', 'restore', 'user add'];

/** Values for required arguments and options that are not files (any value passes their own checks). */
const fillers: Record<string, string> = {
  unit: 'RJ-F1',
  site: 'RJ',
  '--email': 'nobody@example.org',
  '--name': 'a name',
  '--reason': 'a reason',
  '--time': 't',
  '--event': 'e',
  '--group': 'g',
  '--site': 'RJ',
  '--seed': '20261205',
  version: '2',
  '--date': '2026-01-01',
};

const loggerCsv = 'Serial,LT-77\nTime zone: UTC+08:00\nDate Time,Temperature (°C)\n2026-01-01 08:00:00,-80\n';

/** A valid input file for each command that reads one, so that only the case under test can fail. */
const validInputs: Record<string, () => string | Buffer> = {
  demo: () => readFileSync('protocols/mexcovid.yaml', 'utf8'),
  'protocol validate': () => readFileSync('protocols/mexcovid.yaml', 'utf8'),
  'protocol show': () => readFileSync('protocols/mexcovid.yaml', 'utf8'),
  'protocol amend': () => readFileSync('protocols/mexcovid.yaml', 'utf8'),
  'stats km': () => 't,e\n1,1\n2,0\n',
  'stats logrank': () => 't,e,g\n1,1,A\n2,0,B\n',
  'stats cox': () => 't,e,g\n1,1,A\n2,0,B\n3,1,A\n',
  'product import-temperatures': () => loggerCsv,
  'labs ranges import': () => 'item,sex,ageLow,ageHigh,low,high,unit\nlabs.alt,,,,7,40,U/L\n',
  'labs receive': () =>
    'MSH|^~\\&|LIS|RJ|EXO|MEX|20261205||ORU^R01|CLI-1|P|2.5\nPID|1||MRN-1^^^RJ^MR\nOBX|1|NM|1742-6^ALT^LN||40|U/L|||||F\n',
  'import odm': () =>
    '<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"><Study OID="S"><MetaDataVersion OID="M" Name="m"/></Study></ODM>\n',
  'import data': () => 'participant,visit,vitals.heartRate\n',
  'import redcap': () =>
    '"Variable / Field Name","Form Name","Section Header","Field Type","Field Label"\nrecord_id,intake,,text,Record ID\n',
  restore: () => gzipSync('{"format":"not really a backup"}\n'),
  'audit verify': () => {
    const anchor = { studyId: 'a-study', seq: 1, hash: 'ab'.repeat(32), anchoredAt: '2026-12-01T00:00:00Z' };
    return `${JSON.stringify({ ...anchor, imprint: anchorImprint(anchor).toString('hex') })}\n`;
  },
};

interface Leaf {
  name: string;
  command: Command;
  input?: { argument?: Argument; option?: Option };
  out?: { option: Option; kind: 'file' | 'folder' };
  data: 'read' | 'create' | undefined;
}

function leavesOf(command: Command, path: string[] = []): Leaf[] {
  if (command.commands.length > 0) {
    return command.commands.flatMap((child) => leavesOf(child, [...path, child.name()]));
  }
  const name = path.join(' ');
  const inputArgument = command.registeredArguments.find((argument) => argument.name() === 'file');
  const inputOption = command.options.find(
    (option) => option.flags.includes('<file>') && option.long !== '--out',
  );
  // An output is `--out`, or a file the command appends to (`<anchor-file>`).
  const outOption = command.options.find(
    (option) => option.long === '--out' || option.flags.includes('<anchor-file>'),
  );
  const hasData = command.options.some((option) => option.long === '--data');
  return [
    {
      name,
      command,
      input: inputArgument || inputOption ? { argument: inputArgument, option: inputOption } : undefined,
      out: outOption
        ? { option: outOption, kind: outOption.flags.includes('<dir>') ? 'folder' : 'file' }
        : undefined,
      data: hasData ? (creatingCommands.includes(name) ? 'create' : 'read') : undefined,
    },
  ];
}

let sandboxRoot: string;
let databaseFolder: string;
let leaves: Leaf[];
const savedEnvironment = { DATABASE_URL: process.env.DATABASE_URL, DATA_DIR: process.env.DATA_DIR };

/** A fresh folder for one case, open to the unprivileged user the permission cases run as. */
function sandbox(): string {
  const folder = mkdtempSync(join(sandboxRoot, 'case-'));
  chmodSync(folder, 0o755);
  return folder;
}

function validInputFile(leaf: Leaf, folder: string): string {
  const content = validInputs[leaf.name];
  if (!content) throw new Error(`Describe a valid input file for \`exotrial ${leaf.name}\` in validInputs.`);
  const path = join(folder, 'valid-input');
  writeFileSync(path, content());
  return path;
}

/** The command line for a leaf: its words, then every argument and required option filled. */
function argvFor(leaf: Leaf, values: { input?: string; out?: string; data?: string }): string[] {
  const argv = ['node', 'exotrial', ...leaf.name.split(' ')];
  for (const argument of leaf.command.registeredArguments) {
    argv.push(argument === leaf.input?.argument ? (values.input ?? '') : (fillers[argument.name()] ?? 'x'));
  }
  for (const option of leaf.command.options) {
    const long = option.long ?? '';
    if (option === leaf.input?.option) argv.push(long, values.input ?? '');
    else if (option === leaf.out?.option && values.out !== undefined) argv.push(long, values.out);
    else if (long === '--data' && values.data !== undefined) argv.push(long, values.data);
    else if (option.mandatory) argv.push(long, fillers[long] ?? 'x');
  }
  return argv;
}

/** Every path under `folder`, relative to it, to show that a case created nothing. */
function listing(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((path) => relative(folder, join(folder, path)))
    .sort();
}

interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[]): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  try {
    const { exitCode } = await runCli(argv);
    return { exitCode, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

/**
 * Runs `work` as an unprivileged user: permission bits do not bind root, so as root the process
 * takes the effective uid of `nobody` for the case (its saved uid lets it come back).
 */
async function asUnprivileged<T>(work: () => Promise<T>): Promise<T> {
  if (process.geteuid?.() !== 0 || !process.seteuid) return work();
  process.seteuid(65_534);
  try {
    return await work();
  } finally {
    process.seteuid(0);
  }
}

/** The shape every failure must have: exit code 1, one line on standard error, no stack frames. */
function expectOneLineFailure(outcome: Outcome, mentions: string): void {
  expect(outcome.stderr, outcome.stderr).not.toContain('    at ');
  expect(outcome.stderr.endsWith('\n'), outcome.stderr).toBe(true);
  expect(outcome.stderr.trimEnd().split('\n'), outcome.stderr).toHaveLength(1);
  expect(outcome.stderr).toContain(mentions);
  expect(outcome.exitCode, outcome.stderr).toBe(EXIT_USER_ERROR);
}

interface Case {
  leaf: Leaf;
  label: string;
  /** Sets the case up in its sandbox; returns the values of the command line and what the message names. */
  prepare: (folder: string) => { input?: string; out?: string; data?: string; mentions: string };
  unprivileged?: boolean;
}

const missingData = (folder: string) => join(folder, 'no-such-data');

function inputCases(leaf: Leaf): Case[] {
  const withFile = (label: string, content: string | Buffer | undefined, unprivileged = false): Case => ({
    leaf,
    label: `input ${label}`,
    unprivileged,
    prepare: (folder) => {
      const input = join(folder, `input-${label.replace(/\W+/g, '-')}`);
      if (content === undefined) mkdirSync(input);
      else writeFileSync(input, content);
      if (unprivileged) chmodSync(input, 0o000);
      return { input, data: missingData(folder), mentions: input };
    },
  });
  return [
    {
      leaf,
      label: 'input missing',
      prepare: (folder) => ({
        input: join(folder, 'no-such-file'),
        data: missingData(folder),
        mentions: join(folder, 'no-such-file'),
      }),
    },
    withFile('a folder', undefined),
    withFile('empty', ''),
    withFile('binary', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff, 0xfe, 0x00, 0x00])),
    withFile('unreadable', leafInputSample(leaf), true),
    {
      leaf,
      label: 'input wrongly formatted',
      prepare: (folder) => {
        const input = join(folder, 'wrong-format');
        writeFileSync(input, 'This is a note, not the file the command reads.\nIt has two lines.\n');
        // Commands that read a database get the real one, so the failure is the file's and not the folder's.
        const data = leaf.data === 'read' ? databaseFolder : missingData(folder);
        return { input, data, mentions: 'wrong-format' };
      },
    },
  ];
}

const leafInputSample = (leaf: Leaf) => validInputs[leaf.name]?.() ?? 'text';

function outputCases(leaf: Leaf): Case[] {
  const kind = leaf.out?.kind ?? 'file';
  const valid = (leafFolder: string) => (leaf.input ? validInputFile(leaf, leafFolder) : undefined);
  const data = leaf.data ? databaseFolder : undefined;
  const base = (folder: string) => ({ input: valid(folder), data });
  const cases: Case[] = [
    {
      leaf,
      label: 'output parent missing',
      prepare: (folder) => ({
        ...base(folder),
        out: join(folder, 'no-such-folder', 'out'),
        mentions: 'no-such-folder',
      }),
    },
    {
      leaf,
      label: 'output not writable',
      unprivileged: true,
      prepare: (folder) => {
        const locked = join(folder, 'locked');
        mkdirSync(locked);
        chmodSync(locked, 0o555);
        return { ...base(folder), out: join(locked, 'out'), mentions: locked };
      },
    },
  ];
  if (kind === 'file') {
    cases.push(
      {
        leaf,
        label: 'output is a folder',
        prepare: (folder) => {
          const out = join(folder, 'a-folder');
          mkdirSync(out);
          return { ...base(folder), out, mentions: out };
        },
      },
      {
        leaf,
        label: 'output parent is a file',
        prepare: (folder) => {
          writeFileSync(join(folder, 'a-file'), 'x');
          return { ...base(folder), out: join(folder, 'a-file', 'out'), mentions: join(folder, 'a-file') };
        },
      },
    );
  } else {
    cases.push({
      leaf,
      label: 'output folder is a file',
      prepare: (folder) => {
        const out = join(folder, 'a-file');
        writeFileSync(out, 'x');
        return { ...base(folder), out, mentions: out };
      },
    });
  }
  return cases;
}

function dataCases(leaf: Leaf): Case[] {
  const valid = (folder: string) => (leaf.input ? validInputFile(leaf, folder) : undefined);
  const out = (folder: string) => (leaf.out?.option.mandatory ? join(folder, 'out') : undefined);
  const asFile: Case = {
    leaf,
    label: 'data folder is a file',
    prepare: (folder) => {
      const data = join(folder, 'data-file');
      writeFileSync(data, 'x');
      return { input: valid(folder), out: out(folder), data, mentions: data };
    },
  };
  if (leaf.data === 'create') {
    return [
      asFile,
      {
        leaf,
        label: 'data folder not writable',
        unprivileged: true,
        prepare: (folder) => {
          const locked = join(folder, 'locked');
          mkdirSync(locked);
          chmodSync(locked, 0o555);
          return { input: valid(folder), out: out(folder), data: join(locked, 'data'), mentions: locked };
        },
      },
    ];
  }
  return [
    asFile,
    {
      leaf,
      label: 'data folder missing',
      prepare: (folder) => ({
        input: valid(folder),
        out: out(folder),
        data: missingData(folder),
        mentions: missingData(folder),
      }),
    },
    {
      leaf,
      label: 'data folder holds no database',
      prepare: (folder) => {
        const data = join(folder, 'empty-data');
        mkdirSync(data);
        return { input: valid(folder), out: out(folder), data, mentions: data };
      },
    },
  ];
}

function casesOf(leaf: Leaf): Case[] {
  return [
    ...(leaf.input ? inputCases(leaf) : []),
    ...(leaf.out ? outputCases(leaf) : []),
    ...(leaf.data ? dataCases(leaf) : []),
  ];
}

beforeAll(async () => {
  delete process.env.DATABASE_URL;
  delete process.env.DATA_DIR;
  sandboxRoot = mkdtempSync(join(tmpdir(), 'exotrial-cli-errors-'));
  chmodSync(sandboxRoot, 0o755);
  // Every command module, loaded once (and so the whole command list).
  leaves = leavesOf(buildProgram());
  databaseFolder = join(sandboxRoot, 'database');
  const database = await openDatabase({ kind: 'pglite', dataDir: databaseFolder });
  try {
    const target = { kind: 'pglite', dataDir: databaseFolder } as const;
    const { studyId } = await bootstrap(database, testConfig(target), pino({ level: 'silent' }));
    const site = await database.read((db) =>
      db.selectFrom('site').select('site_id').executeTakeFirstOrThrow(),
    );
    const pharmacist = cliCaller('test');
    pharmacist.user.roles = ['pharmacist'];
    pharmacist.user.siteIds = [site.site_id];
    await createStorageUnit(database, studyId, pharmacist, {
      code: 'RJ-F1',
      name: 'Pharmacy freezer',
      kind: 'freezer',
      siteId: site.site_id,
      nominalCelsius: -80,
      lowCelsius: -90,
      highCelsius: -60,
      excursionToleranceMinutes: 0,
    });
  } finally {
    await database.close();
  }
});

afterAll(() => {
  for (const [name, value] of Object.entries(savedEnvironment)) {
    if (value !== undefined) process.env[name] = value;
  }
  if (sandboxRoot) rmSync(sandboxRoot, { recursive: true, force: true });
});

describe('every CLI command fails in one line', () => {
  it('finds every command of the program, with the files and folders each takes', () => {
    expect(leaves.map((leaf) => leaf.name)).toHaveLength(49);
    const shape = (leaf: Leaf) =>
      `${leaf.name}: ${leaf.input ? 'input ' : ''}${leaf.out ? `out ${leaf.out.kind} ` : ''}${leaf.data ?? ''}`.trim();
    expect(
      leaves
        .filter((leaf) => leaf.data === 'create')
        .map((leaf) => leaf.name)
        .sort(),
    ).toEqual([...creatingCommands].sort());
    expect(leaves.map(shape)).toContain('export sdtm: out folder read');
    expect(leaves.map(shape)).toContain('dictionary import meddra: read');
    expect(leaves.map(shape)).toContain('restore: input create');
    expect(leaves.map(shape)).toContain('labs ranges import: input read');
  });

  it('walks every command through each bad file, output path and data folder it can be given', async () => {
    const cases = leaves.flatMap(casesOf);
    const failures: string[] = [];
    const started = performance.now();
    for (const testCase of cases) {
      const folder = sandbox();
      const values = testCase.prepare(folder);
      const before = listing(folder);
      const argv = argvFor(testCase.leaf, values);
      const outcome = await (testCase.unprivileged ? asUnprivileged(() => run(argv)) : run(argv));
      const what = `exotrial ${argv.slice(2).join(' ')} (${testCase.label})`;
      try {
        expectOneLineFailure(outcome, values.mentions);
        expect(listing(folder), 'the case created or removed a file').toEqual(before);
        if (
          values.data &&
          values.data !== databaseFolder &&
          !before.includes(relative(folder, values.data))
        ) {
          expect(existsSync(values.data), 'a data folder was created').toBe(false);
        }
      } catch (error) {
        failures.push(
          `${what}: ${(error as Error).message.split('\n')[0]} — stderr: ${outcome.stderr.trim()}`,
        );
      }
    }
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`${cases.length} cases over ${leaves.length} commands in ${seconds.toFixed(1)} s\n`);
    expect(failures).toEqual([]);
    // Each kind of case reaches the commands it applies to.
    expect(cases.length).toBeGreaterThan(80);
  });
});

describe('an unexpected error', () => {
  it('is one line with exit code 2, naming a file (owner only) that holds the details', () => {
    const failure = describeFailure(new TypeError('Cannot read properties of undefined (reading "rows")'));
    expect(failure.exitCode).toBe(EXIT_INTERNAL);
    expect(failure.message.split('\n')).toHaveLength(1);
    expect(failure.message).not.toContain('    at ');
    const log = /Details are in (\S+);/.exec(failure.message)?.[1];
    expect(log).toBeDefined();
    const text = readFileSync(log as string, 'utf8');
    expect(text).toContain('TypeError: Cannot read properties of undefined');
    expect(text).toContain('    at ');
    rmSync(log as string);
  });
});
