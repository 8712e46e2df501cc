import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type TestApp } from '../../test/support/test-app.ts';
import { verifyStudyChain } from '../audit/audit.query.ts';
import { systemActor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database } from './connection.ts';
import { TransactionBatches } from './transaction-batch.ts';

describeEachDatabase('transaction batches', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
    await t.database.transaction((trx) =>
      sql`create table batch_probe (label text primary key)`.execute(trx),
    );
  }, 120_000);
  afterAll(async () => t?.close());

  /** One service-like call: a row and its audit event in one transaction. */
  const write = (database: Database, label: string) =>
    database.transaction(async (trx) => {
      await sql`insert into batch_probe (label) values (${label})`.execute(trx);
      await recordAudit(trx, t.studyId, systemActor('batch test'), {
        action: 'export.run',
        entityType: 'batch_probe',
        entityId: label,
      });
    });
  const labels = (database: Database) =>
    database.read(async (db) =>
      (await sql<{ label: string }>`select label from batch_probe order by label`.execute(db)).rows.map(
        (row) => row.label,
      ),
    );
  const auditedLabels = async () =>
    (
      await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['entity_id', 'seq'])
          .where('study_id', '=', t.studyId)
          .where('entity_type', '=', 'batch_probe')
          .orderBy('seq')
          .execute(),
      )
    ).map((row) => row.entity_id);

  it('commits the calls of a batch together, their audit events in one gapless chain', async () => {
    const batches = new TransactionBatches(t.database);
    await batches.batch(async () => {
      await write(batches, 'a1');
      await write(batches, 'a2');
      // Reads inside the batch see its own writes.
      expect(await labels(batches)).toEqual(['a1', 'a2']);
    });
    expect(await labels(t.database)).toEqual(['a1', 'a2']);
    expect(await auditedLabels()).toEqual(['a1', 'a2']);
    const chain = await verifyStudyChain(t.database, t.studyId);
    expect(chain.firstBreak).toBeNull();
    expect(chain.intact).toBe(true);
  });

  it('rolls the whole batch back, audit events included, when a call fails', async () => {
    const batches = new TransactionBatches(t.database);
    await expect(
      batches.batch(async () => {
        await write(batches, 'b1');
        await write(batches, 'b1');
      }),
    ).rejects.toThrow();
    expect(await labels(t.database)).toEqual(['a1', 'a2']);
    expect(await auditedLabels()).toEqual(['a1', 'a2']);
    expect((await verifyStudyChain(t.database, t.studyId)).intact).toBe(true);
  });

  it('outside a batch, each call is its own transaction; batches do not nest', async () => {
    const batches = new TransactionBatches(t.database);
    await write(batches, 'c1');
    await expect(write(batches, 'c1')).rejects.toThrow();
    expect(await labels(t.database)).toEqual(['a1', 'a2', 'c1']);
    await expect(batches.batch(() => batches.batch(async () => undefined))).rejects.toThrow(
      'a batch is already open',
    );
    expect(await auditedLabels()).toEqual(['a1', 'a2', 'c1']);
  });
});
