import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../../src/config.ts';
import {
  type Answer,
  auditChainFacts,
  call,
  conmedEntry,
  createStaff,
  exited,
  formPath,
  prepareStudy,
  recordsWithoutTheirTrail,
  type Session,
  signInOver,
  startExotrial,
} from '../support/cluster.ts';
import { freePort } from '../support/postgres.ts';
import type { ServerProcess } from '../support/server-process.ts';

// Disk full on the data folder of a PGlite server: the folder sits on a small file system of its
// own (a tmpfs, else a loop-mounted ext4 image), which a filler file then fills to the last few
// hundred kilobytes. Saves go on until the database cannot grow: those must get a clear 503
// (reason disk_full, with Retry-After), reads must still work, and once the filler is removed saves
// must succeed again in the same process. Every acknowledged save must be there, also after a
// restart, each with its audit events, and the chain must verify.

const SIZE_MB = 160;
const LEAVE_BYTES = 384 * 1024;
const today = new Date().toISOString().slice(0, 10);

interface Volume {
  dir: string;
  how: string;
  release(): void;
}

/** A small file system of its own: tmpfs where mounting is allowed, else a loop-mounted ext4 image. */
function smallVolume(): Volume | { reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'exotrial-diskfull-'));
  const problems: string[] = [];
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE_MB}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return {
      dir,
      how: `tmpfs of ${SIZE_MB} MB`,
      release: () => {
        execFileSync('umount', ['-l', dir]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    problems.push(`tmpfs: ${(error as Error).message.split('\n')[0]}`);
  }
  const image = `${dir}.img`;
  try {
    execFileSync('truncate', ['-s', `${SIZE_MB}M`, image]);
    execFileSync('mkfs.ext4', ['-q', '-F', image], { stdio: 'pipe' });
    execFileSync('mount', ['-o', 'loop', image, dir], { stdio: 'pipe' });
    return {
      dir,
      how: `loop-mounted ext4 of ${SIZE_MB} MB`,
      release: () => {
        execFileSync('umount', ['-l', dir]);
        rmSync(dir, { recursive: true, force: true });
        rmSync(image, { force: true });
      },
    };
  } catch (error) {
    problems.push(`loop ext4: ${(error as Error).message.split('\n')[0]}`);
  }
  rmSync(image, { force: true });
  rmSync(dir, { recursive: true, force: true });
  return { reason: problems.join('; ') };
}

const freeBytes = (dir: string) => {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
};

describe('disk full on the data folder of a PGlite server', () => {
  let volume: Volume | undefined;
  let skipReason = '';
  let server: ServerProcess | undefined;
  let target: DatabaseTarget;
  let port: number;
  let base: string;
  let session: Session;
  let participantId: string;

  beforeAll(async () => {
    const made = smallVolume();
    if ('reason' in made) {
      skipReason = `cannot mount a small file system here (${made.reason})`;
      return;
    }
    volume = made;
    target = { kind: 'pglite', dataDir: join(made.dir, 'data') };
    await prepareStudy(target);
    const { siteId } = await createStaff(target, [['coordinator', 'study_coordinator']]);
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startExotrial(target, port);
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
    volume?.release();
  });

  it('refuses saves with 503 while the disk is full, keeps reads, and saves again once space is freed', async (context) => {
    if (!volume || !server) {
      console.warn(`disk-full test skipped: ${skipReason}`);
      context.skip();
      return;
    }
    const pid = server.child.pid;
    const acks: Array<{ instance: number; medication: string }> = [];
    const save = async (instance: number): Promise<Answer> => {
      const medication = `disk ${instance} ${'m'.repeat(300)}`;
      const answer = await call(
        base,
        session,
        'PUT',
        formPath(participantId, 'screening', 'conmeds', instance),
        {
          version: 0,
          entries: conmedEntry(medication),
        },
      );
      if (answer.status === 200) acks.push({ instance, medication });
      return answer;
    };
    let instance = 0;
    for (; instance < 20; ) expect((await save(++instance)).status).toBe(200);

    const filler = join(volume.dir, 'filler');
    execFileSync('fallocate', ['-l', String(freeBytes(volume.dir) - LEAVE_BYTES), filler]);
    const leftAfterFill = freeBytes(volume.dir);
    const statuses: Record<string, number> = {};
    const refusals: Answer[] = [];
    const ackedBeforeFull = acks.length;
    while (refusals.length < 10 && instance < 2_000) {
      const answer = await save(++instance);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status !== 200) refusals.push(answer);
    }
    expect(Object.keys(statuses).filter((status) => status !== '200' && status !== '503')).toEqual([]);
    expect(refusals.length).toBe(10);
    for (const refusal of refusals) {
      expect(refusal.body).toMatchObject({ error: 'unavailable', details: { reason: 'disk_full' } });
      expect(refusal.body.message).toContain('disk is full');
      expect(refusal.retryAfter).not.toBeNull();
    }
    // Reads go on while the disk is full.
    const read = await call(base, session, 'GET', formPath(participantId, 'screening', 'conmeds', 1));
    expect(read.status).toBe(200);
    const list = await call(base, session, 'GET', '/api/v1/participants');
    expect(list.status).toBe(200);

    rmSync(filler);
    const freedAt = Date.now();
    let again = await save(++instance);
    while (again.status !== 200 && Date.now() - freedAt < 10_000) again = await save(++instance);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    const recoveryMs = Date.now() - freedAt;
    expect(server.child.pid).toBe(pid);
    expect(server.child.exitCode).toBeNull();
    for (let more = 0; more < 5; more++) expect((await save(++instance)).status).toBe(200);

    const missing = async () => {
      const gone: number[] = [];
      for (const ack of acks) {
        const form = await call(
          base,
          session,
          'GET',
          formPath(participantId, 'screening', 'conmeds', ack.instance),
        );
        if (form.body.version !== 1 || form.body.entries.medication?.value !== ack.medication)
          gone.push(ack.instance);
      }
      return gone;
    };
    expect(await missing()).toEqual([]);
    // And after a restart on the same folder.
    await server.stop();
    await exited(server);
    server = await startExotrial(target, port);
    expect(await missing()).toEqual([]);
    await server.stop();
    server = undefined;
    const trail = await recordsWithoutTheirTrail(target, 'conmeds', 5);
    expect(trail.incomplete).toEqual([]);
    expect(trail.records).toBe(acks.length);
    const chain = await auditChainFacts(target);
    expect(chain.missing).toEqual([]);
    expect(chain.verifyCode, chain.verifyOutput).toBe(0);
    console.info(
      `fault disk full (${volume.how}): ${Math.round(leftAfterFill / 1024)} KB left after the filler; ${acks.length - ackedBeforeFull - 6} more saves fitted, then answers ${JSON.stringify(statuses)} (503 disk_full, Retry-After ${refusals[0]?.retryAfter} s); reads answered 200 meanwhile; first save ${recoveryMs} ms after freeing space, same process; ${acks.length} acknowledged saves present, also after a restart; audit chain 1..${chain.lastSeq} verified`,
    );
  }, 300_000);
});
