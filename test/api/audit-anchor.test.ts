import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AnchorLine, anchorImprint, parseAnchorFile, writeAnchor } from '../../src/audit/anchor.ts';
import { startAnchorSchedule } from '../../src/audit/anchor-schedule.ts';
import { verifyAgainstAnchors } from '../../src/audit/anchor-verify.ts';
import { verifyStudyChain } from '../../src/audit/audit.query.ts';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { auditEventHash } from '../../src/audit/audit-hash.ts';
import { hashedForm, type StoredAuditEvent } from '../../src/audit/verify.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { type Database, openDatabase } from '../../src/db/connection.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { exotrial } from '../support/cli.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

/**
 * The chain alone cannot show a cut tail or a chain rewritten with recomputed hashes: both verify.
 * An anchor kept outside the database can. Tampering goes around the append-only trigger, as a
 * database administrator could (see audit-tampering.test.ts), and the head row is fixed up too.
 */
describeEachDatabase('audit anchors outside the database', (kind) => {
  let target: TestTarget;
  let studyId: string;
  let folder: string;
  let users = 0;

  const withDatabase = async <T>(work: (database: Database) => Promise<T>): Promise<T> => {
    const database = await openDatabase(target.target);
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  };
  const createUsers = async (database: Database, count: number) => {
    for (let index = 0; index < count; index += 1) {
      users += 1;
      await database.transaction((trx) =>
        createUser(trx, studyId, systemActor('test'), {
          email: `user${users}@example.org`,
          name: `User ${users}`,
          password: 'a sufficiently long password',
          roles: ['monitor'],
          siteIds: [],
        }),
      );
    }
  };
  const addEvents = (count: number) => withDatabase((database) => createUsers(database, count));
  const allEvents = () =>
    withDatabase(
      (database) =>
        database.read((db) => db.selectFrom('audit_event').selectAll().orderBy('seq').execute()) as Promise<
          StoredAuditEvent[]
        >,
    );
  /** Runs raw SQL with the append-only trigger disabled, as a tamperer would. */
  const tamper = (statements: Array<ReturnType<typeof sql>>) =>
    withDatabase((database) =>
      database.transaction(async (trx) => {
        await sql`alter table audit_event disable trigger audit_event_append_only`.execute(trx);
        for (const statement of statements) await statement.execute(trx);
        await sql`alter table audit_event enable trigger audit_event_append_only`.execute(trx);
      }),
    );
  const cli = (args: string[]) => exotrial(['audit', ...args], { target: target.target });
  // In-process, where the command line adds nothing to what is shown: each CLI run starts a process.
  const anchorNow = (file: string) => withDatabase((database) => writeAnchor(database, studyId, { file }));
  const check = (file: string) =>
    withDatabase((database) =>
      verifyAgainstAnchors(database, studyId, parseAnchorFile(readFileSync(file, 'utf8'), file)),
    );
  const chainIntact = async () =>
    (await withDatabase((database) => verifyStudyChain(database, studyId))).intact;
  const anchorFile = (name: string) => join(folder, name);

  beforeAll(async () => {
    target = await freshTarget(kind);
    folder = mkdtempSync(join(tmpdir(), 'exotrial-anchor-'));
    await withDatabase(async (database) => {
      ({ studyId } = await bootstrap(database, testConfig(target.target), pino({ level: 'silent' })));
      await createUsers(database, 3);
    });
  }, 300_000);
  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await target?.dispose();
  });

  it('anchors the head to a 0600 file and verifies an intact chain, duplicates included', async () => {
    const file = anchorFile('intact.jsonl');
    const first = cli(['anchor', '--file', file]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const events = await allEvents();
    const last = events.at(-1);
    const line = JSON.parse(readFileSync(file, 'utf8').trim()) as AnchorLine;
    expect(line).toMatchObject({ studyId, seq: Number(last?.seq), hash: last?.hash });
    expect(first.stdout).toContain(`Anchored seq ${line.seq}`);
    // The same head anchored again (two servers on one PostgreSQL) and a later head.
    await anchorNow(file);
    await addEvents(1);
    await anchorNow(file);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
    const verified = cli(['verify', '--anchors', file]);
    expect(verified.stdout).toMatch(/Audit trail intact: \d+ events.*; 2 anchors match/);
    expect(verified.code).toBe(0);
  }, 300_000);

  it('finds a cut tail that the chain alone does not show', async () => {
    const file = anchorFile('cut.jsonl');
    await addEvents(3);
    await anchorNow(file);
    const events = await allEvents();
    const keep = events.at(-4);
    const last = events.at(-1);
    if (!keep || !last) throw new Error('too few events');
    await tamper([
      sql`create table audit_event_saved as select * from audit_event where seq > ${keep.seq}`,
      sql`delete from audit_event where seq > ${keep.seq}`,
      sql`update audit_chain_head set seq = ${keep.seq}, hash = ${keep.hash} where study_id = ${studyId}`,
    ]);
    try {
      expect(await chainIntact()).toBe(true);
      const result = cli(['verify', '--anchors', file]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`Audit trail BROKEN: event ${last.seq}, anchored `);
      expect(result.stdout).toContain('is missing: the trail was cut after it was anchored');
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
    } finally {
      await tamper([
        sql`insert into audit_event select * from audit_event_saved`,
        sql`drop table audit_event_saved`,
        sql`update audit_chain_head set seq = ${last.seq}, hash = ${last.hash} where study_id = ${studyId}`,
      ]);
    }
    expect((await check(file)).problems).toEqual([]);
  }, 300_000);

  it('finds a whole chain rewritten with recomputed hashes', async () => {
    const file = anchorFile('rewrite.jsonl');
    await anchorNow(file);
    const events = await allEvents();
    // Every event rewritten from seq 2 on: a changed reason, hashes recomputed link by link.
    let previous = events[0]?.hash ?? '';
    const forged = events.map((event) => {
      if (Number(event.seq) === 1) return event;
      const changed = { ...event, reason: 'rewritten', prev_hash: previous };
      changed.hash = auditEventHash(previous, hashedForm(changed));
      previous = changed.hash;
      return changed;
    });
    const writeRows = (rows: StoredAuditEvent[]) =>
      rows
        .filter((row) => Number(row.seq) > 1)
        .map(
          (row) =>
            sql`update audit_event set reason = ${row.reason}, prev_hash = ${row.prev_hash}, hash = ${row.hash}
                where study_id = ${studyId} and seq = ${row.seq}`,
        );
    const head = (row: StoredAuditEvent | undefined) =>
      sql`update audit_chain_head set hash = ${row?.hash} where study_id = ${studyId}`;
    await tamper([...writeRows(forged), head(forged.at(-1))]);
    try {
      expect(await chainIntact()).toBe(true);
      const result = await check(file);
      expect(result.chain.intact).toBe(true);
      expect(result.problems).toEqual([
        expect.stringMatching(
          new RegExp(
            `^event ${events.at(-1)?.seq}, anchored .*, has a different hash now: the chain up to it was rewritten$`,
          ),
        ),
      ]);
    } finally {
      await tamper([...writeRows(events), head(events.at(-1))]);
    }
    expect((await check(file)).problems).toEqual([]);
  }, 300_000);

  it('refuses to anchor a broken chain', async () => {
    const file = anchorFile('broken.jsonl');
    const original = (await allEvents())[1];
    await tamper([sql`update audit_event set reason = 'edited' where seq = 2`]);
    try {
      await expect(anchorNow(file)).rejects.toThrow(/does not verify \(seq 2: .*nothing was anchored/);
      expect(() => statSync(file)).toThrow();
    } finally {
      await tamper([sql`update audit_event set reason = ${original?.reason ?? null} where seq = 2`]);
    }
    expect(await chainIntact()).toBe(true);
  }, 300_000);

  it('a malformed anchor file is a one-line error', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['text.jsonl', 'not json at all\n', /text\.jsonl line 1 is not JSON/],
      ['shape.jsonl', '\n{"studyId":"x","seq":-1}\n', /shape\.jsonl line 2 is not an anchor \(seq: /],
      ['empty.jsonl', '\n\n', /empty\.jsonl holds no anchor/],
    ];
    for (const [name, content, message] of cases) {
      writeFileSync(anchorFile(name), content);
      expect(() => parseAnchorFile(content, anchorFile(name))).toThrow(message);
    }
    const result = cli(['verify', '--anchors', anchorFile('text.jsonl')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /text\.jsonl line 1 is not JSON: an anchor file holds one JSON object a line\./,
    );
  }, 300_000);

  it('an edited anchor line or one of another study is reported', async () => {
    const file = anchorFile('edited.jsonl');
    const line = await anchorNow(file);
    writeFileSync(
      file,
      `${JSON.stringify({ ...line, anchoredAt: '2020-01-01T00:00:00.000Z' })}\n${JSON.stringify({ ...line, studyId: 'another' })}\n`,
    );
    expect((await check(file)).problems).toEqual([
      'line 1: the anchor was edited (its imprint does not match its content)',
      `line 2: anchors study another, but this database holds study ${studyId}`,
    ]);
  }, 300_000);

  it('the server timer anchors at start and at every interval, on its clock', async () => {
    const file = anchorFile('timer.jsonl');
    const at = new Date('2026-12-04T03:00:00.000Z');
    await withDatabase(async (database) => {
      const schedule = startAnchorSchedule({
        database,
        studyId,
        file,
        tsaUrl: undefined,
        logger: pino({ level: 'silent' }),
        intervalMs: 25,
        clock: () => at,
      });
      const deadline = Date.now() + 20_000;
      while (readLines(file).length < 3 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await schedule.stop();
    });
    const lines = readLines(file);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.every((line) => line.anchoredAt === at.toISOString())).toBe(true);
    expect((await check(file)).problems).toEqual([]);
  }, 300_000);

  it('stamps the anchor through an RFC 3161 authority (a local openssl TSA)', async () => {
    const tsa = await localTimeStampAuthority(folder);
    try {
      const file = anchorFile('stamped.jsonl');
      const line = await withDatabase((database) =>
        writeAnchor(database, studyId, { file, tsaUrl: tsa.url }),
      );
      expect(line.timeStampError).toBeUndefined();
      expect(tsa.requests).toHaveLength(1);
      expect(tsa.requests[0]?.contentType).toBe('application/timestamp-query');
      // The authority stamped exactly the anchor's imprint: openssl verifies the stored reply against it.
      const imprint = anchorImprint(line).toString('hex');
      expect(line.imprint).toBe(imprint);
      const reply = join(folder, 'reply.tsr');
      writeFileSync(reply, Buffer.from(line.timeStamp?.response ?? '', 'base64'));
      const verified = execFileSync(
        'openssl',
        ['ts', '-verify', '-digest', imprint, '-in', reply, '-CAfile', tsa.certificate],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      expect(verified).toContain('Verification: OK');
      const wrong = createHash('sha256').update('another anchor').digest('hex');
      expect(() =>
        execFileSync(
          'openssl',
          ['ts', '-verify', '-digest', wrong, '-in', reply, '-CAfile', tsa.certificate],
          {
            stdio: 'ignore',
          },
        ),
      ).toThrow();
      // A refusing authority: the anchor is still written, with the reason.
      const refused = await withDatabase((database) =>
        writeAnchor(database, studyId, { file, tsaUrl: `${tsa.url}refuse` }),
      );
      expect(refused.timeStamp).toBeUndefined();
      expect(refused.timeStampError).toBe('the time-stamp authority answered HTTP 503');
      expect(readLines(file)).toHaveLength(2);
    } finally {
      await tsa.close();
    }
  }, 300_000);
});

function readLines(file: string): AnchorLine[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as AnchorLine);
  } catch {
    return [];
  }
}

/**
 * A time-stamp authority on localhost: openssl's own `ts -reply` with a throw-away key and a
 * certificate for time stamping. No real authority is contacted (there is no network here).
 */
async function localTimeStampAuthority(folder: string) {
  const dir = mkdtempSync(join(folder, 'tsa-'));
  const config = join(dir, 'tsa.cnf');
  writeFileSync(
    config,
    [
      '[ req ]',
      'distinguished_name = dn',
      'prompt = no',
      '[ dn ]',
      'CN = exotrial test time-stamp authority',
      '[ tsa_ext ]',
      'basicConstraints = CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = critical, timeStamping',
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `serial = ${join(dir, 'serial')}`,
      `signer_cert = ${join(dir, 'tsa.crt')}`,
      `signer_key = ${join(dir, 'tsa.key')}`,
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'serial'), '01\n');
  const certificate = join(dir, 'tsa.crt');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout']
      .concat([join(dir, 'tsa.key'), '-out', certificate, '-days', '2', '-config', config])
      .concat(['-extensions', 'tsa_ext']),
    { stdio: 'ignore' },
  );
  const requests: Array<{ contentType: string | undefined }> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ contentType: request.headers['content-type'] });
      if (request.url?.endsWith('refuse')) {
        response.writeHead(503).end();
        return;
      }
      const query = join(dir, `query-${requests.length}.tsq`);
      writeFileSync(query, Buffer.concat(chunks));
      const reply = execFileSync('openssl', ['ts', '-reply', '-config', config, '-queryfile', query], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      response.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    certificate,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
