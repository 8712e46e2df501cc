// The thread that runs a PGlite data folder for the process (pglite-remote.ts starts it). PGlite
// executes PostgreSQL as WebAssembly on the thread that calls it: here, the server's thread stays free
// to load its modules while PostgreSQL starts, and to answer requests (health, static files, parsing)
// while a long query runs. Plain JavaScript, loaded without a TypeScript loader from the sources as
// from the build.
//
// Messages in: { id, op: 'query', sql, params, tx? } | { id, op: 'begin' } | { id, op: 'end', tx, commit }
// | { id, op: 'close' }. Messages out: { id, ok: true, value } | { id, ok: false, error }, and once
// { ready: true } or { ready: false, error } after the open.
import { setFlagsFromString } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { openDurableFolder } from './durable-open.js';

if (!parentPort) throw new Error('pglite-thread.js runs as a worker thread.');

// V8 runs new WebAssembly code with its baseline compiler and re-compiles a function with its
// optimising compiler once the function has used up a budget of work. PostgreSQL's start runs
// through many functions once each, and with the default budget V8 spent about 1 s of processor time
// optimising them while the server started, on a machine with two cores: a budget 100 times larger
// cut a restart's processor time from 3.0 s to 2.3 s, and a long query ran as fast as with the
// default once warm (docs/benchmarks.md). The budget is read when PGlite's module is instantiated,
// below; V8's flags are the process's, and no other WebAssembly runs in it.
setFlagsFromString('--wasm-tiering-budget=180000000');
const port = parentPort;

/** An error as plain fields: its message, name and PostgreSQL's own (code, detail, constraint…). */
function plainError(error) {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const fields = { name: error.name, message: error.message };
  for (const [key, value] of Object.entries(error)) {
    if (value === undefined || typeof value === 'function') continue;
    if (key === 'params') continue; // the query's values: not needed to tell what went wrong
    fields[key] = value;
  }
  return fields;
}

/** Open transactions by id: each holds PGlite's transaction open until told to end it. */
const transactions = new Map();
let nextTransaction = 1;

async function handle(pglite, message) {
  switch (message.op) {
    case 'query': {
      const target = message.tx === undefined ? pglite : transactions.get(message.tx)?.tx;
      if (!target) throw new Error(`No open transaction ${message.tx}.`);
      const { rows, affectedRows } = await target.query(message.sql, message.params, { rowMode: 'object' });
      return { rows, affectedRows };
    }
    case 'begin': {
      const id = nextTransaction++;
      let begun;
      const started = new Promise((resolve) => {
        begun = resolve;
      });
      const entry = { tx: undefined, finish: undefined, done: undefined };
      entry.done = pglite.transaction(
        (tx) =>
          new Promise((resolve, reject) => {
            entry.tx = tx;
            entry.finish = (commit) => (commit ? resolve() : reject(new RolledBack()));
            begun();
          }),
      );
      // A transaction that fails before it begins (PGlite closed) answers the begin with its error.
      await Promise.race([started, entry.done]);
      transactions.set(id, entry);
      return id;
    }
    case 'end': {
      const entry = transactions.get(message.tx);
      if (!entry) throw new Error(`No open transaction ${message.tx}.`);
      transactions.delete(message.tx);
      entry.finish(message.commit);
      try {
        await entry.done;
      } catch (error) {
        if (!(error instanceof RolledBack)) throw error;
      }
      return null;
    }
    case 'close':
      await pglite.close();
      return null;
    default:
      throw new Error(`Unknown operation ${message.op}.`);
  }
}

class RolledBack extends Error {}

try {
  const pglite = await openDurableFolder(workerData.dataDir);
  port.on('message', (message) => {
    handle(pglite, message).then(
      (value) => port.postMessage({ id: message.id, ok: true, value }),
      (error) => port.postMessage({ id: message.id, ok: false, error: plainError(error) }),
    );
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: plainError(error) });
}
