// A batch groups many service transactions into one enclosing transaction (the demo writes through it).
// Each inner transaction still behaves as one: its audit events are written when its work ends, and a
// failure rolls back its own rows and events only. The batch commits once, or nothing of it is kept.
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyStudyChain } from '../../src/audit/audit.query.ts';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { recordAudit } from '../../src/audit/audit.service.ts';
import { BatchingDatabase } from '../../src/db/batch.ts';
import { type Database, openDatabase } from '../../src/db/connection.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

describeEachDatabase('batched transactions', (kind) => {
  let target: TestTarget;
  let database: Database;
  let studyId: string;

  beforeAll(async () => {
    target = await freshTarget(kind);
    database = await openDatabase(target.target);
    ({ studyId } = await bootstrap(database, testConfig(target.target), pino({ level: 'silent' })));
  });

  afterAll(async () => {
    await database.close();
    await target.dispose();
  });

  /** Writes a site row and its audit event in one (inner) transaction, failing after both when asked. */
  const writeSite = (batch: Database, code: string, fail = false) =>
    batch.transaction(async (trx) => {
      await trx
        .insertInto('site')
        .values({
          study_id: studyId,
          site_id: `batch-${code}`,
          code,
          name: JSON.stringify({ en: code }),
          time_zone: 'Asia/Shanghai',
          created_at: new Date(),
        })
        .execute();
      await recordAudit(trx, studyId, systemActor('batch test'), {
        action: 'site.create',
        entityType: 'site',
        entityId: `batch-${code}`,
      });
      if (fail) throw new Error(`refused ${code}`);
    });

  const sitesLike = (prefix: string) =>
    database.read(async (db) =>
      (
        await db
          .selectFrom('site')
          .select('code')
          .where('study_id', '=', studyId)
          .where('code', 'like', `${prefix}%`)
          .orderBy('code')
          .execute()
      ).map((row) => row.code),
    );
  const eventsFor = (prefix: string) =>
    database.read(async (db) =>
      (
        await db
          .selectFrom('audit_event')
          .select('entity_id')
          .where('study_id', '=', studyId)
          .where('entity_id', 'like', `batch-${prefix}%`)
          .orderBy('seq')
          .execute()
      ).map((row) => row.entity_id),
    );

  it('keeps the inner transactions that succeed and drops the one that failed, rows and events alike', async () => {
    const batch = new BatchingDatabase(database);
    const seen = await batch.batch(async () => {
      await writeSite(batch, 'A1');
      await expect(writeSite(batch, 'A2', true)).rejects.toThrow('refused A2');
      await writeSite(batch, 'A3');
      // Reads inside the batch see what it has written so far.
      return batch.read(async (db) =>
        (
          await db.selectFrom('site').select('code').where('code', 'like', 'A%').orderBy('code').execute()
        ).map((row) => row.code),
      );
    });
    expect(seen).toEqual(['A1', 'A3']);
    expect(await sitesLike('A')).toEqual(['A1', 'A3']);
    expect(await eventsFor('A')).toEqual(['batch-A1', 'batch-A3']);
    expect((await verifyStudyChain(database, studyId)).firstBreak).toBeNull();
  });

  it('keeps nothing of a batch that fails, and works as the plain database outside a batch', async () => {
    const batch = new BatchingDatabase(database);
    await expect(
      batch.batch(async () => {
        await writeSite(batch, 'B1');
        throw new Error('the batch stops');
      }),
    ).rejects.toThrow('the batch stops');
    expect(await sitesLike('B')).toEqual([]);
    expect(await eventsFor('B')).toEqual([]);
    await writeSite(batch, 'C1');
    expect(await sitesLike('C')).toEqual(['C1']);
    expect((await verifyStudyChain(database, studyId)).firstBreak).toBeNull();
  });

  it('refuses two inner transactions at once instead of interleaving them', async () => {
    const batch = new BatchingDatabase(database);
    await expect(
      batch.batch(async () => {
        await Promise.all([writeSite(batch, 'D1'), writeSite(batch, 'D2')]);
      }),
    ).rejects.toThrow(/one at a time/);
    expect(await sitesLike('D')).toEqual([]);
  });
});
