import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { cliCaller } from '../../src/cli/cli-caller.ts';
import { setLock } from '../../src/crf/review.service.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { exotrialInProcessOn } from '../support/cli.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const rctProtocol = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));

describeEachDatabase('exotrial randomisation unblind', (kind) => {
  let target: TestTarget;
  let studyId: string;

  const exotrial = (args: string[]) => exotrialInProcessOn(target.target, args);

  beforeAll(async () => {
    target = await freshTarget(kind);
    const config = testConfig(target.target, { EXOTRIAL_PROTOCOL: rctProtocol });
    const database = await openDatabase(target.target);
    ({ studyId } = await bootstrap(database, config, pino({ level: 'silent' })));
    await database.close();
  });
  afterAll(async () => target?.dispose());

  it('records the study’s unblinding once the database is locked, once, with a reason', async () => {
    const generated = await exotrial(['randomisation', 'generate', '--seed', '5']);
    const hash = /List hash: ([0-9a-f]{64})/.exec(generated.stdout)?.[1] ?? '';
    expect((await exotrial(['randomisation', 'seal', '--hash', hash])).code).toBe(0);

    const early = await exotrial(['randomisation', 'unblind', '--reason', 'final analysis']);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('The study is not locked');

    const database = await openDatabase(target.target);
    await setLock(database, studyId, cliCaller('test lock'), { kind: 'study' }, true, undefined);
    await database.close();

    const blank = await exotrial(['randomisation', 'unblind', '--reason', ' ']);
    expect(blank.code).toBe(1);
    expect(blank.stderr).toContain('--reason must say why');
    const done = await exotrial(['randomisation', 'unblind', '--reason', 'Database locked: final analysis']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('The study is unblinded: recorded by cli randomisation unblind');
    const twice = await exotrial(['randomisation', 'unblind', '--reason', 'again']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('unblinded already');
  });
});
