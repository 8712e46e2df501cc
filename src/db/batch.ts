import { sql } from 'kysely';
import { withCommitSteps } from './commit-steps.ts';
import type { Database, Db, Tx } from './connection.ts';

/**
 * A database whose transactions can be grouped, for bulk writers (the demo) where one commit per
 * service call, each with its fsync, dominates. Inside `batch(work)`, every transaction a service
 * opens runs as a savepoint of one enclosing transaction: its audit events are gathered and written
 * when its work ends (one write, as in a transaction of its own), and a failure rolls back its own
 * writes and events only, so a caller that catches the error goes on as if that transaction had
 * never run. The batch commits once at its end, or nothing of it does. Outside a batch it is the
 * database itself. The services, their checks, audit events and signatures are the same either way.
 */
export class BatchingDatabase implements Database {
  private outer: Tx | undefined;
  private savepoints = 0;
  /** The savepoint's work running now: transactions inside one batch run one at a time. */
  private running: Promise<unknown> | undefined;

  constructor(private readonly inner: Database) {}

  get kind() {
    return this.inner.kind;
  }

  get kysely(): Db {
    return this.inner.kysely;
  }

  /** Runs `work` with every transaction of the services it calls inside one enclosing transaction. */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    if (this.outer) throw new Error('Batches do not nest.');
    return this.inner.transaction(async (trx) => {
      this.outer = trx;
      try {
        return await work();
      } finally {
        // Work that returned (or threw) without awaiting an inner transaction must not see the
        // enclosing one commit or roll back under it: its statements would then run outside it.
        await this.running?.catch(() => undefined);
        this.outer = undefined;
      }
    });
  }

  async transaction<T>(work: (trx: Tx) => Promise<T>): Promise<T> {
    const outer = this.outer;
    if (!outer) return this.inner.transaction(work);
    if (this.running) {
      throw new Error('Transactions inside a batch run one at a time: await each before the next.');
    }
    const running = this.inSavepoint(outer, work);
    this.running = running;
    try {
      return await running;
    } finally {
      this.running = undefined;
    }
  }

  private async inSavepoint<T>(outer: Tx, work: (trx: Tx) => Promise<T>): Promise<T> {
    const name = sql.id(`batch_${++this.savepoints}`);
    await sql`savepoint ${name}`.execute(outer);
    try {
      const result = await withCommitSteps(outer, work);
      await sql`release savepoint ${name}`.execute(outer);
      return result;
    } catch (error) {
      await sql`rollback to savepoint ${name}`.execute(outer);
      throw error;
    }
  }

  read<T>(work: (db: Db) => Promise<T>): Promise<T> {
    // Inside a batch, reads see what the batch has written so far.
    return this.outer ? work(this.outer) : this.inner.read(work);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
