import type { Database, Db, Tx } from './connection.ts';

/**
 * A Database whose transactions, while a batch is open, all run inside the batch's one transaction:
 * for bulk writers (the synthetic trial) that call the services many times and want one commit, and
 * one audit write, per batch instead of one per service call. Each service still runs its checks and
 * records its audit events; the events of the whole batch are written together just before its
 * commit (commit-steps.ts), in the order they were recorded, so the chain is the same one. An error
 * rolls the whole batch back: a bulk writer that stops on the first error, as the demo does, loses
 * only the unfinished batch. Outside a batch every call goes straight to the database.
 */
export class TransactionBatches implements Database {
  private open: Tx | undefined;

  constructor(private readonly database: Database) {}

  get kind() {
    return this.database.kind;
  }

  get kysely() {
    return this.database.kysely;
  }

  transaction<T>(work: (trx: Tx) => Promise<T>): Promise<T> {
    return this.open ? work(this.open) : this.database.transaction(work);
  }

  read<T>(work: (db: Db) => Promise<T>): Promise<T> {
    return this.open ? work(this.open) : this.database.read(work);
  }

  /** Runs `work` with every transaction and read of this Database inside one transaction. */
  batch<T>(work: () => Promise<T>): Promise<T> {
    if (this.open) throw new Error('a batch is already open');
    return this.database.transaction(async (trx) => {
      this.open = trx;
      try {
        return await work();
      } finally {
        this.open = undefined;
      }
    });
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
