import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import {
  type Answer,
  auditChainFacts,
  call,
  conmedEntry,
  createStaff,
  formPath,
  type Session,
  signInOver,
  startExotrial,
} from '../support/cluster.ts';
import { freePort } from '../support/postgres.ts';
import type { ServerProcess } from '../support/server-process.ts';
import { describeEachDatabase, freshTarget, type TestTarget } from '../support/test-app.ts';

// Three exotrial processes on one PostgreSQL database serve one study, as behind a load balancer.
// Clients interleave writes across them: many writers race on one form record (each reads on one
// server and saves on another), others save their own records, participants are screened and
// screening is ended on two servers at once, and two people answer the same data query through
// different servers. Every acknowledged write must be there, every stale version must get 409 with
// the current record, each version must have exactly one winner, and the audit chain must stay
// gapless and verify.

const SERVERS = 3;
const RACERS = 12;
const RACE_ATTEMPTS = 8;
const LOG_WRITERS = 6;
const LOG_SAVES = 15;
const SCREENINGS = 12;
const QUERY_ROUNDS = 6;
const today = new Date().toISOString().slice(0, 10);
const adminEnv = {
  EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
  EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret for servers',
};

const skipPostgres = inject('postgresUrl') === null;

(skipPostgres ? describe.skip : describe)('many servers on one PostgreSQL database', () => {
  let fresh: TestTarget;
  let servers: ServerProcess[] = [];
  let bases: string[] = [];
  let coordinator: Session;
  let monitor: Session;
  let investigator: Session;
  let siteId: string;
  const unexpected: string[] = [];
  /** Any answer a workload did not plan for (a 5xx above all) is collected and must stay empty. */
  const expectStatus = (what: string, answer: Answer, allowed: number[]) => {
    if (!allowed.includes(answer.status)) {
      unexpected.push(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  };
  const base = (index: number) => bases[index % SERVERS] ?? '';

  beforeAll(async () => {
    fresh = await freshTarget('postgres');
    const ports = await Promise.all(Array.from({ length: SERVERS }, () => freePort()));
    // All at once on an empty database: migrations, the study and the first administrator are
    // created exactly once.
    servers = await Promise.all(ports.map((port) => startExotrial(fresh.target, port, adminEnv)));
    bases = ports.map((port) => `http://127.0.0.1:${port}`);
    const staff = await createStaff(fresh.target, [
      ['coordinator', 'study_coordinator'],
      ['investigator', 'investigator'],
      ['monitor', 'monitor'],
    ]);
    siteId = staff.siteId;
    coordinator = await signInOver(base(0), 'coordinator@example.org');
    monitor = await signInOver(base(1), 'monitor@example.org');
    investigator = await signInOver(base(2), 'investigator@example.org');
  }, 240_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await fresh?.dispose();
  });

  it('three servers started at once on an empty database create one study and one administrator', async () => {
    const database = await openDatabase(fresh.target);
    try {
      const counts = await database.read(async (db) => ({
        studies: (await db.selectFrom('study').select('study_id').execute()).length,
        admins: (
          await db
            .selectFrom('app_user')
            .select('user_id')
            .where('email', '=', adminEnv.EXOTRIAL_ADMIN_EMAIL)
            .execute()
        ).length,
      }));
      expect(counts).toEqual({ studies: 1, admins: 1 });
    } finally {
      await database.close();
    }
    for (const url of bases) {
      const health = await call(url, coordinator, 'GET', '/api/v1/health');
      expect(health.status).toBe(200);
    }
  });

  async function screenAndConsent(server: number): Promise<string> {
    const screened = await call(base(server), coordinator, 'POST', '/api/v1/participants', {
      siteId,
      screeningDate: today,
    });
    expect(screened.status, JSON.stringify(screened.body)).toBe(201);
    const participantId = screened.body.participantId as string;
    const consent = await call(
      base(server + 1),
      coordinator,
      'POST',
      `/api/v1/participants/${participantId}/consent`,
      {
        formVersion: '1.0',
        consentedAt: new Date(Date.now() - 60_000).toISOString(),
        signer: 'participant',
      },
    );
    expect(consent.status, JSON.stringify(consent.body)).toBe(201);
    return participantId;
  }

  interface Win {
    sentVersion: number;
    medication: string;
  }

  it('keeps every acknowledged write under interleaved writes to all servers', async () => {
    const raced = await screenAndConsent(0);
    const racedPath = formPath(raced, 'screening', 'conmeds', 1);
    const first = await call(base(0), coordinator, 'PUT', racedPath, {
      version: 0,
      entries: conmedEntry('start'),
    });
    expect(first.status).toBe(200);
    const logParticipants = [await screenAndConsent(1), await screenAndConsent(2)];

    // 1. Racers on one record: read on one server, save on the next.
    const wins: Win[] = [{ sentVersion: 0, medication: 'start' }];
    const conflicts: Array<{ sentVersion: number; currentVersion: number }> = [];
    const racer = async (index: number) => {
      for (let attempt = 0; attempt < RACE_ATTEMPTS; attempt++) {
        const read = await call(base(index + attempt), coordinator, 'GET', racedPath);
        expectStatus('race read', read, [200]);
        const sentVersion = read.body.version as number;
        const medication = `racer ${index} attempt ${attempt}`;
        const saved = await call(base(index + attempt + 1), coordinator, 'PUT', racedPath, {
          version: sentVersion,
          reason: 'hardening race',
          entries: { medication: { value: medication } },
        });
        expectStatus('race save', saved, [200, 409]);
        if (saved.status === 200) {
          expect(saved.body.version).toBe(sentVersion + 1);
          wins.push({ sentVersion, medication });
        } else if (saved.status === 409) {
          conflicts.push({ sentVersion, currentVersion: saved.body.details?.current?.version ?? -1 });
        }
      }
    };

    // 2. Writers of their own log entries (new records), each save on the next server.
    const logAcks: Array<{ participantId: string; instance: number; medication: string }> = [];
    const logWriter = async (index: number) => {
      const participantId = logParticipants[index % logParticipants.length] ?? '';
      for (let save = 0; save < LOG_SAVES; save++) {
        const instance = 2 + index * LOG_SAVES + save;
        const medication = `writer ${index} save ${save}`;
        const answer = await call(
          base(index + save),
          coordinator,
          'PUT',
          formPath(participantId, 'screening', 'conmeds', instance),
          {
            version: 0,
            entries: conmedEntry(medication),
          },
        );
        expectStatus('log save', answer, [200]);
        if (answer.status === 200) logAcks.push({ participantId, instance, medication });
      }
    };

    // 3. Participant actions: screenings on every server at once, then screening ended on two
    // servers at once with the same version (one may win).
    const screened: string[] = [];
    const outcomes: Array<{ participantId: string; winners: string[]; losers: number }> = [];
    const screener = async (index: number) => {
      const answer = await call(base(index), coordinator, 'POST', '/api/v1/participants', {
        siteId,
        screeningDate: today,
      });
      expectStatus('screen', answer, [201]);
      if (answer.status !== 201) return;
      const participantId = answer.body.participantId as string;
      screened.push(participantId);
      const tries = await Promise.all(
        (['screen_failed', 'declined'] as const).map((outcome, side) =>
          call(
            base(index + side),
            coordinator,
            'POST',
            `/api/v1/participants/${participantId}/screen-outcome`,
            {
              outcome,
              reason: `hardening ${outcome}`,
              version: answer.body.version,
            },
          ),
        ),
      );
      for (const attempt of tries) expectStatus('screen outcome', attempt, [200, 409]);
      outcomes.push({
        participantId,
        winners: tries
          .filter((attempt) => attempt.status === 200)
          .map((attempt) => attempt.body.status as string),
        losers: tries.filter((attempt) => attempt.status === 409).length,
      });
    };

    // 4. Queries: the monitor raises one, the coordinator and the investigator answer it at once
    // through two servers, the monitor closes it with the winner's version.
    const queryRounds: Array<{ answered: number; conflicts: number; closed: boolean }> = [];
    const queryWorker = async () => {
      const recordId = first.body.recordId as string;
      for (let round = 0; round < QUERY_ROUNDS; round++) {
        const raised = await call(base(round), monitor, 'POST', '/api/v1/queries', {
          recordId,
          itemId: 'indication',
          text: `Please confirm the indication (${round})`,
        });
        expectStatus('raise query', raised, [201]);
        if (raised.status !== 201) continue;
        const queryId = raised.body.queryId as string;
        const answers = await Promise.all(
          [coordinator, investigator].map((who, side) =>
            call(base(round + side + 1), who, 'POST', `/api/v1/queries/${queryId}/answer`, {
              text: `Confirmed by ${side === 0 ? 'coordinator' : 'investigator'}`,
              version: raised.body.version,
            }),
          ),
        );
        for (const answer of answers) expectStatus('answer query', answer, [200, 409]);
        const winner = answers.find((answer) => answer.status === 200);
        const loser = answers.find((answer) => answer.status === 409);
        if (loser) expect(loser.body.details.current.version).toBe(winner?.body.version);
        const closed = await call(base(round + 2), monitor, 'POST', `/api/v1/queries/${queryId}/close`, {
          text: 'Thank you',
          version: winner?.body.version ?? -1,
        });
        expectStatus('close query', closed, [200]);
        queryRounds.push({
          answered: answers.filter((answer) => answer.status === 200).length,
          conflicts: answers.filter((answer) => answer.status === 409).length,
          closed: closed.status === 200,
        });
      }
    };

    const started = Date.now();
    await Promise.all([
      ...Array.from({ length: RACERS }, (_, index) => racer(index)),
      ...Array.from({ length: LOG_WRITERS }, (_, index) => logWriter(index)),
      ...Array.from({ length: SCREENINGS }, (_, index) => screener(index)),
      queryWorker(),
    ]);
    const seconds = (Date.now() - started) / 1000;
    expect(unexpected).toEqual([]);

    // One winner per version, versions without holes, and every loser was told the newer version.
    const sentVersions = wins.map((win) => win.sentVersion).sort((a, b) => a - b);
    expect(sentVersions).toEqual(sentVersions.map((_, index) => index));
    expect(wins.length + conflicts.length).toBe(1 + RACERS * RACE_ATTEMPTS);
    expect(conflicts.filter((conflict) => conflict.currentVersion <= conflict.sentVersion)).toEqual([]);
    // No acknowledged update lost: the record's trail of medication values is exactly the winners'
    // values in version order, and the record ends at the last winner's value and version.
    const final = await call(base(1), coordinator, 'GET', racedPath);
    expect(final.body.version).toBe(wins.length);
    const byVersion = [...wins].sort((a, b) => a.sentVersion - b.sentVersion).map((win) => win.medication);
    expect(final.body.entries.medication.value).toBe(byVersion.at(-1));
    const database = await openDatabase(fresh.target);
    try {
      const trail = await database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['new_value'])
          .where('entity_id', '=', first.body.recordId)
          .where('field', 'like', '%.medication')
          .orderBy('seq')
          .execute(),
      );
      expect(trail.map((event) => (event.new_value as { value: unknown }).value)).toEqual(byVersion);
    } finally {
      await database.close();
    }

    // Every log entry acknowledged by any server is there, read through another server.
    expect(logAcks).toHaveLength(LOG_WRITERS * LOG_SAVES);
    for (const [index, ack] of logAcks.entries()) {
      const read = await call(
        base(index + 1),
        coordinator,
        'GET',
        formPath(ack.participantId, 'screening', 'conmeds', ack.instance),
      );
      expect(read.body.version).toBe(1);
      expect(read.body.entries.medication.value).toBe(ack.medication);
    }

    // Screening numbers stay unique across servers; screening ends exactly once per participant.
    const numbers = new Set<string>();
    for (const participantId of screened) {
      const read = await call(base(0), coordinator, 'GET', `/api/v1/participants/${participantId}`);
      numbers.add(read.body.screeningNumber);
      const outcome = outcomes.find((entry) => entry.participantId === participantId);
      expect(outcome?.winners).toHaveLength(1);
      expect(outcome?.losers).toBe(1);
      expect(read.body.status).toBe(outcome?.winners[0]);
    }
    expect(numbers.size).toBe(SCREENINGS);
    expect(queryRounds).toEqual(
      Array.from({ length: QUERY_ROUNDS }, () => ({ answered: 1, conflicts: 1, closed: true })),
    );

    console.info(
      `multi-server: ${SERVERS} servers, ${seconds.toFixed(1)} s: race ${wins.length - 1} wins / ${conflicts.length} conflicts (409) of ${RACERS * RACE_ATTEMPTS} saves on one record; ${logAcks.length} new records; ${SCREENINGS} screenings; ${QUERY_ROUNDS} query answer races`,
    );
  }, 300_000);

  it('keeps the audit chain gapless and valid across all servers', async () => {
    const chain = await auditChainFacts(fresh.target);
    expect(chain.firstSeq).toBe(1);
    expect(chain.missing).toEqual([]);
    expect(chain.events).toBe(chain.lastSeq);
    expect(chain.verifyCode, chain.verifyOutput).toBe(0);
    expect(chain.verifyOutput).toContain('Audit trail intact');
    console.info(`multi-server: audit chain seq 1..${chain.lastSeq}, no holes, verified`);
  }, 120_000);
});

describeEachDatabase('a second server on the same data', (kind) => {
  let fresh: TestTarget;
  let first: ServerProcess | undefined;
  beforeAll(async () => {
    fresh = await freshTarget(kind);
  });
  afterAll(async () => {
    await first?.stop();
    await fresh?.dispose();
  });

  it(kind === 'pglite'
    ? 'is refused on a PGlite folder with a message saying which process holds it'
    : 'joins the first on PostgreSQL and both answer', async () => {
    first = await startExotrial(fresh.target, await freePort());
    const secondPort = await freePort();
    if (kind === 'pglite') {
      const refused = await startExotrial(fresh.target, secondPort).then(
        () => '',
        (error: Error) => error.message,
      );
      expect(refused).toContain(`in use by process ${first.child.pid}`);
    } else {
      const second = await startExotrial(fresh.target, secondPort);
      try {
        const health = await fetch(`http://127.0.0.1:${secondPort}/api/v1/health`);
        expect(health.status).toBe(200);
      } finally {
        await second.stop();
      }
    }
  }, 120_000);
});
