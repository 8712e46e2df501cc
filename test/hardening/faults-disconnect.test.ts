import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  auditChainFacts,
  call,
  conmedEntry,
  createStaff,
  formPath,
  prepareStudy,
  recordsWithoutTheirTrail,
  type Session,
  signInOver,
  startExotrial,
} from '../support/cluster.ts';
import { freePort } from '../support/postgres.ts';
import type { ServerProcess } from '../support/server-process.ts';
import { describeEachDatabase, freshTarget, type TestTarget } from '../support/test-app.ts';

// Clients that go away mid-request, over raw sockets to a real server process: some send the
// headers and half of a form save's body and hang up; others send the whole save and hang up before
// reading the answer, at random moments while the server works on it. A save must have happened
// whole (the record with all its values and all its audit events) or not at all, and the server
// must keep serving.

const HALF_BODIES = 20;
const FULL_THEN_GONE = 60;
const WAVE = 20;
const today = new Date().toISOString().slice(0, 10);

/** Sends a PUT over a raw socket: all of it or only part of the body, then destroys the socket. */
function putAndHangUp(
  port: number,
  session: Session,
  path: string,
  body: string,
  options: { bytesOfBody: number; hangUpAfterMs: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      const headers = [
        `PUT ${path} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        `Cookie: ${session.headers.cookie}`,
        `X-CSRF-Token: ${session.headers['x-csrf-token']}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        '',
      ].join('\r\n');
      socket.write(headers + body.slice(0, options.bytesOfBody));
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, options.hangUpAfterMs);
    });
    socket.on('error', reject);
  });
}

describeEachDatabase('clients that disconnect mid-request', (kind) => {
  let fresh: TestTarget;
  let server: ServerProcess | undefined;
  let port: number;
  let base: string;
  let session: Session;
  let participantId: string;

  beforeAll(async () => {
    fresh = await freshTarget(kind);
    await prepareStudy(fresh.target);
    const { siteId } = await createStaff(fresh.target, [['coordinator', 'study_coordinator']]);
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startExotrial(fresh.target, port);
    session = await signInOver(base, 'coordinator@example.org');
    const screened = await call(base, session, 'POST', '/api/v1/participants', {
      siteId,
      screeningDate: today,
    });
    participantId = screened.body.participantId;
    const consent = await call(base, session, 'POST', `/api/v1/participants/${participantId}/consent`, {
      formVersion: '1.0',
      consentedAt: new Date(Date.now() - 60_000).toISOString(),
      signer: 'participant',
    });
    expect(consent.status).toBe(201);
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    await fresh?.dispose();
  });

  const bodyOf = (instance: number) =>
    JSON.stringify({ version: 0, entries: conmedEntry(`hang-up ${instance} ${'x'.repeat(200)}`) });

  /** The slot's state as the API shows it: absent, saved whole, or anything else (half). */
  async function stateOf(instance: number): Promise<'absent' | 'whole' | string> {
    const read = await call(base, session, 'GET', formPath(participantId, 'screening', 'conmeds', instance));
    if (read.status !== 200) return `status ${read.status}`;
    if (read.body.version === 0 && read.body.recordId === null) return 'absent';
    const expected = JSON.parse(bodyOf(instance)).entries as Record<string, { value: unknown }>;
    const same = Object.entries(expected).every(
      ([item, field]) => read.body.entries[item]?.value === field.value,
    );
    return read.body.version === 1 && same ? 'whole' : JSON.stringify(read.body.entries);
  }

  it('saves nothing from a body that was cut halfway', async () => {
    await Promise.all(
      Array.from({ length: HALF_BODIES }, (_, index) => {
        const body = bodyOf(index + 1);
        return putAndHangUp(port, session, formPath(participantId, 'screening', 'conmeds', index + 1), body, {
          bytesOfBody: Math.floor(body.length / 2),
          hangUpAfterMs: 20 + index * 5,
        });
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const states = await Promise.all(Array.from({ length: HALF_BODIES }, (_, index) => stateOf(index + 1)));
    expect(states).toEqual(states.map(() => 'absent'));
  });

  let whole = 0;
  it('saves a whole request either entirely or not at all when the client leaves before the answer', async () => {
    const first = HALF_BODIES + 1;
    for (let wave = 0; wave < FULL_THEN_GONE / WAVE; wave++) {
      await Promise.all(
        Array.from({ length: WAVE }, (_, index) => {
          const instance = first + wave * WAVE + index;
          return putAndHangUp(
            port,
            session,
            formPath(participantId, 'screening', 'conmeds', instance),
            bodyOf(instance),
            {
              bytesOfBody: Number.POSITIVE_INFINITY,
              // From "at once" to "while the transaction runs": spread over the server's working time.
              hangUpAfterMs: (index * 7) % 60,
            },
          );
        }),
      );
    }
    // The server finishes what it started even though nobody waits for the answer.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const states = await Promise.all(
      Array.from({ length: FULL_THEN_GONE }, (_, index) => stateOf(first + index)),
    );
    expect(states.filter((state) => state !== 'absent' && state !== 'whole')).toEqual([]);
    whole = states.filter((state) => state === 'whole').length;
    // The server still serves: an ordinary save right after.
    const after = await call(base, session, 'PUT', formPath(participantId, 'screening', 'conmeds', 1_000), {
      version: 0,
      entries: conmedEntry('after the hang-ups'),
    });
    expect(after.status, JSON.stringify(after.body)).toBe(200);
    console.info(
      `fault disconnect [${kind}]: ${HALF_BODIES} half bodies saved nothing; of ${FULL_THEN_GONE} whole saves abandoned before the answer ${whole} were saved whole, ${FULL_THEN_GONE - whole} not at all, none in part`,
    );
  }, 120_000);

  it('leaves every stored record with its audit events and the chain valid', async () => {
    await server?.stop();
    server = undefined;
    const trail = await recordsWithoutTheirTrail(fresh.target, 'conmeds', 5);
    expect(trail.incomplete).toEqual([]);
    expect(trail.records).toBe(whole + 1);
    const chain = await auditChainFacts(fresh.target);
    expect(chain.missing).toEqual([]);
    expect(chain.verifyCode, chain.verifyOutput).toBe(0);
  }, 120_000);
});
