#!/usr/bin/env node
// Part of `npm run build`: bundles the server and the CLI (src/) into dist/ with esbuild, source maps
// on. One bundle instead of ~1,500 module files cuts a start's module loading roughly in half: Node
// spends more time finding, reading and linking many small files than compiling their code. Commands
// still load only what they use: each `import()` of the sources becomes a chunk of its own, loaded
// when it runs. Packages that read files beside their own code (WebAssembly, native addons, worker
// scripts, fonts, static assets) stay outside the bundle and load from node_modules as before.
import { rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

/** Packages loaded from node_modules at run time rather than bundled, and why. */
export const externalPackages = [
  '@electric-sql/pglite', // its WebAssembly and data files, found beside its module
  '@node-rs/argon2', // a native addon
  'pg', // an optional native driver it looks for at run time; loaded only on PostgreSQL
  'pino', // writes through worker threads started from its own files
  'pino-pretty',
  'pdfkit', // its fonts, read from its folder
  '@fastify/swagger-ui', // the API explorer's static files, served from its folder
  'playwright-core', // a browser driver, loaded only for PDF rendering
  'bwip-js', // a large barcode library, loaded only for labels
  // Loaded on first use through require(), not at each start: UCUM's unit tables (read when the
  // package loads) and the common-password lists (decompressed when it loads).
  '@lhncbc/ucum-lhc',
  '@zxcvbn-ts/language-common',
];

rmSync('dist', { recursive: true, force: true });
const result = await build({
  entryPoints: {
    'cli/main': 'src/cli/main.ts',
    'db/pglite-template': 'src/db/pglite-template.ts',
    // The thread that runs a PGlite data folder (src/db/pglite-remote.ts starts it by its file).
    'db/pglite-thread': 'src/db/pglite-thread.js',
  },
  outdir: 'dist',
  // Chunks sit at the same depth as the entries, so `new URL('../../web/dist/', import.meta.url)` and
  // the like resolve from every output file to the same place as from its source file.
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Less for V8 to parse at each start; names are kept (no minifyIdentifiers), so stack traces and
  // profiles still read, and the source maps lead back to the sources.
  minifyWhitespace: true,
  minifySyntax: true,
  external: externalPackages,
  // Bundled CommonJS packages call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'warning',
});
if (result.errors.length > 0) process.exit(1);
// Which sources and packages each output file holds: test/build/build.test.ts reads it to check
// that a command loads only what it uses.
writeFileSync('dist/meta.json', JSON.stringify(result.metafile));
