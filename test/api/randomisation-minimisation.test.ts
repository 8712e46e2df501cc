import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { minimisationDraws, minimise } from '../../src/randomisation/minimisation.ts';
import { createTestApp, describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { createStatistician, enrolIn, readyIn } from './randomisation-support.ts';

// Minimisation at enrolment: the randomised example with its randomisation section changed to
// Pocock–Simon (1:1, site and severity, range, p = 0.8). Each allocation must be the one the pure
// function gives from the seed, the allocations before it and the participant's levels.

const rctText = readFileSync(
  fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url)),
  'utf8',
);
const design = {
  method: 'minimisation',
  ratio: { 'mscs-exo': 1, placebo: 1 },
  imbalance: 'range',
  preferredArmProbability: 0.8,
  stratification: [
    { id: 'site', source: 'site', weight: 1 },
    {
      id: 'severity',
      source: 'item',
      item: 'screening.diseaseSeverity',
      weight: 2,
      levels: [
        { id: 'severe', values: ['severe'] },
        { id: 'critical', values: ['critical'] },
      ],
    },
  ],
};

describeEachDatabase('randomisation by minimisation', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let statistician: SignedIn;
  let folder: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'exotrial-minimisation-'));
    const document = parse(rctText) as Record<string, unknown>;
    document.randomisation = design;
    const protocolFile = join(folder, 'minimisation.yaml');
    writeFileSync(protocolFile, stringify(document));
    t = await createTestApp(kind, { EXOTRIAL_PROTOCOL: protocolFile });
    users = await createTrialUsers(t);
    statistician = await createStatistician(t);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('allocates each participant as Pocock–Simon with the recorded seed says, in order', async () => {
    const generated = await as(t.app, statistician).post('/api/v1/randomisation/list', { seed: 4242 });
    expect(generated.statusCode, generated.body).toBe(200);
    expect(generated.json()).toMatchObject({ method: 'minimisation', status: 'generated', entryCount: 0 });
    const sealed = await as(t.app, statistician).post('/api/v1/randomisation/list/seal', {
      listHash: generated.json().listHash,
    });
    expect(sealed.statusCode, sealed.body).toBe(200);

    const severities = ['severe', 'critical', 'severe', 'severe', 'critical', 'severe'] as const;
    for (const severity of severities) {
      const participantId = await readyIn(t, users, severity);
      const enrolled = await enrolIn(t, users, participantId);
      expect(enrolled.statusCode, enrolled.body).toBe(200);
    }
    const list = await as(t.app, statistician).get('/api/v1/randomisation/list');
    expect(list.statusCode, list.body).toBe(200);
    const made: Array<{ sequence: number; arm: string; randomisationNumber: string }> =
      list.json().allocationsMade;
    expect(made.map((row) => row.randomisationNumber)).toEqual([
      'M-0001',
      'M-0002',
      'M-0003',
      'M-0004',
      'M-0005',
      'M-0006',
    ]);

    // Re-done by hand from the seed: each allocation from those before it.
    const expected: Array<{ levels: Record<string, string>; arm: string }> = [];
    severities.forEach((severity, index) => {
      const levels = { site: users.siteId, severity };
      const { arm } = minimise(
        {
          ratio: design.ratio,
          factors: [
            { id: 'site', weight: 1 },
            { id: 'severity', weight: 2 },
          ],
          imbalance: 'range',
          preferredArmProbability: 0.8,
        },
        expected,
        levels,
        minimisationDraws(4242, index),
      );
      expected.push({ levels, arm });
    });
    expect(made.map((row) => row.arm)).toEqual(expected.map((row) => row.arm));
    // Both arms are used, and the six stay within two of each other.
    const active = made.filter((row) => row.arm === 'mscs-exo').length;
    expect(Math.abs(active - (made.length - active))).toBeLessThanOrEqual(2);

    const rows = await t.database.read((db) =>
      db.selectFrom('randomisation_allocation').select(['sequence', 'detail']).orderBy('sequence').execute(),
    );
    expect(rows[0]?.detail).toMatchObject({
      draws: minimisationDraws(4242, 0),
      preferred: ['mscs-exo', 'placebo'],
    });
  });
});
