#!/usr/bin/env node
// Runs the compiled CLI (dist/, made by `npm run build`). It does not build it here: a build needs
// the development tools and write access to the install folder, and would turn a command that
// answers in a fraction of a second into one that takes several. A missing or stale build is said
// in one line instead, so a changed source is never run as its old compiled self.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'dist', 'cli', 'main.js');

const modifiedAt = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};

/** The newest modification time of the sources that the build compiles (tests are not compiled). */
function newestSource() {
  let newest = 0;
  const folder = join(root, 'src');
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, modifiedAt(join(entry.parentPath, entry.name)) ?? 0);
  }
  return newest;
}

const builtAt = modifiedAt(entry);
const problem =
  builtAt === undefined
    ? 'exotrial is not built yet'
    : newestSource() > builtAt
      ? 'the build of exotrial is older than its sources'
      : undefined;
if (problem) {
  process.stderr.write(
    `${problem}: run \`npm run build\` in ${root} (or \`npm run dev\` to run the sources).\n`,
  );
  process.exit(1);
}
await import(pathToFileURL(entry).href);
