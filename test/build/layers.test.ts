import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/, read from the import statements. With `verbatimModuleSyntax` every import that
 * is not `import type` (or `export type`) stays in the emitted JavaScript, so "runtime import" here is
 * exactly what Node loads. Type-only imports may point anywhere.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name) || /\.test\.tsx?$/.test(entry.name)) continue;
    files.push(relative(root, join(entry.parentPath, entry.name)));
  }
  return files;
}

const importPattern =
  /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm;

function edgesOf(file: string): Edge[] {
  const text = readFileSync(join(root, file), 'utf8');
  const edges: Edge[] = [];
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[4] ?? match[5];
    if (!specifier) continue;
    const to = normalize(join(dirname(file), specifier));
    edges.push({ from: file, to, typeOnly: match[2] !== undefined });
  }
  return edges;
}

/** Packages (not relative modules) a file loads at runtime: static, side-effect and dynamic imports. */
const packagePattern =
  /^\s*(?:import|export)\s+(type\s+)?[^'";]*?\s*from\s*['"]([^.'"][^'"]*)['"]|^\s*import\s+['"]([^.'"][^'"]*)['"]|import\(\s*['"]([^.'"][^'"]*)['"]\s*\)/gm;

function runtimePackagesOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(packagePattern)]
    .filter((match) => match[1] === undefined)
    .map((match) => match[2] ?? match[3] ?? match[4] ?? '');
}

/** Packages that only the server runs: a module the browser loads must not pull any of them in. */
const serverPackages = [
  'fastify',
  'fastify-type-provider-zod',
  '@fastify/',
  'kysely',
  'pg',
  '@electric-sql/pglite',
  'pino',
  'pino-pretty',
  '@node-rs/argon2',
  'pdfkit',
  'bwip-js',
  'commander',
  'cli-progress',
  'csv-parse',
  'csv-stringify',
  'xmlbuilder2',
  'otplib',
  'async-mutex',
  'canonicalize',
  'tsx',
];
const nodeBuiltin = (name: string) =>
  name.startsWith('node:') ||
  builtinModules.includes(name) ||
  builtinModules.includes(name.split('/')[0] ?? '');
const serverPackage = (name: string) =>
  serverPackages.some((entry) =>
    entry.endsWith('/') ? name.startsWith(entry) : name === entry || name.startsWith(`${entry}/`),
  );

const srcEdges = sourceFiles('src').flatMap(edgesOf);
const webEdges = sourceFiles('web/src').flatMap(edgesOf);
const runtime = (edges: Edge[]) => edges.filter((edge) => !edge.typeOnly);
const show = (edges: Edge[]) => edges.map((edge) => `${edge.from} -> ${edge.to}`);
const within = (path: string, ...folders: string[]) =>
  folders.some((folder) => path === folder || path.startsWith(`${folder}/`));

describe('layers of src/', () => {
  it('finds the imports it checks (the parser is not blind)', () => {
    expect(srcEdges.length).toBeGreaterThan(500);
    expect(srcEdges.some((edge) => edge.typeOnly)).toBe(true);
    expect(runtime(srcEdges).some((edge) => edge.to === 'src/kernel/errors.ts')).toBe(true);
  });

  it('the composition root (src/server) is imported by the CLI only', () => {
    const inward = srcEdges.filter(
      (edge) => within(edge.to, 'src/server') && !within(edge.from, 'src/server', 'src/cli'),
    );
    expect(show(inward)).toEqual([]);
  });

  it('nothing imports the CLI but the CLI', () => {
    const inward = srcEdges.filter((edge) => within(edge.to, 'src/cli') && !within(edge.from, 'src/cli'));
    expect(show(inward)).toEqual([]);
  });

  it('the kernel loads only the kernel, the configuration and the database layer', () => {
    const upward = runtime(srcEdges).filter(
      (edge) => within(edge.from, 'src/kernel') && !within(edge.to, 'src/kernel', 'src/config.ts', 'src/db'),
    );
    expect(show(upward)).toEqual([]);
  });

  it('the database layer loads only itself and the configuration', () => {
    const upward = runtime(srcEdges).filter(
      (edge) => within(edge.from, 'src/db') && !within(edge.to, 'src/db', 'src/config.ts'),
    );
    expect(show(upward)).toEqual([]);
  });

  it('the web app loads no server module: only the kernel and shared domain code below it', () => {
    const intoSrc = runtime(webEdges).filter((edge) => within(edge.to, 'src'));
    expect(intoSrc.length).toBeGreaterThan(0);
    expect(show(intoSrc.filter((edge) => within(edge.to, 'src/server', 'src/db', 'src/cli')))).toEqual([]);
  });

  it('the web app loads no service, route or query module (their types only)', () => {
    const serverSide = runtime(webEdges).filter(
      (edge) => within(edge.to, 'src') && /\.(service|routes|queries|query)\.ts$/.test(edge.to),
    );
    expect(show(serverSide)).toEqual([]);
  });

  it('every src module the web app loads, and every schema module, followed through its imports, loads no Node built-in and no server package', () => {
    const loaded = new Set<string>();
    // The schema modules are walked too: the web takes its payload types from them, so they stay
    // loadable in a browser even where the web imports only their types today.
    const schemaModules = sourceFiles('src').filter((file) => /\.schema\.ts$/.test(file));
    const pending = [
      ...runtime(webEdges)
        .filter((edge) => within(edge.to, 'src'))
        .map((edge) => edge.to),
      ...schemaModules,
    ];
    while (pending.length > 0) {
      const file = pending.pop() ?? '';
      if (loaded.has(file)) continue;
      loaded.add(file);
      pending.push(...runtime(edgesOf(file)).map((edge) => edge.to));
    }
    // The walk reaches the shared code the pages run (edit checks, the protocol's rules and schema).
    expect(loaded.has('src/crf/form-checks.ts')).toBe(true);
    expect(loaded.has('src/protocol/rules/parser.ts')).toBe(true);
    expect(loaded.has('src/safety/safety.schema.ts')).toBe(true);
    const offending = [...loaded].flatMap((file) =>
      runtimePackagesOf(file)
        .filter((name) => nodeBuiltin(name) || serverPackage(name))
        .map((name) => `${file} -> ${name}`),
    );
    expect(offending).toEqual([]);
  });

  it('tells a Node built-in and a server package from a package the browser may load', () => {
    expect(runtimePackagesOf('test/build/layers.test.ts')).toContain('node:fs');
    expect(nodeBuiltin('node:fs') && nodeBuiltin('crypto') && !nodeBuiltin('zod')).toBe(true);
    expect(serverPackage('@fastify/cookie') && serverPackage('pg') && !serverPackage('pgx')).toBe(true);
    expect(serverPackage('zod') || serverPackage('yaml')).toBe(false);
  });
});

describe('one writer per record type', () => {
  /** Each `updateTable('form_record')` / `insertInto('form_record')` statement of src/, up to its execute call. */
  function formRecordWrites(): { file: string; statement: string }[] {
    const writes: { file: string; statement: string }[] = [];
    for (const file of sourceFiles('src')) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const match of text.matchAll(/\.(?:updateTable|insertInto)\('form_record'\)[\s\S]*?\.execute/g)) {
        writes.push({ file, statement: match[0] });
      }
    }
    return writes;
  }

  it('only src/crf/form-write.ts creates form records or changes their values', () => {
    const writes = formRecordWrites();
    expect(writes.filter((write) => write.file === 'src/crf/form-write.ts')).toHaveLength(2);
    const others = writes.filter(
      (write) =>
        write.file !== 'src/crf/form-write.ts' &&
        (write.statement.startsWith('.insertInto') || /\bentries\b/.test(write.statement)),
    );
    expect(others.map((write) => write.file)).toEqual([]);
  });
});

describe('the writable-participant preamble', () => {
  it('is written once: only src/participants/writable.ts checks that a participant can be written', () => {
    const callers = sourceFiles('src').filter(
      (file) =>
        file !== 'src/participants/writable.ts' &&
        /\bassertWritable\(/.test(readFileSync(join(root, file), 'utf8')),
    );
    expect(callers).toEqual([]);
  });
});
