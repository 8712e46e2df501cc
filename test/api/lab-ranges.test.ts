import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateAfter, siteDateFromToday } from '../support/dosed-participant.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { enrolledParticipant, fields } from './safety-support.ts';

// Laboratory reference ranges per site, sex and age band: imported by the data manager, applied on
// save (a value in another unit converted by UCUM and kept as entered), flagged low, normal or high,
// and judged clinically significant or not by the investigator.

const day1 = siteDateFromToday(-3);
const day3 = dateAfter(day1, 2);

// The participant is a man born 1962-06-15 (src/synth/sample-patient.ts): over 60 at any date this runs.
const RANGES = [
  'item,sex,ageLow,ageHigh,low,high,unit',
  'labs.alt,M,,,9,50,U/L',
  'labs.alt,F,,,7,40,U/L',
  'creatinine,M,18,59,57,97,umol/L',
  'creatinine,M,60,,0.75,1.2,mg/dL',
  'labs.haemoglobin,M,,,130,175,g/L',
  'labs.haemoglobin,,,,115,175,g/L',
].join('\n');

const labsUrl = (participantId: string, visitKey: string) =>
  `/api/v1/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/labs?instance=1`;

describeEachDatabase('laboratory reference ranges and flags', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;
  const rangesUrl = () => `/api/v1/sites/${users.siteId}/lab-ranges`;

  beforeAll(async () => {
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    participantId = await enrolledParticipant(t, users, day1);
    // An ALT entered before the site has any range: unflagged until the ranges come.
    const early = await as(t.app, users.coordinator).put(labsUrl(participantId, 'day-5'), {
      version: 0,
      entries: fields({ collectedOn: day3, alt: 60 }),
    });
    expect(early.statusCode, early.body).toBe(200);
  });
  afterAll(async () => t?.close());

  const rangeCount = () =>
    t.database.read(async (db) =>
      Number(
        (
          await db
            .selectFrom('lab_reference_range')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('site_id', '=', users.siteId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    );

  describe('import', () => {
    it('lets only the data manager import, and a site coordinator not', async () => {
      const refused = await as(t.app, users.coordinator).post(`${rangesUrl()}/import`, { csv: RANGES });
      expect(refused.statusCode).toBe(403);
      expect(await rangeCount()).toBe(0);
    });

    it("stores a site's ranges, each converted to its item's unit, and audits the import", async () => {
      const response = await as(t.app, users.dataManager).post(`${rangesUrl()}/import`, {
        csv: RANGES,
        fileName: 'ruijin-ranges.csv',
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body.replaced).toBe(0);
      // The day-5 ALT entered before any range is flagged now.
      expect(body.reflagged).toBe(1);
      expect(body.ranges).toHaveLength(6);
      const older = body.ranges.find(
        (range: { itemKey: string; ageLow: number | null }) =>
          range.itemKey === 'labs.creatinine' && range.ageLow === 60,
      );
      expect(older).toMatchObject({
        unit: 'mg/dL',
        low: 0.75,
        high: 1.2,
        standardUnit: 'umol/L',
        ageHigh: null,
      });
      // 0.75 mg/dL and 1.2 mg/dL of creatinine (113.12 g/mol) are 66.3 and 106.1 µmol/L.
      expect(older.standardLow).toBeCloseTo(66.3, 1);
      expect(older.standardHigh).toBeCloseTo(106.1, 1);
      expect(body.items.find((item: { key: string }) => item.key === 'labs.creatinine').units).toEqual([
        'umol/L',
        'mg/dL',
      ]);
      const events = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['entity_id', 'reason', 'new_value'])
          .where('action', '=', 'lab.ranges.import')
          .execute(),
      );
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ entity_id: users.siteId, reason: 'imported from ruijin-ranges.csv' });
      expect(JSON.stringify(events[0]?.new_value)).toContain('"unit":"mg/dL"');
    });

    it('flags the values entered before the ranges came', async () => {
      const flags = (
        await as(t.app, users.investigator).get(`/api/v1/participants/${participantId}/lab-flags`)
      ).json().flags as Array<Record<string, unknown>>;
      expect(flags.find((flag) => flag.visitKey === 'day-5' && flag.itemId === 'alt')).toMatchObject({
        flag: 'high',
        value: 60,
        range: { unit: 'U/L', low: 9, high: 50 },
      });
    });

    it('refuses a file with bad lines whole, listing each line, and keeps the ranges in force', async () => {
      const bad = [
        'item,sex,ageLow,ageHigh,low,high,unit',
        'labs.alt,M,,,9,50,U/L',
        'labs.sodium,,,,135,145,mmol/L',
        'labs.ast,X,,,10,40,U/L',
        'labs.ast,,,,10,40,mg/dL',
        'labs.creatinine,M,18,70,57,97,umol/L',
        'labs.creatinine,M,65,,57,97,umol/L',
        'labs.crp,,,,10,1,mg/L',
      ].join('\n');
      const response = await as(t.app, users.dataManager).post(`${rangesUrl()}/import`, { csv: bad });
      expect(response.statusCode).toBe(400);
      const lines = response.json().details.badRows.map((row: { line: number }) => row.line);
      expect(lines).toEqual([3, 4, 5, 7, 8]);
      expect(response.json().message).toContain('nothing was imported');
      expect(await rangeCount()).toBe(6);
    });

    it('lists the ranges to the site’s staff and to nobody of another site', async () => {
      const listed = await as(t.app, users.investigator).get(rangesUrl());
      expect(listed.statusCode).toBe(200);
      expect(listed.json().ranges).toHaveLength(6);
      expect((await as(t.app, users.otherCoordinator).get(rangesUrl())).statusCode).toBe(403);
    });
  });

  describe('values saved against the ranges', () => {
    let recordId: string;

    it('converts a value entered in another unit and stores both, and flags each value', async () => {
      const response = await as(t.app, users.coordinator).put(labsUrl(participantId, 'day-3'), {
        version: 0,
        entries: {
          ...fields({ collectedOn: day3, alt: 45 }),
          creatinine: { value: 1.3, unit: 'mg/dL' },
          haemoglobin: { value: 12.1, unit: 'g/dL' },
          lymphocytes: { value: 1.2 },
        },
      });
      expect(response.statusCode, response.body).toBe(200);
      recordId = response.json().recordId;
      const entries = response.json().entries;
      // 1.3 mg/dL of creatinine is 114.9 µmol/L, kept to the item's precision (0 decimals).
      expect(entries.creatinine).toMatchObject({ value: 115, original: { value: 1.3, unit: 'mg/dL' } });
      expect(entries.haemoglobin).toMatchObject({ value: 121, original: { value: 12.1, unit: 'g/dL' } });
      expect(entries.alt.original).toBeUndefined();

      const flags = (
        await as(t.app, users.investigator).get(`/api/v1/participants/${participantId}/lab-flags`)
      ).json().flags as Array<Record<string, unknown>>;
      // The screening creatinine (80 µmol/L) has no collection date, so no age and no age band: no range.
      expect(
        flags.find((flag) => flag.visitKey === 'screening' && flag.itemKey === 'labs.creatinine'),
      ).toMatchObject({
        itemId: 'creatinine',
        flag: null,
      });
      const byItem = Object.fromEntries(
        flags.filter((flag) => flag.visitKey === 'day-3').map((flag) => [flag.itemId, flag]),
      );
      expect(byItem.alt).toMatchObject({ flag: 'normal', value: 45, unit: 'U/L', original: null });
      // The 60-and-over band of the man's sex, in the laboratory's unit as entered and in the item's.
      expect(byItem.creatinine).toMatchObject({
        flag: 'high',
        value: 115,
        unit: 'umol/L',
        original: { value: 1.3, unit: 'mg/dL' },
        range: { unit: 'mg/dL', low: 0.75, high: 1.2 },
      });
      // The man's own range (130–175 g/L) wins over the one for either sex (115–175 g/L): 121 g/L is low.
      expect(byItem.haemoglobin).toMatchObject({ flag: 'low', range: { unit: 'g/dL', low: 13, high: 17.5 } });
      expect(byItem.lymphocytes).toMatchObject({ flag: null, range: null });
      // Each flag carries the protocol version its form record was entered under (the page names its item so).
      const stored = await t.database.read((db) =>
        db.selectFrom('form_record').select(['record_id', 'protocol_version']).execute(),
      );
      const versionOf = new Map(stored.map((row) => [row.record_id, row.protocol_version]));
      expect(flags.length).toBeGreaterThan(0);
      for (const flag of flags) {
        expect(versionOf.get(flag.recordId as string)).toBe(1);
        expect(flag.protocolVersion).toBe(1);
      }
    });

    it('refuses a unit the item does not list, saving nothing', async () => {
      const before = (await as(t.app, users.coordinator).get(labsUrl(participantId, 'day-5'))).json();
      const response = await as(t.app, users.coordinator).put(labsUrl(participantId, 'day-5'), {
        version: before.version,
        entries: { alt: { value: 45, unit: 'mg/dL' } },
        reason: 'unit of the report',
      });
      expect(response.statusCode).toBe(400);
      expect(JSON.stringify(response.json().details)).toContain(
        'mg/dL is not a unit of alt; use one of U/L, ukat/L',
      );
      const form = (await as(t.app, users.coordinator).get(labsUrl(participantId, 'day-5'))).json();
      expect(form.version).toBe(before.version);
      expect(form.entries.alt.value).toBe(60);
    });

    it('lets the investigator, not the coordinator, judge an out-of-range value, audited', async () => {
      const url = `/api/v1/participants/${participantId}/lab-flags/${recordId}/haemoglobin/significance`;
      const refused = await as(t.app, users.coordinator).put(url, { revision: 1, significant: true });
      expect(refused.statusCode).toBe(403);
      const marked = await as(t.app, users.investigator).put(url, {
        revision: 1,
        significant: true,
        comment: 'falling since screening',
      });
      expect(marked.statusCode, marked.body).toBe(200);
      expect(marked.json().significance).toMatchObject({ significant: true, by: 'Investigator' });
      expect(marked.json().protocolVersion).toBe(1);
      const events = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['field', 'new_value'])
          .where('action', '=', 'lab.significance.mark')
          .execute(),
      );
      expect(events).toEqual([
        {
          field: 'day-3:labs.haemoglobin',
          new_value: { significant: true, comment: 'falling since screening' },
        },
      ]);
    });

    it('refuses to judge a normal value, or a revision that is no longer current', async () => {
      const base = `/api/v1/participants/${participantId}/lab-flags/${recordId}`;
      const normal = await as(t.app, users.investigator).put(`${base}/alt/significance`, {
        revision: 1,
        significant: false,
      });
      expect(normal.statusCode).toBe(400);
      const stale = await as(t.app, users.investigator).put(`${base}/creatinine/significance`, {
        revision: 2,
        significant: false,
      });
      expect(stale.statusCode).toBe(409);
    });

    it('keeps a judgement when the same ranges are imported again (no flag changes)', async () => {
      const again = await as(t.app, users.dataManager).post(`${rangesUrl()}/import`, { csv: RANGES });
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json().reflagged).toBe(0);
      const flags = (
        await as(t.app, users.investigator).get(`/api/v1/participants/${participantId}/lab-flags`)
      ).json().flags as Array<Record<string, unknown>>;
      expect(flags.find((flag) => flag.itemId === 'haemoglobin')).toMatchObject({
        flag: 'low',
        significance: { significant: true },
      });
    });

    it('re-flags a corrected value and clears the judgement of the old one', async () => {
      const form = (await as(t.app, users.coordinator).get(labsUrl(participantId, 'day-3'))).json();
      const response = await as(t.app, users.coordinator).put(labsUrl(participantId, 'day-3'), {
        version: form.version,
        entries: { haemoglobin: { value: 140 } },
        reason: 'transcription error',
      });
      expect(response.statusCode, response.body).toBe(200);
      const flags = (
        await as(t.app, users.investigator).get(`/api/v1/participants/${participantId}/lab-flags`)
      ).json().flags as Array<Record<string, unknown>>;
      expect(flags.find((flag) => flag.itemId === 'haemoglobin')).toMatchObject({
        flag: 'normal',
        revision: 2,
        original: null,
        significance: null,
      });
    });

    it('flags the values again by the other sex’s ranges when the sex is corrected', async () => {
      const url = `/api/v1/participants/${participantId}/visits/screening/forms/demographics`;
      const form = (await as(t.app, users.coordinator).get(url)).json();
      const corrected = await as(t.app, users.coordinator).put(url, {
        version: form.version,
        entries: { sex: { value: 'F' } },
        reason: 'sex entered wrongly',
      });
      expect(corrected.statusCode, corrected.body).toBe(200);
      const flags = (
        await as(t.app, users.investigator).get(`/api/v1/participants/${participantId}/lab-flags`)
      ).json().flags as Array<Record<string, unknown>>;
      const day3Flag = (itemId: string) =>
        flags.find((flag) => flag.visitKey === 'day-3' && flag.itemId === itemId);
      // ALT 45 U/L: normal for a man (9–50), high for a woman (7–40).
      expect(day3Flag('alt')).toMatchObject({ flag: 'high', range: { low: 7, high: 40 } });
      // Creatinine has ranges for men only: no range applies any more.
      expect(day3Flag('creatinine')).toMatchObject({ flag: null, range: null });
      // Haemoglobin 140 g/L: normal by the range for either sex (115–175) as it was by the man's.
      expect(day3Flag('haemoglobin')).toMatchObject({ flag: 'normal', range: { low: 115, high: 175 } });
    });

    it('shows a participant’s flags to nobody of another site', async () => {
      const response = await as(t.app, users.otherCoordinator).get(
        `/api/v1/participants/${participantId}/lab-flags`,
      );
      expect(response.statusCode).toBe(403);
    });
  });
});
