import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FieldInput, hasUnstorableCharacters } from '../../src/crf/entries.ts';
import { checkForm } from '../../src/crf/form-checks.ts';
import { participantValues } from '../../src/crf/record-values.ts';
import { formSlots } from '../../src/participants/schedule.ts';
import type { Protocol, ProtocolItem } from '../../src/protocol/schema.ts';
import { currentProtocol } from '../../src/study/protocol-store.ts';
import { generateSyntheticTrial } from '../../src/synth/trial.ts';
import {
  createTestApp,
  describeEachDatabase,
  type SignedIn,
  signIn,
  type TestApp,
} from '../support/test-app.ts';

// Random and malformed form saves against PUT …/visits/:visitKey/forms/:formId on an enrolled
// participant. Whatever the payload: never a 5xx; a 2xx stores only values that pass the form's
// checks again; a 4xx changes nothing (the record and the audit chain head stay as they were).

// PGlite takes the full 10,000; PostgreSQL (a server round trip per statement) a share that keeps it near a minute.
const RUNS_BY_KIND = {
  pglite: Number(process.env.FUZZ_RUNS ?? 10_000),
  postgres: Number(process.env.FUZZ_RUNS_POSTGRES ?? process.env.FUZZ_RUNS ?? 1_500),
};
const PASSWORD = 'fuzzing staff password';

const nasty = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-0',
  '0x10',
  "'; drop table form_record; --",
  "1' or '1'='1",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{constructor.constructor("return process")()}}',
  '\u0000',
  '\ud800',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ 中文 עברית',
  '2020-02-30',
  '2020-13-01',
  '2026-01-01T25:61',
  '9999-12-31T23:59:59Z',
  ' ',
  '',
];
/** Text that PostgreSQL cannot store or that has no place in a record: NUL, lone surrogates, controls. */
const unstorable = fc.constantFrom(
  'a\u0000b',
  '\u0000',
  'x\ud800',
  '\udc00y',
  'bell\u0007',
  'esc\u001b[31m',
  'del\u007f',
);
const pollutionKeys = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '__defineGetter__',
];

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(...nasty, null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.1 + 0.2),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ minLength: 3990, maxLength: 4100 }),
  fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.integer()), { maxLength: 4 }),
  fc.anything({ maxDepth: 3 }),
  fc.letrec((tie) => ({
    deep: fc.oneof(
      { depthSize: 'small' },
      fc.integer(),
      fc.dictionary(fc.string({ maxLength: 4 }), tie('deep')),
    ),
  })).deep,
);

/** Values an item would accept (in range, right precision, listed code), so some saves succeed. */
function plausibleValue(protocol: Protocol, item: ProtocolItem): fc.Arbitrary<unknown> {
  const codes = item.choices?.map((choice) => choice.code) ??
    protocol.codeLists.find((list) => list.id === item.codeList)?.items.map((entry) => entry.code) ?? ['x'];
  switch (item.type) {
    case 'integer':
      return fc.integer({ min: item.range?.low ?? -1000, max: item.range?.high ?? 1000 });
    case 'decimal': {
      const places = item.precision ?? 2;
      const low = Math.round((item.range?.low ?? -1000) * 10 ** places);
      const high = Math.round((item.range?.high ?? 1000) * 10 ** places);
      return fc.integer({ min: low, max: high }).map((n) => n / 10 ** places);
    }
    case 'boolean':
      return fc.boolean();
    case 'date':
      return fc
        .date({ min: new Date('1920-01-01'), max: new Date(), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'datetime':
      return fc
        .date({ min: new Date('2020-01-01'), max: new Date(), noInvalidDate: true })
        .map((d) => `${d.toISOString().slice(0, 16)}:00Z`);
    case 'choice':
      return fc.constantFrom(...codes);
    case 'multichoice':
      return fc.subarray(codes);
    default:
      return fc.oneof(
        { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
        { weight: 1, arbitrary: unstorable },
      );
  }
}

interface SlotChoice {
  visitKey: string;
  formId: string;
  instance: string | undefined;
}

function buildPayloadArbitrary(protocol: Protocol) {
  const slots = formSlots(protocol);
  const slot: fc.Arbitrary<SlotChoice> = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constantFrom(...slots).chain((s) =>
        fc.record({
          visitKey: fc.constant(s.visitKey),
          formId: fc.constant(s.formId),
          instance:
            s.instances === 'single'
              ? fc.constant(undefined)
              : fc.oneof(fc.integer({ min: 1, max: 28 }).map(String), fc.constant(undefined)),
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        visitKey: fc.oneof(
          fc.constantFrom(
            'day-99',
            '../screening',
            'screening/../day-1',
            'day-1/pre-dose/x',
            '%00',
            'day-1\u0000',
            'screening\ud800',
            'x'.repeat(150),
            'daily-status',
          ),
          fc.string({ minLength: 1, maxLength: 20 }),
        ),
        formId: fc.oneof(
          fc.constantFrom('vitals', 'nope', '__proto__', 'constructor', 'adverseEvent'),
          fc.string({ minLength: 1, maxLength: 20 }),
        ),
        instance: fc.oneof(
          fc.constant(undefined),
          fc.constantFrom(
            '0',
            '-1',
            '1.5',
            '1e3',
            '10001',
            '99999999999999999999',
            'abc',
            'NaN',
            'Infinity',
            '',
          ),
          fc.integer().map(String),
        ),
      }),
    },
  );

  const fieldFor = (item: ProtocolItem | undefined): fc.Arbitrary<unknown> => {
    const value = item
      ? fc.oneof({ weight: 6, arbitrary: plausibleValue(protocol, item) }, { weight: 3, arbitrary: anyValue })
      : anyValue;
    return fc.oneof(
      { weight: 10, arbitrary: value.map((v) => ({ value: v })) },
      {
        weight: 2,
        arbitrary: fc.record(
          {
            missing: fc.constantFrom('not_done', 'unknown', 'not_applicable', 'lost', 1),
            missingReason: fc.option(
              fc.oneof(
                fc.string({ maxLength: 20 }),
                fc.string({ minLength: 495, maxLength: 520 }),
                fc.integer(),
              ),
              { nil: undefined },
            ),
          },
          { requiredKeys: ['missing'] },
        ),
      },
      { weight: 1, arbitrary: fc.record({ value, missing: fc.constantFrom('not_done', 'unknown') }) },
      { weight: 1, arbitrary: fc.record({ value, extra: anyValue }) },
      { weight: 1, arbitrary: anyValue },
      { weight: 1, arbitrary: fc.constant({}) },
      { weight: 1, arbitrary: fc.constant({ value: null }) },
    );
  };

  const hostile = slot.chain((chosen) => {
    const form = protocol.forms.find((entry) => entry.id === chosen.formId);
    const items = form?.items ?? [];
    const key = fc.oneof(
      {
        weight: 10,
        arbitrary: items.length ? fc.constantFrom(...items.map((item) => item.id)) : fc.constant('x'),
      },
      { weight: 1, arbitrary: fc.constantFrom(...pollutionKeys) },
      { weight: 1, arbitrary: fc.string({ maxLength: 110 }) },
    );
    const entries = fc
      .uniqueArray(key, { maxLength: 12, selector: (k) => k })
      .chain((keys) =>
        fc.tuple(
          ...keys.map((k) => fieldFor(items.find((item) => item.id === k)).map((f) => [k, f] as const)),
        ),
      );
    return fc.record({
      slot: fc.constant(chosen),
      version: fc.oneof(
        { weight: 12, arbitrary: fc.constant<'current' | 'stale'>('current') },
        { weight: 1, arbitrary: fc.constant<'current' | 'stale'>('stale') },
        { weight: 2, arbitrary: anyValue },
      ),
      entries: fc.oneof(
        { weight: 12, arbitrary: entries.map((pairs) => ({ pairs })) },
        { weight: 1, arbitrary: anyValue.map((raw) => ({ raw })) },
      ),
      reason: fc.oneof(
        { weight: 6, arbitrary: fc.constant('source verified correction') },
        { weight: 2, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: anyValue },
        { weight: 1, arbitrary: fc.string({ minLength: 990, maxLength: 1010 }) },
      ),
      extraTopLevel: fc.option(
        fc.tuple(fc.constantFrom('__proto__', 'constructor', 'extra', 'version '), anyValue),
        { freq: 2, nil: undefined },
      ),
      bodyShape: fc.constantFrom(
        'object',
        'object',
        'object',
        'object',
        'object',
        'object',
        'object',
        'array',
        'string',
        'null',
        'broken',
      ),
    });
  });

  // Well-formed saves of plausible values to real slots: they pass or fail on the form's own checks
  // (skip logic, hard edit checks, reasons for changes), which is where stored data could go wrong.
  const tidySlot = fc.constantFrom(...slots.filter((s) => s.instances !== 'per-day'));
  const tidy = fc
    .oneof(tidySlot, fc.constantFrom(...slots.filter((s) => s.instances === 'per-day')))
    .chain((s) => {
      const form = protocol.forms.find((entry) => entry.id === s.formId);
      const items = form?.items ?? [];
      const field = (item: ProtocolItem) =>
        fc.oneof(
          { weight: 12, arbitrary: plausibleValue(protocol, item).map((value) => ({ value })) },
          { weight: 1, arbitrary: fc.constant({ missing: 'not_done', missingReason: 'not measured' }) },
          {
            weight: 1,
            arbitrary: unstorable.map((missingReason) => ({ missing: 'unknown', missingReason })),
          },
          { weight: 1, arbitrary: fc.constant({ missing: 'unknown' }) },
          { weight: 1, arbitrary: fc.constant({ value: null }) },
        );
      return fc.record({
        slot: fc.record({
          visitKey: fc.constant(s.visitKey),
          formId: fc.constant(s.formId),
          instance:
            s.instances === 'single' ? fc.constant(undefined) : fc.integer({ min: 1, max: 28 }).map(String),
        }),
        version: fc.oneof(
          { weight: 20, arbitrary: fc.constant<'current' | 'stale'>('current') },
          { weight: 1, arbitrary: fc.constant<'current' | 'stale'>('stale') },
        ),
        entries: fc
          .subarray(items, { minLength: 1, maxLength: Math.min(8, items.length) })
          .chain((chosen) => fc.tuple(...chosen.map((item) => field(item).map((f) => [item.id, f] as const))))
          .map((pairs) => ({ pairs })),
        reason: fc.oneof(
          { weight: 5, arbitrary: fc.constant<unknown>('source verified correction') },
          { weight: 1, arbitrary: fc.constant<unknown>(undefined) },
          { weight: 1, arbitrary: unstorable },
        ),
        extraTopLevel: fc.constant(undefined),
        bodyShape: fc.constant('object' as const),
      });
    });
  return fc.oneof({ weight: 1, arbitrary: tidy }, { weight: 1, arbitrary: hostile });
}

/** Percent-encodes a path part; a lone surrogate (which encodeURIComponent refuses) goes as its invalid UTF-8 bytes. */
function encodePart(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return `${encodeURIComponent(text.replace(/[\ud800-\udfff]/g, ''))}%ED%A0%80`;
  }
}

/** JSON text written by hand, so keys such as "__proto__" reach the server as keys. */
function jsonObject(pairs: ReadonlyArray<readonly [string, unknown]>): string {
  return `{${pairs.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`;
}

describeEachDatabase('eCRF form-save fuzzing', (kind) => {
  const RUNS = RUNS_BY_KIND[kind];
  let t: TestApp;
  let coordinator: SignedIn;
  let participantId: string;
  let protocol: Protocol;
  const tally = { requests: 0, ok: 0, clientErrors: 0, byStatus: new Map<number, number>() };

  beforeAll(async () => {
    t = await createTestApp(kind);
    await generateSyntheticTrial(t.database, t.studyId, {
      subjects: 1,
      sites: 1,
      seed: 3,
      password: PASSWORD,
    });
    coordinator = await signIn(t.app, 'coordinator.rj@demo.exotrial.org', PASSWORD);
    participantId = await t.database.read(async (db) => {
      const row = await db
        .selectFrom('participant')
        .select('participant_id')
        .where('study_number', 'is not', null)
        .executeTakeFirstOrThrow();
      return row.participant_id;
    });
    protocol = (await t.database.read((db) => currentProtocol(db, t.studyId))).protocol;
  }, 300_000);
  afterAll(async () => {
    if (tally.requests > 0) {
      console.info(
        `crf fuzz [${kind}]: ${tally.requests} requests, ${tally.ok} saved, ${tally.clientErrors} refused with 4xx; by status ${JSON.stringify([...tally.byStatus].sort())}`,
      );
    }
    await t?.close();
  });

  const snapshot = (slot: SlotChoice) =>
    t.database.read(async (db) => {
      const instance = Number(slot.instance ?? 1);
      // A key PostgreSQL cannot even compare (NUL, lone surrogate) can have no row.
      const storable = !hasUnstorableCharacters(slot.visitKey + slot.formId);
      const row =
        storable && Number.isSafeInteger(instance)
          ? await db
              .selectFrom('form_record')
              .select(['record_id', 'version', 'entries'])
              .where('participant_id', '=', participantId)
              .where('visit_id', '=', slot.visitKey)
              .where('form_id', '=', slot.formId)
              .where('instance', '=', instance)
              .executeTakeFirst()
          : undefined;
      const head = await db.selectFrom('audit_chain_head').select(['seq', 'hash']).executeTakeFirst();
      return { row, head };
    });

  it(`survives ${RUNS} random and malformed saves: no 5xx, nothing invalid stored, a refusal changes nothing`, async () => {
    await fc.assert(
      fc.asyncProperty(buildPayloadArbitrary(protocol), async (input) => {
        const before = await snapshot(input.slot);
        const version =
          input.version === 'current'
            ? (before.row?.version ?? 0)
            : input.version === 'stale'
              ? (before.row?.version ?? 0) + 1
              : input.version;
        const pairs: Array<readonly [string, unknown]> = [['version', version]];
        const entriesText =
          'pairs' in input.entries
            ? jsonObject(input.entries.pairs)
            : (JSON.stringify(input.entries.raw) ?? 'null');
        if (input.reason !== undefined) pairs.push(['reason', input.reason]);
        if (input.extraTopLevel) pairs.push(input.extraTopLevel);
        const objectText = `{"entries":${entriesText}${pairs.length ? ',' : ''}${jsonObject(pairs).slice(1)}`;
        const body = {
          object: objectText,
          array: `[${objectText}]`,
          string: JSON.stringify(objectText),
          null: 'null',
          broken: objectText.slice(0, Math.max(1, objectText.length - 2)),
        }[input.bodyShape];
        const query = input.slot.instance === undefined ? '' : `?instance=${encodePart(input.slot.instance)}`;
        const response = await t.app.inject({
          method: 'PUT',
          url: `/api/v1/participants/${participantId}/visits/${encodePart(input.slot.visitKey)}/forms/${encodePart(input.slot.formId)}${query}`,
          headers: { ...coordinator.headers, 'content-type': 'application/json' },
          payload: body,
        });
        tally.requests += 1;
        if (process.env.FUZZ_DEBUG) console.log(response.statusCode, response.body.slice(0, 300));
        tally.byStatus.set(response.statusCode, (tally.byStatus.get(response.statusCode) ?? 0) + 1);
        expect(response.statusCode, response.body).toBeLessThan(500);
        const after = await snapshot(input.slot);
        if (response.statusCode >= 400) {
          tally.clientErrors += 1;
          expect(after, `a ${response.statusCode} changed data: ${response.body}`).toEqual(before);
          expect(response.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
          return;
        }
        tally.ok += 1;
        expect(after.row, response.body).toBeDefined();
        const form = protocol.forms.find((entry) => entry.id === input.slot.formId);
        if (!form || !after.row) throw new Error('a 2xx for a form that does not exist');
        const stored = after.row.entries as Record<string, FieldInput & { revision: number }>;
        const fields = Object.fromEntries(
          Object.entries(stored).map(([itemId, { value, missing, missingReason }]) => [
            itemId,
            { value, ...(missing ? { missing, missingReason } : {}) },
          ]),
        );
        const context = await t.database.read((db) =>
          participantValues(db, t.studyId, participantId, { preferVisits: [input.slot.visitKey] }),
        );
        const check = checkForm(protocol, form, fields, context);
        expect(check.hard, `stored invalid values: ${JSON.stringify(stored)}`).toEqual([]);
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261125), endOnFailure: true },
    );
    expect(tally.ok).toBeGreaterThan(RUNS / 50);
    expect(tally.clientErrors).toBeGreaterThan(RUNS / 2);
  }, 1_800_000);
});
