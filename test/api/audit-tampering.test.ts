import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { verifyStudyChain } from '../../src/audit/audit.query.ts';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { auditEventHash } from '../../src/audit/audit-hash.ts';
import { hashedForm, type StoredAuditEvent } from '../../src/audit/verify.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { type Database, openDatabase } from '../../src/db/connection.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { exotrial } from '../support/cli.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

// Several cases spawn the CLI (Node + tsx compiling the sources) more than once: as the spawn's own
// limit in test/support/cli.ts, allow for a loaded machine.
vi.setConfig({ testTimeout: 240_000 });

/**
 * Tampering by someone with direct database access: the trigger is disabled (as a DBA could), a
 * row is changed, deleted or forged, and `exotrial audit verify` must exit 1 naming the first broken
 * sequence number. Each case is undone afterwards so the next starts from an intact chain.
 */
describeEachDatabase('audit trail tampering', (kind) => {
  let target: TestTarget;
  let studyId: string;
  const figures = { cases: 0, detected: 0 };

  const withDatabase = async <T>(work: (database: Database) => Promise<T>): Promise<T> => {
    const database = await openDatabase(target.target);
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  };
  /** Runs raw SQL with the append-only trigger disabled, as a tamperer would. */
  const tamper = (statements: Array<ReturnType<typeof sql>>) =>
    withDatabase((database) =>
      database.transaction(async (trx) => {
        await sql`alter table audit_event disable trigger audit_event_append_only`.execute(trx);
        for (const statement of statements) await statement.execute(trx);
        await sql`alter table audit_event enable trigger audit_event_append_only`.execute(trx);
      }),
    );
  const verify = () => exotrial(['audit', 'verify'], { target: target.target });
  /** After undoing a tampering: intact again (checked in-process; the CLI is exercised on the breaks). */
  const expectIntact = async () => {
    const result = await withDatabase((database) => verifyStudyChain(database, studyId));
    expect(result.firstBreak).toBeNull();
  };
  const expectBrokenAt = (seq: number) => {
    figures.cases += 1;
    const result = verify();
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain(`BROKEN at seq ${seq}:`);
    figures.detected += 1;
  };

  beforeAll(async () => {
    target = await freshTarget(kind);
    await withDatabase(async (database) => {
      ({ studyId } = await bootstrap(database, testConfig(target.target), pino({ level: 'silent' })));
      for (const name of ['ada', 'ben', 'chen']) {
        await database.transaction((trx) =>
          createUser(trx, studyId, systemActor('test'), {
            email: `${name}@example.org`,
            name,
            password: 'a sufficiently long password',
            roles: ['monitor'],
            siteIds: [],
          }),
        );
      }
    });
  });
  afterAll(async () => {
    console.info(`[${kind}] tampering cases: ${figures.cases}, detected: ${figures.detected}`);
    await target?.dispose();
  });

  it('verifies an intact trail: exit 0', async () => {
    const result = verify();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Audit trail intact: \d+ events/);
    const events = await withDatabase((database) => verifyStudyChain(database, studyId));
    expect(events.intact).toBe(true);
    expect(events.events).toBeGreaterThanOrEqual(6);
  });

  it('the trigger still refuses UPDATE and DELETE without being disabled', async () => {
    await expect(
      withDatabase((database) =>
        database.transaction((trx) => sql`update audit_event set reason = 'x' where seq = 2`.execute(trx)),
      ),
    ).rejects.toThrow(/append-only/);
  });

  it('detects a changed row and names it', async () => {
    const rowAt = (seq: number) =>
      withDatabase((database) =>
        database.read((db) =>
          db.selectFrom('audit_event').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow(),
        ),
      );
    const third = await rowAt(3);
    const fourth = await rowAt(4);
    await tamper([sql`update audit_event set actor_label = 'mallory@example.org' where seq = 3`]);
    expectBrokenAt(3);
    await tamper([
      sql`update audit_event set actor_label = ${third.actor_label} where seq = 3`,
      sql`update audit_event set new_value = '{"roles":["administrator"]}'::jsonb where seq = 4`,
    ]);
    expectBrokenAt(4);
    await tamper([
      sql`update audit_event set new_value = ${JSON.stringify(fourth.new_value)}::jsonb where seq = 4`,
    ]);
    await expectIntact();
  });

  it('detects a changed row whose hash the tamperer recomputed, at the next link', async () => {
    const row = (await withDatabase((database) =>
      database.read((db) =>
        db.selectFrom('audit_event').selectAll().where('seq', '=', 2).executeTakeFirstOrThrow(),
      ),
    )) as StoredAuditEvent;
    const forgedHash = auditEventHash(row.prev_hash, hashedForm({ ...row, reason: 'forged reason' }));
    await tamper([sql`update audit_event set reason = 'forged reason', hash = ${forgedHash} where seq = 2`]);
    expectBrokenAt(3);
    await tamper([sql`update audit_event set reason = ${row.reason}, hash = ${row.hash} where seq = 2`]);
    await expectIntact();
  });

  it('detects a deleted row, in the middle and at the end', async () => {
    await tamper([
      sql`create table audit_event_saved as select * from audit_event where seq = 5`,
      sql`delete from audit_event where seq = 5`,
    ]);
    expectBrokenAt(5);
    await tamper([
      sql`insert into audit_event select * from audit_event_saved`,
      sql`drop table audit_event_saved`,
    ]);
    await expectIntact();

    const last = await withDatabase((database) =>
      database.read((db) =>
        db
          .selectFrom('audit_chain_head')
          .select('seq')
          .where('study_id', '=', studyId)
          .executeTakeFirstOrThrow(),
      ),
    );
    await tamper([
      sql`create table audit_event_saved as select * from audit_event where seq = ${last.seq}`,
      sql`delete from audit_event where seq = ${last.seq}`,
    ]);
    expectBrokenAt(last.seq);
    await tamper([
      sql`insert into audit_event select * from audit_event_saved`,
      sql`drop table audit_event_saved`,
    ]);
    await expectIntact();
  });

  it('detects an inserted event, even with a correctly computed hash', async () => {
    const last = (await withDatabase((database) =>
      database.read((db) =>
        db.selectFrom('audit_event').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow(),
      ),
    )) as StoredAuditEvent;
    const seq = Number(last.seq) + 1;
    const forged: StoredAuditEvent = {
      ...last,
      seq,
      event_id: '00000000-0000-4000-8000-000000000bad',
      action: 'user.update',
      prev_hash: last.hash,
    };
    const hash = auditEventHash(last.hash, hashedForm(forged));
    await tamper([
      sql`insert into audit_event (study_id, seq, event_id, occurred_at, actor_type, actor_id, actor_label, action,
            entity_type, entity_id, field, old_value, new_value, reason, context, prev_hash, hash)
          values (${studyId}, ${seq}, ${forged.event_id}, ${new Date(last.occurred_at)}, ${forged.actor_type},
            ${forged.actor_id}, ${forged.actor_label}, ${forged.action}, ${forged.entity_type}, ${forged.entity_id},
            ${forged.field}, ${JSON.stringify(forged.old_value)}::jsonb, ${JSON.stringify(forged.new_value)}::jsonb,
            ${forged.reason}, ${JSON.stringify(forged.context)}::jsonb, ${forged.prev_hash}, ${hash})`,
    ]);
    expectBrokenAt(seq);
    await tamper([sql`delete from audit_event where seq = ${seq}`]);
    await expectIntact();
  });

  it('exports the trail as CSV and JSON with every event and its hash', () => {
    const out = join(tmpdir(), `exotrial-audit-${kind}-${Date.now()}.json`);
    try {
      const json = exotrial(['audit', 'export', '--format', 'json', '--out', out], { target: target.target });
      expect(json.code, json.stderr).toBe(0);
      const events = JSON.parse(readFileSync(out, 'utf8')) as Array<{ seq: number; hash: string }>;
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
      expect(events.every((event) => /^[0-9a-f]{64}$/.test(event.hash))).toBe(true);
      const csv = exotrial(['audit', 'export', '--format', 'csv'], { target: target.target });
      expect(csv.code, csv.stderr).toBe(0);
      const lines = csv.stdout.trimEnd().split('\r\n');
      expect(lines[0]).toMatch(/^seq,eventId,occurredAt,/);
      expect(lines).toHaveLength(events.length + 1);
      expect(exotrial(['audit', 'export', '--format', 'xml'], { target: target.target }).code).toBe(1);
    } finally {
      rmSync(out, { force: true });
    }
  });
});
