import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The compiled build (`npm run build`, which `npm test` runs before vitest): it runs on plain Node,
// and the CLI's definition loads none of what its commands do.
const packageVersion = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const temporary: string[] = [];
afterAll(() => {
  for (const folder of temporary) rmSync(folder, { recursive: true, force: true });
});
const tempDir = (prefix: string) => {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(folder);
  return folder;
};

function node(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
}

const moduleLogArgs = ['--import', './test/support/module-log.js'];

/** The modules (relative to the repository, or a package's folder) listed in a module log. */
function modulesIn(log: string): string[] {
  const root = new URL('../../', import.meta.url).href;
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((url) => url.replace(root, ''));
}

/** The modules that `node ARGS` loads, and its output. */
function modulesLoadedBy(args: string[]): { output: string; modules: string[] } {
  const log = join(tempDir('exotrial-modules-'), 'modules.txt');
  const result = node([...moduleLogArgs, ...args], { EXOTRIAL_MODULE_LOG: log });
  expect(result.status, result.stderr).toBe(0);
  return { output: result.stdout, modules: modulesIn(log) };
}

/** The modules `exotrial serve` loads on a new PGlite folder until it says it is running. */
async function modulesLoadedByServe(): Promise<string[]> {
  const log = join(tempDir('exotrial-modules-'), 'modules.txt');
  const data = join(tempDir('exotrial-serve-'), 'data');
  const child = spawn(
    process.execPath,
    [...moduleLogArgs, 'bin/exotrial.js', 'serve', '--port', '0', '--data', data],
    {
      env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', EXOTRIAL_MODULE_LOG: log },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('exotrial is running at')) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    });
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return modulesIn(log);
}

const packageOf = (path: string): string | undefined =>
  /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];

interface BuildMeta {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}

/**
 * What the modules a process loaded hold: the build bundles the sources and most packages
 * (bin/build-server.js), so a loaded file of dist/ stands for the sources and packages inside it,
 * which the build's metafile (dist/meta.json) lists; packages left outside the bundle load from
 * node_modules and appear as themselves.
 */
function contentsOf(modules: string[]): { sources: string[]; packages: Set<string> } {
  const meta = JSON.parse(readFileSync('dist/meta.json', 'utf8')) as BuildMeta;
  const inputs = modules.flatMap((module) => Object.keys(meta.outputs[module]?.inputs ?? {}));
  const sources = inputs.filter((input) => packageOf(input) === undefined).sort();
  const packages = new Set(
    [...inputs, ...modules].flatMap((path) => {
      const name = packageOf(path);
      return name ? [name] : [];
    }),
  );
  return { sources, packages };
}

describe('the compiled build', () => {
  it('is there: `npm run build` bundles the server and CLI into dist/ with source maps', () => {
    expect(existsSync('dist/cli/main.js'), 'run `npm run build` first').toBe(true);
    expect(readFileSync('dist/cli/main.js', 'utf8')).toContain('//# sourceMappingURL=main.js.map');
    expect(existsSync('dist/cli/main.js.map')).toBe(true);
    const meta = JSON.parse(readFileSync('dist/meta.json', 'utf8')) as BuildMeta;
    // Every output is plain JavaScript that names no TypeScript file: Node runs it without a loader.
    for (const output of Object.keys(meta.outputs).filter((file) => file.endsWith('.js'))) {
      expect(readFileSync(output, 'utf8'), output).not.toMatch(/from ["'][^"']+\.ts["']/);
    }
  });

  it('runs `version` on plain Node', () => {
    const result = node(['dist/cli/main.js', 'version']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${packageVersion}\n`);
  });

  it('`exotrial --help` lists every command and loads commander only', () => {
    const { output, modules } = modulesLoadedBy(['bin/exotrial.js', '--help']);
    for (const command of ['serve', 'migrate', 'user', 'report', 'export', 'backup', 'restore', 'version']) {
      expect(output).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(modules).toContain('dist/cli/main.js');
    const { sources, packages } = contentsOf(modules);
    // Commander alone: no TypeScript loader (tsx is a development dependency), no driver, no server.
    expect([...packages]).toEqual(['commander']);
    expect(sources.filter((source) => !source.startsWith('src/cli/'))).toEqual([
      'package.json',
      'src/kernel/roles.ts',
      'src/version.ts',
    ]);
    expect(sources.filter((source) => source.endsWith('.actions.ts'))).toEqual([]);
  });

  it('`exotrial version` loads the version and nothing else', () => {
    const { output, modules } = modulesLoadedBy(['bin/exotrial.js', 'version']);
    expect(output).toBe(`${packageVersion}\n`);
    const loaded = modules.filter((module) => !module.startsWith('node:'));
    // The entry and the chunks it shares with other commands (the version, esbuild's helpers): no package.
    expect(
      loaded.filter((module) => !/^dist\/(cli\/main|chunks\/chunk-[A-Z0-9]+)\.js$/.test(module)),
    ).toEqual(['bin/exotrial.js']);
    expect(contentsOf(loaded).sources).toEqual(['package.json', 'src/cli/main.ts', 'src/version.ts']);
  });

  it('`exotrial serve` runs compiled code only, without the TypeScript loader or the PostgreSQL driver on PGlite', async () => {
    const modules = await modulesLoadedByServe();
    expect(modules.filter((module) => /^(src|test|bench)\//.test(module))).toEqual([]);
    const { sources, packages } = contentsOf(modules);
    expect(sources).toContain('src/server/app.ts');
    for (const unwanted of [
      'tsx',
      'esbuild',
      'typescript',
      'pg',
      'pdfkit',
      'xmlbuilder2',
      '@zxcvbn-ts/language-common',
    ]) {
      expect(packages.has(unwanted), unwanted).toBe(false);
    }
    // The packages the bundle leaves outside load from node_modules, as themselves.
    expect(modules.some((module) => module.startsWith('node_modules/@electric-sql/pglite/'))).toBe(true);
    // The common-password lists load when a password is first checked, not at a start.
    expect(modules.filter((module) => module.startsWith('node_modules/@zxcvbn-ts/'))).toEqual([]);
  }, 180_000);

  it('a command loads what it does when it runs (the check above sees the modules a command loads)', () => {
    const { output, modules } = modulesLoadedBy([
      'bin/exotrial.js',
      'protocol',
      'validate',
      'protocols/mexcovid.yaml',
    ]);
    expect(output).toMatch(/^OK protocols\/mexcovid.yaml/);
    const { sources, packages } = contentsOf(modules);
    expect(sources).toContain('src/cli/protocol.actions.ts');
    expect(packages.has('yaml')).toBe(true);
  });
});

describe('bin/exotrial.js', () => {
  /** A copy of bin/exotrial.js in a folder of its own, with one source file and, when asked, a build. */
  function installation(build: string | null): { root: string; source: string } {
    const root = tempDir('exotrial-bin-');
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    copyFileSync('bin/exotrial.js', join(root, 'bin', 'exotrial.js'));
    const source = join(root, 'src', 'cli', 'main.ts');
    writeFileSync(source, '');
    if (build !== null) {
      mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
      writeFileSync(join(root, 'dist', 'cli', 'main.js'), build);
    }
    return { root, source };
  }
  const setModified = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

  it('runs the compiled CLI when its build is newer than the sources', () => {
    const { root, source } = installation("process.stdout.write('compiled CLI ran\\n');");
    setModified(source, 1_000_000);
    const result = node([join(root, 'bin', 'exotrial.js')]);
    expect(result.stdout).toBe('compiled CLI ran\n');
    expect(result.status).toBe(0);
  });

  it('says in one line to build when there is no build', () => {
    const { root } = installation(null);
    const result = node([join(root, 'bin', 'exotrial.js'), 'version']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `exotrial is not built yet: run \`npm run build\` in ${root}/ (or \`npm run dev\` to run the sources).\n`,
    );
  });

  it('says in one line to build again when a source is newer than the build', () => {
    const { root, source } = installation("process.stdout.write('compiled CLI ran\\n');");
    setModified(join(root, 'dist', 'cli', 'main.js'), 1_000_000);
    setModified(source, 2_000_000);
    const result = node([join(root, 'bin', 'exotrial.js'), 'version']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^the build of exotrial is older than its sources: run `npm run build` in /,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
