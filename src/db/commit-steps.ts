import type { Tx } from './connection.ts';

/**
 * Work that a transaction gathers while it runs and does once, just before it commits: the audit
 * trail's single write (one lock of the chain head, one insert) instead of one per call. Only
 * transactions opened through `Database.transaction` have steps; elsewhere `commitStep` answers
 * undefined and the caller does its work at once, so nothing is ever left unwritten.
 */
export interface CommitStep {
  run(): Promise<void>;
}

const openTransactions = new WeakMap<Tx, Map<symbol, CommitStep>>();

/** The step registered under `key` for this transaction, made by `create` on first use. */
export function commitStep<S extends CommitStep>(trx: Tx, key: symbol, create: () => S): S | undefined {
  const steps = openTransactions.get(trx);
  if (!steps) return undefined;
  let step = steps.get(key) as S | undefined;
  if (!step) {
    step = create();
    steps.set(key, step);
  }
  return step;
}

/**
 * Runs `work` in the transaction, then its gathered steps in the order they were first asked for.
 * A step registered while the steps run (none does today) would run too; once they are done, the
 * transaction takes no more, so a step asked for afterwards is done at once by its caller.
 */
export async function withCommitSteps<T>(trx: Tx, work: (trx: Tx) => Promise<T>): Promise<T> {
  const steps = new Map<symbol, CommitStep>();
  openTransactions.set(trx, steps);
  try {
    const result = await work(trx);
    for (const step of steps.values()) await step.run();
    return result;
  } finally {
    openTransactions.delete(trx);
  }
}
