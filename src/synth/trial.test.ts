import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.ts';
import { verifyStudyChain } from '../audit/audit.query.ts';
import type { Entries } from '../crf/entries.ts';
import { defaultPrivacy } from '../exchange/privacy.ts';
import { exportSdtmDirectory } from '../exchange/sdtm/sdtm-files.ts';
import { relatednessOf } from '../safety/causality.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import { syntheticTrialCounts, syntheticTrialDigest } from './summary.ts';
import { generateSyntheticTrial, type SyntheticTrialResult } from './trial.ts';

const asOf = new Date().toISOString().slice(0, 10);
const options = { subjects: 7, sites: 2, seed: 7, asOf, password: 'synthetic staff secret' };

describe('synthetic trial generator', () => {
  const apps: TestApp[] = [];
  const fresh = async () => {
    const t = await createTestApp('pglite');
    apps.push(t);
    return t;
  };
  let first: TestApp;
  let firstDigest: string;
  let firstResult: SyntheticTrialResult;

  beforeAll(async () => {
    first = await fresh();
    firstResult = await generateSyntheticTrial(first.database, first.studyId, options);
    firstDigest = await first.database.read((db) => syntheticTrialDigest(db, first.studyId));
  }, 600_000);
  afterAll(async () => {
    for (const t of apps) await t.close();
  });

  it('writes a whole trial through the services: every outcome, all marked synthetic', async () => {
    const counts = await first.database.read((db) => syntheticTrialCounts(db, first.studyId));
    expect(counts.screened).toBe(7);
    expect(counts.byStatus.screen_failed).toBe(1);
    expect(counts.byStatus.declined).toBe(1);
    expect(counts.forms).toBeGreaterThan(50);
    const participants = await first.database.read((db) =>
      db.selectFrom('participant').selectAll().where('study_id', '=', first.studyId).execute(),
    );
    expect(participants.every((participant) => participant.synthetic)).toBe(true);
    expect(new Set(participants.map((participant) => participant.site_id)).size).toBe(2);
    for (const participant of participants.filter((p) => p.status === 'screen_failed')) {
      expect((participant.failed_criteria ?? []).length, participant.status_reason ?? '').toBeGreaterThan(0);
    }
    const enrolled = participants.filter((participant) => participant.study_number !== null);
    expect(enrolled.length).toBe(5);
    expect(enrolled.every((participant) => participant.eligibility_confirmed_at !== null)).toBe(true);
    // The trail shows who did it: the synthetic staff, not a system actor.
    const actors = await first.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select('actor_label')
        .distinct()
        .where('study_id', '=', first.studyId)
        .where('action', '=', 'crf.value.enter')
        .execute(),
    );
    expect(actors.map((row) => row.actor_label).sort()).toEqual([
      'coordinator.jyt@demo.exotrial.org',
      'coordinator.rj@demo.exotrial.org',
    ]);
  });

  it('gives a positive day-7 RT-PCR a series at the unscheduled visit ending in two negatives a day apart', async () => {
    const rows = await first.database.read((db) =>
      db
        .selectFrom('form_record')
        .select(['participant_id', 'instance', 'entries'])
        .where('study_id', '=', first.studyId)
        .where('form_id', '=', 'rtPcr')
        .where('visit_id', '=', 'unscheduled')
        .orderBy('participant_id')
        .orderBy('instance')
        .execute(),
    );
    expect(rows.length).toBeGreaterThan(1);
    const byParticipant = new Map<string, typeof rows>();
    for (const row of rows)
      byParticipant.set(row.participant_id, [...(byParticipant.get(row.participant_id) ?? []), row]);
    const cleared = [...byParticipant.values()].filter((tests) => {
      const [before, last] = tests.slice(-2).map((row) => row.entries as Entries);
      const negative = (entries: Entries | undefined) => entries?.result?.value === 'negative';
      const dayOf = (entries: Entries | undefined) => Date.parse(String(entries?.collectedOn?.value));
      return negative(before) && negative(last) && dayOf(last) - dayOf(before) >= 86_400_000;
    });
    expect(cleared.length).toBeGreaterThan(0);
    for (const tests of byParticipant.values()) {
      expect(tests.map((row) => row.instance)).toEqual(tests.map((_row, index) => index + 1));
    }
  });

  it('leaves an intact audit chain: every service call audited, several people to a commit', async () => {
    const verified = await verifyStudyChain(first.database, first.studyId);
    expect(verified.firstBreak).toBeNull();
    expect(verified.intact).toBe(true);
    // At least one event per form value saved, besides the screening, consent and dosing events.
    const counts = await first.database.read((db) => syntheticTrialCounts(db, first.studyId));
    expect(verified.events).toBeGreaterThan(counts.forms);
  });

  it("counts related events by the protocol's causality mapping, as the safety tables do", async () => {
    const events = await first.database.read((db) =>
      db
        .selectFrom('adverse_event')
        .select(['entries', 'protocol_version'])
        .where('study_id', '=', first.studyId)
        .execute(),
    );
    expect(events.length).toBe(firstResult.written.adverseEvents);
    let related = 0;
    for (const event of events) {
      const { protocol } = await first.database.read((db) =>
        protocolVersion(db, first.studyId, event.protocol_version),
      );
      const causality = (event.entries as Entries).causality?.value;
      if (relatednessOf(protocol, typeof causality === 'string' ? causality : null)?.related) related++;
    }
    expect(firstResult.written.related).toBe(related);
  });

  it('codes its events and medications with the shipped synthetic dictionaries, leaving the unmatched for the coder', async () => {
    const items = await first.database.read((db) =>
      db
        .selectFrom('coding_item')
        .select(['dictionary', 'status', 'verbatim', 'code'])
        .where('study_id', '=', first.studyId)
        .execute(),
    );
    const events = await first.database.read((db) =>
      db.selectFrom('adverse_event').select('ae_id').where('study_id', '=', first.studyId).execute(),
    );
    const meddra = items.filter((item) => item.dictionary === 'meddra');
    expect(meddra.length).toBe(events.length);
    expect(meddra.length).toBeGreaterThan(0);
    // Every adverse event term of the demo is an LLT of the synthetic MedDRA: all auto-coded.
    expect(meddra.every((item) => item.status === 'coded' && item.code !== null)).toBe(true);
    const drugs = items.filter((item) => item.dictionary === 'whodrug');
    expect(drugs.filter((item) => item.status === 'coded').length).toBeGreaterThan(0);
    // Amlodipine and Metformin are not in the synthetic WHODrug: they wait in the coder's queue.
    const queued = new Set(drugs.filter((item) => item.status !== 'coded').map((item) => item.verbatim));
    expect([...queued].every((verbatim) => ['Amlodipine', 'Metformin'].includes(verbatim))).toBe(true);
    const chosen = await first.database.read((db) =>
      db
        .selectFrom('study_dictionary as s')
        .innerJoin('dictionary_version as v', 'v.dictionary_version_id', 's.dictionary_version_id')
        .select(['s.dictionary', 'v.version'])
        .where('s.study_id', '=', first.studyId)
        .orderBy('s.dictionary')
        .execute(),
    );
    expect(chosen).toEqual([
      { dictionary: 'meddra', version: '99.0' },
      { dictionary: 'whodrug', version: '2099.1' },
    ]);
    // The SDTM export carries the codes: every AE row has its preferred term and SOC, CM rows their drug.
    const folder = mkdtempSync(join(tmpdir(), 'exotrial-demo-sdtm-'));
    try {
      await exportSdtmDirectory(first.database, first.studyId, folder, {
        format: 'csv',
        privacy: defaultPrivacy,
        csvCells: 'raw',
      });
      const rows = (name: string): Array<Record<string, string>> =>
        parse(readFileSync(join(folder, name), 'utf8'), { columns: true });
      const ae = rows('ae.csv');
      expect(ae.length).toBe(events.length);
      expect(ae.every((row) => row.AEDECOD !== '' && row.AESOC !== '' && row.AELLTCD !== '')).toBe(true);
      expect(rows('cm.csv').some((row) => row.CMDECOD !== '' && row.CMCLASCD !== '')).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('has a visit taken a day late, proposed as a deviation by the form service and confirmed by the monitor', async () => {
    const deviations = await first.database.read((db) =>
      db.selectFrom('protocol_deviation').selectAll().where('study_id', '=', first.studyId).execute(),
    );
    expect(deviations).toHaveLength(1);
    const [deviation] = deviations;
    expect(deviation).toMatchObject({
      visit_id: 'day-6',
      form_id: 'vitals',
      category: 'visit-window',
      status: 'confirmed',
      severity: 'minor',
      decided_by_name: expect.stringMatching(/monitor/i),
    });
    expect(deviation?.description).toMatch(/1 day after its window closed/);
    expect(deviation?.source_key).toMatch(/^form_record:/);
    const actions = await first.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select('action')
        .where('study_id', '=', first.studyId)
        .where('entity_id', '=', deviation?.deviation_id ?? '')
        .execute(),
    );
    expect(actions.map((row) => row.action)).toContain('deviation.confirm');
    const counts = await first.database.read((db) => syntheticTrialCounts(db, first.studyId));
    expect(counts.deviations).toEqual({ proposed: 0, confirmed: 1, rejected: 0 });
    expect((await verifyStudyChain(first.database, first.studyId)).intact).toBe(true);
  });

  it('gives the same data for the same seed and day, however many people go in one commit, and other data for another seed', async () => {
    const again = await fresh();
    await generateSyntheticTrial(again.database, again.studyId, {
      ...options,
      password: 'another staff secret',
      peoplePerCommit: 2,
    });
    expect(await again.database.read((db) => syntheticTrialDigest(db, again.studyId))).toBe(firstDigest);
    expect((await verifyStudyChain(again.database, again.studyId)).intact).toBe(true);
    const other = await fresh();
    await generateSyntheticTrial(other.database, other.studyId, { ...options, subjects: 3, seed: 8 });
    const otherDigest = await other.database.read((db) => syntheticTrialDigest(db, other.studyId));
    expect(otherDigest).not.toBe(firstDigest);
    // Three whole trials, product and safety included, through the services.
  }, 900_000);

  it('refuses a database that holds real participants unless forced', async () => {
    const t = await fresh();
    await generateSyntheticTrial(t.database, t.studyId, { ...options, subjects: 1 });
    await t.database.transaction((trx) =>
      trx.updateTable('participant').set({ synthetic: false }).where('study_id', '=', t.studyId).execute(),
    );
    await expect(generateSyntheticTrial(t.database, t.studyId, { ...options, subjects: 1 })).rejects.toThrow(
      /real \(non-synthetic\) participant/,
    );
    await generateSyntheticTrial(t.database, t.studyId, { ...options, subjects: 1, force: true });
    const counts = await t.database.read((db) => syntheticTrialCounts(db, t.studyId));
    expect(counts.screened).toBe(1);
  }, 600_000);
});
