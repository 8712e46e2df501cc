import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Entries } from '../../src/crf/entries.ts';
import { reportJson } from '../../src/report/report.model.ts';
import { loadReport } from '../../src/report/report.service.ts';
import { relatednessOf } from '../../src/safety/causality.ts';
import { protocolVersion } from '../../src/study/protocol-store.ts';
import { generateSyntheticTrial, type SyntheticTrialResult } from '../../src/synth/trial.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';

// The synthetic trial writes doses, adverse events and the product's life through the services; the
// report, reading only source rows, must count exactly what the generator says it wrote.

describeEachDatabase('report of the synthetic trial', (kind) => {
  let t: TestApp;
  let result: SyntheticTrialResult;

  beforeAll(async () => {
    t = await createTestApp(kind);
    result = await generateSyntheticTrial(t.database, t.studyId, {
      subjects: 16,
      sites: 2,
      seed: 3,
      password: 'synthetic staff secret',
    });
  }, 600_000);
  afterAll(async () => {
    await t?.close();
  });

  it('counts the doses, adverse events, serious events and deaths the generator wrote', async () => {
    const json = reportJson((await loadReport(t.database, t.studyId, null)).model);
    const { written } = result;
    const reported = json.dosing.doses.reduce(
      (sum, row) => ({
        completed: sum.completed + row.completed,
        interrupted: sum.interrupted + row.interrupted,
        notGiven: sum.notGiven + row.notGiven,
      }),
      { completed: 0, interrupted: 0, notGiven: 0 },
    );
    expect(reported).toEqual(written.doses);
    expect(written.doses.completed).toBeGreaterThan(10);
    expect(json.safety?.events).toBe(written.adverseEvents);
    expect(json.safety?.seriousListing.length).toBe(written.serious);
    expect(written.serious).toBeGreaterThan(0);
    // Every death has its fatal serious event.
    expect(json.consort.died).toBe(written.fatal);
    expect(json.consort.died).toBeGreaterThan(0);
    expect(json.efficacy.ttci?.kaplanMeier?.n).toBeGreaterThan(0);
    const reports = written.siteReports.onTime + written.siteReports.late;
    expect(reports).toBe(written.serious);
  }, 300_000);

  it('groups the demo events by coded preferred term within system organ class: none left uncoded', async () => {
    const groups = (await loadReport(t.database, t.studyId, null)).model.safety?.bySocAndTerm ?? [];
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.every((group) => group.soc !== null)).toBe(true);
    const terms = groups.flatMap((group) => group.terms.map((term) => term.term));
    // "Worsening respiratory failure" and "Respiratory failure" are LLTs of one synthetic PT.
    expect(terms).toContain('Respiratory failure');
    const verbatims = groups.flatMap((group) => group.terms.flatMap((term) => term.verbatims));
    expect(verbatims.length).toBeGreaterThanOrEqual(terms.length);
  });

  it("counts related events by the protocol's causality mapping: some related, some not", async () => {
    const events = await t.database.read((db) =>
      db
        .selectFrom('adverse_event')
        .select(['entries', 'protocol_version'])
        .where('study_id', '=', t.studyId)
        .execute(),
    );
    let related = 0;
    for (const event of events) {
      const { protocol } = await t.database.read((db) =>
        protocolVersion(db, t.studyId, event.protocol_version),
      );
      const causality = (event.entries as Entries).causality?.value;
      if (relatednessOf(protocol, typeof causality === 'string' ? causality : null)?.related) related++;
    }
    expect(result.written.related).toBe(related);
    expect(related).toBeGreaterThan(0);
    expect(related).toBeLessThan(events.length);
  });

  it('keeps the product whole: one excursion, its vials destroyed, every dispensed vial shipped and released', async () => {
    const { product, doses } = result.written;
    expect(product.excursions).toBe(1);
    expect(product.vialsQuarantined).toBe(20);
    expect(product.vialsDestroyed).toBe(20);
    const rows = await t.database.read(async (db) => ({
      dispensed: await db
        .selectFrom('dispensing')
        .innerJoin('product_lot as lot', (join) =>
          join
            .onRef('lot.study_id', '=', 'dispensing.study_id')
            .onRef('lot.lot_id', '=', 'dispensing.lot_id'),
        )
        .select(['lot.status', 'dispensing.participant_id'])
        .where('dispensing.study_id', '=', t.studyId)
        .execute(),
      shipments: await db.selectFrom('shipment').select('status').where('study_id', '=', t.studyId).execute(),
    }));
    expect(rows.dispensed.length).toBe(doses.completed + doses.interrupted);
    expect(rows.dispensed.every((row) => row.status === 'released')).toBe(true);
    expect(rows.shipments.length).toBe(product.shipments);
    expect(rows.shipments.every((row) => row.status === 'received')).toBe(true);
  });
});
