import { connect } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MllpFramer, mllpFrame } from '../../src/lab-interface/mllp.ts';
import { type MllpListener, startMllpListener } from '../../src/lab-interface/mllp-server.ts';
import { startLabInterface } from '../../src/lab-interface/start.ts';
import { oruMessage } from '../support/lab-messages.ts';
import { freePort } from '../support/postgres.ts';
import { createTestApp, describeEachDatabase, type TestApp, testConfig } from '../support/test-app.ts';
import { as, createTrialUsers } from '../support/trial-users.ts';

const today = new Date().toISOString().slice(0, 10);
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Sends the bytes over one loopback connection and reads `count` framed answers. */
function converse(port: number, chunks: Buffer[], count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const framer = new MllpFramer();
    const answers: string[] = [];
    const socket = connect(port, '127.0.0.1', async () => {
      // Written in pieces with pauses, so frames reach the server cut across TCP reads.
      for (const chunk of chunks) {
        socket.write(chunk);
        await new Promise((done) => setTimeout(done, 20));
      }
    });
    socket.on('data', (data) => {
      answers.push(...framer.push(data).map((frame) => (typeof frame === 'string' ? frame : frame.lenient)));
      if (answers.length >= count) {
        socket.end();
        resolve(answers);
      }
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error(`only ${answers.length} of ${count} answers`)), 20_000).unref();
  });
}

describeEachDatabase('MLLP conversation', (kind) => {
  let t: TestApp;
  let listener: MllpListener;

  beforeAll(async () => {
    t = await createTestApp(kind);
    const users = await createTrialUsers(t);
    const coordinator = as(t.app, users.coordinator);
    const screened = await coordinator.post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: today,
      hospitalId: 'MRN-2002',
    });
    expect(screened.statusCode, screened.body).toBe(201);
    const consent = await coordinator.post(`/api/v1/participants/${screened.json().participantId}/consent`, {
      formVersion: '1.0',
      consentedAt: `${today}T00:00:00Z`,
      signer: 'participant',
    });
    expect(consent.statusCode, consent.body).toBe(201);
    listener = await startMllpListener({
      database: t.database,
      studyId: t.studyId,
      port: 0,
      host: '127.0.0.1',
      logger: silent,
    });
  });
  afterAll(async () => {
    await listener?.close();
    await t?.close();
  });

  it('answers two messages sent over one connection with AA and AE, in order', async () => {
    const good = oruMessage('MLLP-1', [
      {
        hospitalId: 'MRN-2002',
        collectedAt: `${today.replaceAll('-', '')}0800`,
        results: [{ loinc: '1920-8', name: 'AST', value: '35', unit: 'U/L' }],
      },
    ]);
    const bad = good.replace('MLLP-1', 'MLLP-2').replace('|35|', '|high|');
    const stream = Buffer.concat([mllpFrame(good), mllpFrame(bad)]);
    // Cut inside the first frame, across its end bytes (0x1C | 0x0D), and inside the second.
    const endOfFirst = mllpFrame(good).length;
    const cuts = [7, endOfFirst - 1, endOfFirst + 30, stream.length];
    const chunks = cuts.map((cut, index) => stream.subarray(index === 0 ? 0 : cuts[index - 1], cut));
    const answers = await converse(listener.port, chunks, 2);
    const [first, second] = answers.map((answer) => answer.split('\r'));
    expect(first?.[0]).toMatch(
      /^MSH\|\^~\\&\|EXOTRIAL\|MEXCOVID\|LIS\|RUIJIN-LAB\|\d{14}\+0000\|\|ACK\^R01\^ACK\|/,
    );
    expect(first?.[1]).toBe('MSA|AA|MLLP-1|');
    expect(second?.[1]).toBe('MSA|AE|MLLP-2|OBX 1 has value type NM but its value "high" is not a number.');
    expect(second?.[2]).toBe(
      'ERR|||207^Application internal error^HL70357|E||||OBX 1 has value type NM but its value "high" is not a number.',
    );
    const messages = await t.database.read((db) =>
      db
        .selectFrom('lab_message')
        .select(['control_id', 'source', 'status', 'raw'])
        .where('study_id', '=', t.studyId)
        .orderBy('control_id')
        .execute(),
    );
    expect(messages).toEqual([
      { control_id: 'MLLP-1', source: 'mllp', status: 'accepted', raw: good },
      { control_id: 'MLLP-2', source: 'mllp', status: 'rejected', raw: bad },
    ]);
    const ast = await t.database.read((db) =>
      db
        .selectFrom('lab_result')
        .select(['status', 'visit_key', 'item_id'])
        .where('study_id', '=', t.studyId)
        .execute(),
    );
    expect(ast).toEqual([{ status: 'written', visit_key: 'screening', item_id: 'ast' }]);
  });

  it('listens on EXOTRIAL_MLLP_PORT when the server starts its laboratory interface, and on no port without it', async () => {
    const port = await freePort();
    const config = testConfig(
      { kind: 'pglite', dataDir: 'unused' },
      { EXOTRIAL_MLLP_PORT: String(port), EXOTRIAL_MLLP_HOST: '127.0.0.1' },
    );
    const logger = pino({ level: 'silent' });
    const started = await startLabInterface({ config, database: t.database, studyId: t.studyId, logger });
    try {
      const message = oruMessage('MLLP-3', [
        {
          hospitalId: 'MRN-2002',
          collectedAt: `${today.replaceAll('-', '')}0800`,
          results: [{ loinc: '1742-6', name: 'ALT', value: '22', unit: 'U/L' }],
        },
      ]);
      const [answer] = await converse(port, [mllpFrame(message)], 1);
      expect(answer?.split('\r')[1]).toBe('MSA|AA|MLLP-3|');
    } finally {
      await started.stop();
    }
    expect(testConfig({ kind: 'pglite', dataDir: 'unused' }).labInterface).toEqual({
      mllpPort: undefined,
      mllpHost: '0.0.0.0',
      dropDir: undefined,
    });
  });
});
