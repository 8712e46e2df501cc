import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  auditChainFacts,
  call,
  createStaff,
  exited,
  recordsWithoutTheirTrail,
  type SaveAttempt,
  type Session,
  saveWithRetry,
  signInOver,
  startExotrial,
} from '../support/cluster.ts';
import { findPostgresBin, freePort, startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import type { ServerProcess } from '../support/server-process.ts';
import { freshTarget, type TestTarget } from '../support/test-app.ts';

// Faults on the PostgreSQL set-up, with real processes and clients that behave like a browser
// behind a load balancer (see saveWithRetry): a server killed with SIGKILL while another serves the
// same database, and the PostgreSQL server itself stopped (fast) and started again under load.
// Each test counts what the clients saw and proves that every acknowledged save is stored with its
// five audit events, that no record is half-written, and that the audit chain verifies.

const today = new Date().toISOString().slice(0, 10);
const CLIENTS = 12;
const SAVES_PER_CLIENT = 20;

interface Ack {
  participantId: string;
  instance: number;
  medication: string;
  confirmedByRetry: boolean;
}

async function participantsFor(base: string, session: Session, siteId: string, count: number) {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const screened = await call(base, session, 'POST', '/api/v1/participants', {
      siteId,
      screeningDate: today,
    });
    if (screened.status !== 201) throw new Error(`screening failed: ${JSON.stringify(screened.body)}`);
    const consent = await call(
      base,
      session,
      'POST',
      `/api/v1/participants/${screened.body.participantId}/consent`,
      {
        formVersion: '1.0',
        consentedAt: new Date(Date.now() - 60_000).toISOString(),
        signer: 'participant',
      },
    );
    if (consent.status !== 201) throw new Error(`consent failed: ${JSON.stringify(consent.body)}`);
    ids.push(screened.body.participantId as string);
  }
  return ids;
}

/** Runs CLIENTS clients of SAVES_PER_CLIENT new log entries each; `onAck` sees the running count. */
async function runLoad(
  servers: () => string[],
  session: Session,
  participants: string[],
  clock: () => number,
  onAck: (acks: number) => void,
): Promise<{ acks: Ack[]; lost: Array<{ instance: number }>; attempts: SaveAttempt[] }> {
  const acks: Ack[] = [];
  const lost: Array<{ instance: number }> = [];
  const attempts: SaveAttempt[] = [];
  const deadline = clock() + 240_000;
  await Promise.all(
    participants.map(async (participantId, index) => {
      for (let save = 0; save < SAVES_PER_CLIENT; save++) {
        const instance = index * SAVES_PER_CLIENT + save + 1;
        const medication = `client ${index} save ${save}`;
        const result = await saveWithRetry(
          servers,
          session,
          { participantId, instance },
          medication,
          attempts,
          clock,
          deadline,
        );
        if (result.acknowledged) {
          acks.push({ participantId, instance, medication, confirmedByRetry: result.confirmedByRetry });
          onAck(acks.length);
        } else lost.push({ instance });
      }
    }),
  );
  return { acks, lost, attempts };
}

/** Every acknowledged entry, read back through `base`: the ones missing or different. */
async function missingAcks(base: string, session: Session, acks: Ack[]): Promise<Ack[]> {
  const missing: Ack[] = [];
  for (const ack of acks) {
    const read = await call(
      base,
      session,
      'GET',
      `/api/v1/participants/${ack.participantId}/visits/screening/forms/conmeds?instance=${ack.instance}`,
    );
    if (
      read.status !== 200 ||
      read.body.version !== 1 ||
      read.body.entries.medication?.value !== ack.medication
    ) {
      missing.push(ack);
    }
  }
  return missing;
}

const countBy = (attempts: SaveAttempt[]) => {
  const counts: Record<string, number> = {};
  for (const attempt of attempts)
    counts[String(attempt.outcome)] = (counts[String(attempt.outcome)] ?? 0) + 1;
  return counts;
};

const postgresMissing = inject('postgresUrl') === null;

(postgresMissing ? describe.skip : describe)('kill -9 of one of two servers under load', () => {
  let fresh: TestTarget;
  let servers: ServerProcess[] = [];

  beforeAll(async () => {
    fresh = await freshTarget('postgres');
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await fresh?.dispose();
  });

  it('loses no acknowledged save: clients fail over to the surviving server', async () => {
    const ports = [await freePort(), await freePort()];
    const bases = ports.map((port) => `http://127.0.0.1:${port}`);
    servers = [await startExotrial(fresh.target, ports[0] ?? 0)];
    servers.push(await startExotrial(fresh.target, ports[1] ?? 0));
    const { siteId } = await createStaff(fresh.target, [['coordinator', 'study_coordinator']]);
    const session = await signInOver(bases[0] ?? '', 'coordinator@example.org');
    const participants = await participantsFor(bases[1] ?? '', session, siteId, CLIENTS);

    let alive = [...bases];
    const began = Date.now();
    const clock = () => Date.now() - began;
    let killedAt = -1;
    const victim = servers[0] as ServerProcess;
    const { acks, lost, attempts } = await runLoad(
      () => alive,
      session,
      participants,
      clock,
      (count) => {
        if (count >= 90 && killedAt < 0) {
          victim.child.kill('SIGKILL');
          killedAt = clock();
          // The load balancer's health check takes the dead server out a moment later.
          setTimeout(() => {
            alive = [bases[1] ?? ''];
          }, 500);
        }
      },
    );
    await exited(victim);
    expect(victim.child.signalCode).toBe('SIGKILL');
    expect(lost).toEqual([]);
    expect(acks).toHaveLength(CLIENTS * SAVES_PER_CLIENT);
    // Nothing but 200s, cut connections, and 409s that confirm a save whose answer was lost.
    const counts = countBy(attempts);
    expect(Object.keys(counts).filter((outcome) => !['200', '409', 'network'].includes(outcome))).toEqual([]);

    const cut = attempts.filter((attempt) => attempt.outcome === 'network');
    const failoverMs = Math.max(
      0,
      ...attempts
        .filter((attempt) => attempt.outcome === 200 && attempt.sentAt >= killedAt)
        .slice(0, 1)
        .map((a) => a.answeredAt - killedAt),
    );
    // A supervisor restarts the killed server; it serves the same data at once.
    servers[0] = await startExotrial(fresh.target, ports[0] ?? 0);
    expect(await missingAcks(bases[0] ?? '', session, acks)).toEqual([]);
    const trail = await recordsWithoutTheirTrail(fresh.target, 'conmeds', 5);
    expect(trail.incomplete).toEqual([]);
    expect(trail.records).toBe(acks.length);
    const chain = await auditChainFacts(fresh.target);
    expect(chain.missing).toEqual([]);
    expect(chain.verifyCode, chain.verifyOutput).toBe(0);
    console.info(
      `fault kill -9: killed after 90 acks at ${killedAt} ms; ${acks.length} saves acknowledged, ${acks.filter((ack) => ack.confirmedByRetry).length} confirmed by a retry's 409; ${cut.length} requests cut; answers ${JSON.stringify(counts)}; first save on the survivor ${failoverMs} ms after the kill; audit chain 1..${chain.lastSeq} verified`,
    );
  }, 400_000);
});

const postgresBin = findPostgresBin();

(postgresBin ? describe : describe.skip)('PostgreSQL restarted under load', () => {
  let postgres: TestPostgres;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    postgres = await startTestPostgres(postgresBin ?? '');
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('create database restart_test');
    await admin.end();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await postgres?.stop();
  });

  it('answers 503 with Retry-After during the outage, recovers by itself, and loses no acknowledged save', async () => {
    const target = { kind: 'postgres' as const, url: postgres.urlFor('restart_test') };
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = await startExotrial(target, port);
    const pid = server.child.pid;
    const { siteId } = await createStaff(target, [['coordinator', 'study_coordinator']]);
    const session = await signInOver(base, 'coordinator@example.org');
    const participants = await participantsFor(base, session, siteId, CLIENTS);

    const began = Date.now();
    const clock = () => Date.now() - began;
    const outage = { haltStarted: -1, halted: -1, resumeStarted: -1, resumed: -1 };
    let fault: Promise<void> = Promise.resolve();
    const { acks, lost, attempts } = await runLoad(
      () => [base],
      session,
      participants,
      clock,
      (count) => {
        if (count >= 80 && outage.haltStarted < 0) {
          outage.haltStarted = clock();
          fault = (async () => {
            await postgres.halt();
            outage.halted = clock();
            await new Promise((resolve) => setTimeout(resolve, 3_000));
            outage.resumeStarted = clock();
            await postgres.resume();
            outage.resumed = clock();
          })();
        }
      },
    );
    await fault;
    expect(outage.resumed).toBeGreaterThan(0);
    expect(server.child.exitCode).toBeNull();
    expect(server.child.pid).toBe(pid);
    expect(lost).toEqual([]);
    expect(acks).toHaveLength(CLIENTS * SAVES_PER_CLIENT);

    const counts = countBy(attempts);
    // Clear errors only: 503 with a Retry-After and a message; never a 500, never a cut connection.
    expect(Object.keys(counts).filter((outcome) => !['200', '409', '503'].includes(outcome))).toEqual([]);
    const unavailable = attempts.filter((attempt) => attempt.outcome === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    expect(
      unavailable.filter((attempt) => !attempt.retryAfter || !attempt.error?.includes('"unavailable"')),
    ).toEqual([]);
    // No request hangs: every answer during the outage came within a few seconds.
    const during = attempts.filter(
      (attempt) => attempt.sentAt >= outage.haltStarted && attempt.sentAt <= outage.resumed,
    );
    const slowest = Math.max(...during.map((attempt) => attempt.answeredAt - attempt.sentAt));
    expect(slowest).toBeLessThan(5_000);
    const firstSaveAfter = attempts
      .filter((attempt) => attempt.outcome === 200 && attempt.sentAt >= outage.resumed)
      .reduce((first, attempt) => Math.min(first, attempt.answeredAt), Number.POSITIVE_INFINITY);
    const recoveryMs = firstSaveAfter - outage.resumed;
    expect(recoveryMs).toBeLessThan(5_000);

    expect(await missingAcks(base, session, acks)).toEqual([]);
    const trail = await recordsWithoutTheirTrail(target, 'conmeds', 5);
    expect(trail.incomplete).toEqual([]);
    expect(trail.records).toBe(acks.length);
    const chain = await auditChainFacts(target);
    expect(chain.missing).toEqual([]);
    expect(chain.verifyCode, chain.verifyOutput).toBe(0);
    console.info(
      `fault PostgreSQL restart: stop took ${outage.halted - outage.haltStarted} ms, down ${outage.resumeStarted - outage.halted} ms, start took ${outage.resumed - outage.resumeStarted} ms; ${during.length} requests during the outage, answers ${JSON.stringify(countBy(during))}, slowest ${slowest} ms; first save ${recoveryMs} ms after PostgreSQL was back; overall ${JSON.stringify(counts)}; ${acks.length} acknowledged (${acks.filter((ack) => ack.confirmedByRetry).length} confirmed by a retry's 409), all present; audit chain 1..${chain.lastSeq} verified`,
    );
  }, 400_000);

  it('a server started while PostgreSQL is down waits for it and then serves', async () => {
    const target = { kind: 'postgres' as const, url: postgres.urlFor('restart_test') };
    await server?.stop();
    server = undefined;
    await postgres.halt();
    const port = await freePort();
    const began = Date.now();
    let output = '';
    const starting = startExotrial(target, port, {}, (chunk) => {
      output += chunk;
    });
    // Until the starting server has said twice that it waits for the database.
    const waits = () => output.split('waiting for the database').length - 1;
    while (waits() < 2 && Date.now() - began < 60_000)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(waits()).toBeGreaterThanOrEqual(2);
    const resumeStarted = Date.now();
    await postgres.resume();
    const resumed = Date.now();
    server = await starting;
    const up = Date.now();
    const health = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
    expect(health.status).toBe(200);
    console.info(
      `fault PostgreSQL down at start: server waited ${resumeStarted - began} ms for PostgreSQL, PostgreSQL took ${resumed - resumeStarted} ms to start, server listening ${up - resumed} ms after`,
    );
  }, 180_000);
});
