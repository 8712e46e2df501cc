import { Worker } from 'node:worker_threads';
import type { PGlite, PGliteQueryResults, PGliteTransaction } from 'kysely';
import { prepareDataFolder } from './pglite-template.ts';

// A PGlite data folder run on a thread of its own (pglite-thread.js), behind the interface Kysely's
// PGlite dialect uses. The server's thread then loads its modules and builds its application while
// PostgreSQL starts, and stays free for requests while a query runs. Every call is a message; rows
// come back as structured clones (dates, byte arrays and JSON values as they are).

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorFields };
type ErrorFields = { name: string; message: string } & Record<string, unknown>;
type Request =
  | { op: 'query'; sql: string; params: unknown[] | undefined; tx?: number }
  | { op: 'begin' }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'close' };

/** The thread's script: beside this module in the sources, in dist/db/ in the build (chunks sit one level down). */
const THREAD_SCRIPT = new URL('../db/pglite-thread.js', import.meta.url);

/** An error from the thread as an Error again, with PostgreSQL's fields (code, detail, constraint…). */
function errorFrom(fields: ErrorFields): Error {
  const { name, message, ...rest } = fields;
  const error = new Error(message);
  error.name = name;
  return Object.assign(error, rest);
}

/** What a request gets once the thread is gone: "the database is shutting down" (57P01), answered 503. */
function threadGone(cause?: unknown): Error {
  return Object.assign(new Error('The database thread has stopped.', { cause }), { code: '57P01' });
}

class PgliteThread implements PGlite {
  closed = false;
  ready = true;
  waitReady = Promise.resolve();
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private nextId = 1;
  private stopped: Error | null = null;

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(errorFrom(reply.error));
    });
    worker.on('error', (error) => this.stop(threadGone(error)));
    worker.on('exit', () => this.stop(threadGone()));
    // Idle, the thread does not keep the process alive; a request waiting for it does.
    worker.unref();
  }

  private stop(error: Error): void {
    this.stopped ??= error;
    this.closed = true;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  private call<T>(request: Request): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, ...request });
    });
  }

  /** Rows always come as objects (Kysely's `rowMode: 'object'`, the only mode it asks for). */
  query<T>(sql: string, params?: unknown[]): Promise<PGliteQueryResults<T>> {
    return this.queryIn<T>(undefined, sql, params);
  }

  private queryIn<T>(
    tx: number | undefined,
    sql: string,
    params?: unknown[],
  ): Promise<PGliteQueryResults<T>> {
    return this.call<{ rows: T[]; affectedRows?: number }>({ op: 'query', sql, params, tx }).then(
      ({ rows, affectedRows }) => ({ rows, affectedRows, fields: [] }),
    );
  }

  async transaction<T>(callback: (tx: PGliteTransaction) => Promise<T>): Promise<T> {
    const id = await this.call<number>({ op: 'begin' });
    const tx: PGliteTransaction = {
      query: <R>(sql: string, params?: unknown[]) => this.queryIn<R>(id, sql, params),
      rollback: () => Promise.reject(new Error('Roll back by throwing from the transaction.')),
    };
    let result: T;
    try {
      result = await callback(tx);
    } catch (error) {
      await this.call({ op: 'end', tx: id, commit: false }).catch(() => undefined);
      throw error;
    }
    await this.call({ op: 'end', tx: id, commit: true });
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.call({ op: 'close' });
    } finally {
      this.closed = true;
      await this.worker.terminate();
    }
  }
}

/**
 * Opens (creating if needed) the PGlite database in `dataDir` on its own thread, every commit synced
 * to disk; resolves once PostgreSQL has started there.
 */
export async function openPgliteThread(dataDir: string): Promise<PGlite> {
  prepareDataFolder(dataDir);
  const worker = new Worker(THREAD_SCRIPT, { workerData: { dataDir } });
  try {
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new Error(`The database thread exited (code ${code}) while opening.`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (message: { ready: boolean; error?: ErrorFields }) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (message.ready) resolve();
        else reject(errorFrom(message.error ?? { name: 'Error', message: 'PGlite did not start.' }));
      });
    });
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return new PgliteThread(worker);
}
