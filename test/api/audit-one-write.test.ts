// The audit trail is written once per transaction: events recorded by several calls are gathered and
// appended together just before the commit, in the order they were recorded, each with its own actor;
// a transaction that fails writes none; and the chain head is locked only at the end, so a long
// transaction does not hold up other writers while it works (PostgreSQL, where they run in parallel).
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyStudyChain } from '../../src/audit/audit.query.ts';
import { type AuditInput, systemActor } from '../../src/audit/audit.schema.ts';
import { recordAudit } from '../../src/audit/audit.service.ts';
import { type Database, openDatabase } from '../../src/db/connection.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

describeEachDatabase('one audit write per transaction', (kind) => {
  let target: TestTarget;
  let database: Database;
  let studyId: string;

  const headSeq = async () =>
    (
      await database.read((db) =>
        db
          .selectFrom('audit_chain_head')
          .select('seq')
          .where('study_id', '=', studyId)
          .executeTakeFirstOrThrow(),
      )
    ).seq;
  // Any action the server writes will do: the writer treats them all alike.
  const event = (entityId: string): AuditInput => ({ action: 'export.run', entityType: 'probe', entityId });

  beforeAll(async () => {
    target = await freshTarget(kind);
    database = await openDatabase(target.target);
    ({ studyId } = await bootstrap(database, testConfig(target.target), pino({ level: 'silent' })));
  });

  afterAll(async () => {
    await database.close();
    await target.dispose();
  });

  it('gathers the events of several calls and appends them at commit, in order, with their actors', async () => {
    const before = await headSeq();
    const seenInside = await database.transaction(async (trx) => {
      await recordAudit(trx, studyId, systemActor('first'), event('a'));
      await recordAudit(trx, studyId, systemActor('second'), [event('b'), event('c')]);
      await recordAudit(trx, studyId, systemActor('first'), []);
      // Not yet written: the chain is appended to once, after the transaction's own work.
      const inside = await trx
        .selectFrom('audit_event')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('study_id', '=', studyId)
        .where('seq', '>', before)
        .executeTakeFirstOrThrow();
      return Number(inside.count);
    });
    expect(seenInside).toBe(0);
    const rows = await database.read((db) =>
      db
        .selectFrom('audit_event')
        .select(['seq', 'entity_id', 'actor_label', 'occurred_at'])
        .where('study_id', '=', studyId)
        .where('seq', '>', before)
        .orderBy('seq')
        .execute(),
    );
    expect(rows.map((row) => [row.seq, row.entity_id, row.actor_label])).toEqual([
      [before + 1, 'a', 'first'],
      [before + 2, 'b', 'second'],
      [before + 3, 'c', 'second'],
    ]);
    expect(await headSeq()).toBe(before + 3);
    expect((await verifyStudyChain(database, studyId)).firstBreak).toBeNull();
  });

  it('writes nothing for a transaction that fails after recording', async () => {
    const before = await headSeq();
    await expect(
      database.transaction(async (trx) => {
        await recordAudit(trx, studyId, systemActor(), event('lost'));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await headSeq()).toBe(before);
    expect((await verifyStudyChain(database, studyId)).firstBreak).toBeNull();
  });

  it('writes at once in a transaction not opened through Database.transaction', async () => {
    const before = await headSeq();
    const seenInside = await database.kysely.transaction().execute(async (trx) => {
      await recordAudit(trx, studyId, systemActor(), event('direct'));
      const row = await trx
        .selectFrom('audit_chain_head')
        .select('seq')
        .where('study_id', '=', studyId)
        .executeTakeFirstOrThrow();
      return row.seq;
    });
    expect(seenInside).toBe(before + 1);
    expect((await verifyStudyChain(database, studyId)).firstBreak).toBeNull();
  });

  it.runIf(kind === 'postgres')(
    'does not hold the chain head while the transaction works: another writer commits meanwhile',
    async () => {
      const before = await headSeq();
      let releaseSlow: () => void = () => undefined;
      const slowMayFinish = new Promise<void>((resolve) => {
        releaseSlow = resolve;
      });
      let slowRecorded: () => void = () => undefined;
      const slowHasRecorded = new Promise<void>((resolve) => {
        slowRecorded = resolve;
      });
      const slow = database.transaction(async (trx) => {
        await recordAudit(trx, studyId, systemActor('slow'), event('slow'));
        await sql`select 1`.execute(trx);
        slowRecorded();
        await slowMayFinish;
      });
      await slowHasRecorded;
      // The slow transaction has recorded its event and is still open: this one must not wait for it.
      await database.transaction((trx) => recordAudit(trx, studyId, systemActor('quick'), event('quick')));
      releaseSlow();
      await slow;
      const rows = await database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['seq', 'entity_id'])
          .where('study_id', '=', studyId)
          .where('seq', '>', before)
          .orderBy('seq')
          .execute(),
      );
      expect(rows.map((row) => row.entity_id)).toEqual(['quick', 'slow']);
      expect((await verifyStudyChain(database, studyId)).firstBreak).toBeNull();
    },
  );
});
