import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyStudyChain } from '../../src/audit/audit.query.ts';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { roles } from '../../src/kernel/roles.ts';
import { generateSyntheticTrial } from '../../src/synth/trial.ts';
import {
  ADMIN,
  createTestApp,
  describeEachDatabase,
  type SignedIn,
  signIn,
  type TestApp,
} from '../support/test-app.ts';

// Walks the app's own OpenAPI document and sends every route, as a user holding every role (session
// cookie + CSRF token), well-formed requests carrying one hostile value, free text made of hostile
// strings, hostile path and query values, and bodies of the wrong shape. Whatever is sent: never a
// 5xx; every 4xx is a JSON error with a message; text that was accepted is stored exactly as sent
// (nothing turned into U+FFFD); and the audit chain still verifies at the end.

const ROUNDS_BY_KIND = {
  pglite: { rounds: Number(process.env.FUZZ_ROUNDS ?? 3), perRoute: Number(process.env.FUZZ_PER_ROUTE ?? 8) },
  postgres: { rounds: 2, perRoute: Number(process.env.FUZZ_PER_ROUTE_POSTGRES ?? 4) },
};
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const PASSWORD = 'fuzzing staff password 2026';
const FUZZER_EMAIL = 'fuzzer@example.org';

/** A JSON fragment sent verbatim: numbers JSON.stringify cannot write (1e309 parses to Infinity, -0). */
class Raw {
  constructor(readonly text: string) {}
}

const MEGABYTE = 'x'.repeat(1_048_576);
/** Hostile text PostgreSQL can store: it must come back exactly as sent wherever it is accepted. */
const storableHostile = [
  "'; drop table participant; --",
  "1' or '1'='1",
  '" OR 1=1 --',
  "Robert'); DELETE FROM audit_event; --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '<svg onload=alert(document.cookie)>',
  'javascript:alert(1)',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '....//....//etc/passwd',
  'C:\\Windows\\win.ini',
  '\u202eevil.exe\u202c',
  'Z\u0335\u0321\u0322\u031b\u0317\u0318\u0319\u031c\u031d\u031e\u031f\u0320',
  'e\u0301\u0301\u0301\u0301',
  '👩‍⚕️💉🦠 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '中文 עברית العربية',
  '\ufeffBOM',
  'zero\u200bwidth',
  '{{constructor.constructor("return process")()}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent literally
  '${7*7}',
  '%s%s%s%n',
  'line one\r\nSet-Cookie: x=1',
  '__proto__',
];
/** Text no database can store faithfully: NUL and unpaired surrogates. Must be refused with a 4xx. */
const unstorableHostile = ['\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\udc00\ud800'];
const oddStrings = ['', ' ', '1e309', '-0', 'NaN', 'Infinity', '0x10', '9'.repeat(400), 'null', 'true'];
const hostileStrings = [...storableHostile, ...unstorableHostile, ...oddStrings];

function deepArray(depth: number): Raw {
  return new Raw(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}
function deepObject(depth: number): Raw {
  return new Raw(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}
const hostileValues: unknown[] = [
  new Raw('1e309'),
  new Raw('-1e309'),
  new Raw('-0'),
  new Raw('1e-400'),
  new Raw('123456789012345678901234567890'),
  2 ** 53 + 1,
  -1,
  0,
  1.5,
  1e308,
  null,
  true,
  [],
  {},
  [1, 'a', null],
  { __proto__x: 1 },
  new Raw('{"__proto__":{"polluted":true}}'),
  new Raw('{"constructor":{"prototype":{"polluted":true}}}'),
  deepArray(64),
  deepObject(64),
];

/** mulberry32: a small seeded generator, so a failure replays with the same FUZZ_SEED. */
function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  };
  const uuid = () =>
    [8, 4, 4, 4, 12]
      .map((length, index) =>
        Array.from({ length }, (_, i) => {
          if (index === 2 && i === 0) return '4';
          if (index === 3 && i === 0) return '8';
          return int(0, 15).toString(16);
        }).join(''),
      )
      .join('-');
  return { next, int, pick, uuid, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof seeded>;

/** The subset of (OpenAPI 3.0) JSON Schema the generated document uses. */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  exclusiveMaximum?: boolean | number;
  minItems?: number;
  maxItems?: number;
  nullable?: boolean;
  default?: unknown;
}
interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}
interface Route {
  method: string;
  path: string;
  operation: Operation;
}

/** Real identifiers and values of the study, by the parameter or property name that carries them. */
type Pools = Map<string, string[]>;

const patternCandidates = [
  'FUZZ-1',
  'fuzz-site',
  'FZ1',
  '123456',
  'a.b',
  'abc',
  'a'.repeat(64),
  '0'.repeat(64),
  '2026-11-20',
  '2026-11-20T08:00',
];

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

interface GenerateOptions {
  random: Random;
  pools: Pools;
  /** Free text (strings without format, pattern, enum or a pool): plain, or hostile. */
  freeText: (schema: JsonSchema) => string;
}

/** A value the schema accepts, drawing identifiers from the study's real ones where the name says which. */
function generate(schema: JsonSchema, name: string, options: GenerateOptions, depth = 0): unknown {
  const { random, pools } = options;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants?.length) {
    const usable = variants.filter((variant) => variant.type !== 'null');
    return generate(random.pick(usable.length ? usable : variants), name, options, depth);
  }
  if (schema.allOf?.length) return generate(Object.assign({}, ...schema.allOf), name, options, depth);
  if ('const' in schema) return schema.const;
  if (schema.enum?.length) return random.pick(schema.enum);
  const type = Array.isArray(schema.type) ? schema.type.find((entry) => entry !== 'null') : schema.type;
  const pool = pools.get(name);
  switch (type) {
    case 'object': {
      const result: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || random.chance(0.6)) {
          result[key] = generate(property, key, options, depth + 1);
        }
      }
      if (!schema.properties && typeof schema.additionalProperties === 'object' && depth < 3) {
        result[`key${random.int(1, 9)}`] = generate(schema.additionalProperties, name, options, depth + 1);
      }
      return result;
    }
    case 'array': {
      const low = schema.minItems ?? 0;
      const high = Math.min(schema.maxItems ?? low + 2, low + 2);
      return Array.from({ length: random.int(low, high) }, () =>
        generate(schema.items ?? {}, name.replace(/s$/, ''), options, depth + 1),
      );
    }
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? 0;
      const high = schema.maximum ?? low + 100;
      const value = random.int(
        Math.ceil(low),
        Math.max(Math.ceil(low), Math.floor(Math.min(high, low + 50))),
      );
      return schema.exclusiveMinimum && value === low ? value + 1 : value;
    }
    case 'boolean':
      return random.chance(0.5);
    case 'string': {
      if (name === 'password') return PASSWORD;
      if (pool?.length) return random.pick(pool);
      if (schema.format === 'uuid') return random.uuid();
      if (schema.format === 'date') return daysAgo(random.int(0, 5));
      if (schema.format === 'date-time')
        return new Date(Date.now() - random.int(1, 48) * 3_600_000).toISOString();
      if (name === 'email') return `person${random.int(1, 1_000_000)}@example.org`;
      if (schema.pattern) {
        const pattern = new RegExp(schema.pattern);
        const fits = patternCandidates.find((candidate) => pattern.test(candidate));
        if (fits) return fits;
      }
      return options.freeText(schema);
    }
    default:
      return random.pick(['fuzz', 1, true, null]);
  }
}

/** JSON text with Raw fragments written verbatim. */
function toJson(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, entry]) => `${JSON.stringify(key)}:${toJson(entry)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Percent-encodes a URL part; a lone surrogate (which encodeURIComponent refuses) goes as invalid UTF-8. */
function encodePart(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return `${encodeURIComponent(text.replace(/[\ud800-\udfff]/g, ''))}%ED%A0%80`;
  }
}

/** Paths of the leaves of a generated value (where one hostile value is put). */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value && typeof value === 'object' && !(value instanceof Raw)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [prefix];
    return entries.flatMap(([key, entry]) => leafPaths(entry, [...prefix, key]));
  }
  return [prefix];
}
function replaceAt(value: unknown, path: string[], replacement: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  if (Array.isArray(value))
    return value.map((entry, i) => (String(i) === head ? replaceAt(entry, rest, replacement) : entry));
  if (value && typeof value === 'object')
    return { ...value, [head]: replaceAt((value as Record<string, unknown>)[head], rest, replacement) };
  return value;
}

type Mode = 'hostile-leaf' | 'hostile-text' | 'hostile-param' | 'hostile-query' | 'wrong-body';
const modes: Mode[] = [
  'hostile-leaf',
  'hostile-text',
  'hostile-param',
  'hostile-query',
  'wrong-body',
  'hostile-text',
  'hostile-leaf',
];

interface FuzzRequest {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string | undefined;
  /** Hostile storable text sent as free text, to find stored afterwards if the request is accepted. */
  sentText: string[];
}

function buildRequest(route: Route, mode: Mode, random: Random, pools: Pools): FuzzRequest {
  const sentText: string[] = [];
  const plainText = (schema: JsonSchema) => {
    const text = `fuzz text ${random.int(1, 99_999)}`;
    return text.slice(0, Math.max(schema.minLength ?? 1, Math.min(text.length, schema.maxLength ?? 200)));
  };
  const hostileText = () => {
    const text = random.chance(0.85) ? random.pick(storableHostile) : random.pick(unstorableHostile);
    if (storableHostile.includes(text)) sentText.push(text);
    return text;
  };
  const options: GenerateOptions = {
    random,
    pools,
    freeText: mode === 'hostile-text' ? hostileText : plainText,
  };
  const parameters = route.operation.parameters ?? [];
  const pathParameters = parameters.filter((parameter) => parameter.in === 'path');
  const hostileParam =
    mode === 'hostile-param' && pathParameters.length ? random.pick(pathParameters).name : null;
  let url = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const parameter = pathParameters.find((entry) => entry.name === name);
    const value =
      name === hostileParam
        ? random.pick([
            ...hostileStrings,
            MEGABYTE.slice(0, 5000),
            random.uuid().toUpperCase(),
            '%',
            '..',
            '.',
          ])
        : String(generate(parameter?.schema ?? { type: 'string' }, name, options));
    return value === '' ? '' : encodePart(value);
  });
  const query: string[] = [];
  for (const parameter of parameters.filter((entry) => entry.in === 'query')) {
    if (mode === 'hostile-query' && random.chance(0.7)) {
      const value = random.pick([...hostileStrings, MEGABYTE, '-1', '1e309', '0.5', '[]', '{}']);
      query.push(`${parameter.name}=${encodePart(value)}`);
      if (random.chance(0.3)) query.push(`${parameter.name}=${encodePart(random.pick(hostileStrings))}`);
    } else if (parameter.required || random.chance(0.4)) {
      query.push(
        `${parameter.name}=${encodePart(String(generate(parameter.schema, parameter.name, options)))}`,
      );
    }
  }
  if (mode === 'hostile-query' && random.chance(0.3))
    query.push(`__proto__[x]=1&constructor=${encodePart('<script>')}`);
  if (query.length) url += `?${query.join('&')}`;

  const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
  const content = route.operation.requestBody?.content ?? {};
  const jsonSchema = content['application/json']?.schema;
  if (!hasBody) return { method: route.method, url, contentType: undefined, body: undefined, sentText: [] };
  if (!jsonSchema) {
    // Routes without a JSON body (sign-out, TOTP enrolment, CSV import): junk in every media type.
    const body = random.pick([
      'a,b,c\n1,2,3',
      MEGABYTE,
      toJson(random.pick(hostileValues)),
      random.pick(hostileStrings),
      '',
    ]);
    const contentType = content['text/csv']
      ? random.pick(['text/csv', 'application/json', 'text/plain'])
      : 'application/json';
    return { method: route.method, url, contentType, body, sentText: [] };
  }
  let value = generate(jsonSchema, 'body', options);
  if (mode === 'hostile-leaf' || mode === 'hostile-param' || mode === 'hostile-query') {
    if (mode === 'hostile-leaf' || random.chance(0.3)) {
      const paths = leafPaths(value);
      const path = random.pick(paths);
      const replacement = random.chance(0.5) ? random.pick(hostileStrings) : random.pick(hostileValues);
      value = replaceAt(value, random.chance(0.2) ? [...path.slice(0, -1), '__proto__'] : path, replacement);
    }
  }
  if (mode === 'wrong-body') {
    const shape = random.pick([
      'array',
      'string',
      'null',
      'number',
      'broken',
      'deep',
      'huge',
      'empty',
      'form',
      'extra',
    ]);
    const text = toJson(value);
    const bodies: Record<string, [string, string]> = {
      array: [`[${text}]`, 'application/json'],
      string: [JSON.stringify(text), 'application/json'],
      null: ['null', 'application/json'],
      number: ['1e309', 'application/json'],
      broken: [text.slice(0, Math.max(1, text.length - 2)), 'application/json'],
      deep: [random.chance(0.5) ? deepArray(20_000).text : deepObject(20_000).text, 'application/json'],
      huge: [JSON.stringify({ text: MEGABYTE, note: MEGABYTE }), 'application/json'],
      empty: ['', 'application/json'],
      form: ['a=1&b=<script>', 'application/x-www-form-urlencoded'],
      extra: [
        `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"unexpected":"<script>alert(1)</script>"}`,
        'application/json',
      ],
    };
    const [body, contentType] = bodies[shape] ?? ['{}', 'application/json'];
    return { method: route.method, url, contentType, body, sentText: [] };
  }
  return { method: route.method, url, contentType: 'application/json', body: toJson(value), sentText };
}

/** Routes that end the caller's own session run on a throwaway session of their own. */
const sessionEnding = new Set(['POST /api/v1/auth/logout', 'POST /api/v1/auth/logout-everywhere']);

describeEachDatabase('OpenAPI fuzzing of every route', (kind) => {
  const { rounds, perRoute } = ROUNDS_BY_KIND[kind];
  let t: TestApp;
  let fuzzer: SignedIn;
  let fuzzerId: string;
  let routes: Route[] = [];
  const tally = { requests: 0, accepted: 0, refused: 0, byStatus: new Map<number, number>() };
  /** Each route's answers by status and mode, e.g. `PUT /api/v1/users/{userId} 409 hostile-leaf`. */
  const outcomes = new Set<string>();
  const failures: string[] = [];
  const acceptedText = new Map<string, string>();

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
      EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
      EXOTRIAL_LOGIN_RATE_LIMIT: '10000',
      // Hostile values land in signature passwords, password changes and token issues, and each
      // wrong one counts toward the lockout: allow more than the fuzzer sends (rounds × perRoute
      // each) so its sign-ins go on.
      EXOTRIAL_LOCKOUT_ATTEMPTS: '100',
    });
    await generateSyntheticTrial(t.database, t.studyId, {
      subjects: 3,
      sites: 1,
      seed: 11,
      password: PASSWORD,
    });
    fuzzerId = await t.database.transaction(async (trx) => {
      const user = await createUser(trx, t.studyId, systemActor('fuzz'), {
        email: FUZZER_EMAIL,
        name: 'Fuzz Tester',
        roles: [...roles],
        siteIds: [],
        password: PASSWORD,
      });
      return user.userId;
    });
    fuzzer = await signIn(t.app, FUZZER_EMAIL, PASSWORD);
    const document = t.app.swagger() as { paths: Record<string, Record<string, Operation>> };
    routes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        operation,
      })),
    );
  }, 600_000);
  afterAll(async () => {
    console.info(
      `[${kind}] OpenAPI fuzz: ${routes.length} operations, ${tally.requests} requests, ${tally.accepted} accepted, ` +
        `${tally.refused} refused; by status ${JSON.stringify([...tally.byStatus].sort((a, b) => a[0] - b[0]))}; ` +
        `${acceptedText.size} hostile texts stored; ${new Set([...outcomes].map((entry) => entry.replace(/ \S+$/, ''))).size} ` +
        `route and status pairs, ${outcomes.size} with the mode`,
    );
    await t?.close();
  });

  /** The study's real identifiers, read again between rounds so later rounds reach what earlier ones made. */
  async function readPools(): Promise<Pools> {
    const column = async (table: string, name: string, where = sql`true`) => {
      const result = await t.database.read((db) =>
        sql<{
          value: unknown;
        }>`select distinct ${sql.ref(name)} as value from ${sql.table(table)} where study_id = ${t.studyId} and ${where} limit 40`.execute(
          db,
        ),
      );
      return result.rows.map((row) => String(row.value));
    };
    const pools: Pools = new Map();
    const add = (names: string[], values: string[]) => {
      for (const name of names) pools.set(name, values);
    };
    add(['participantId'], await column('participant', 'participant_id'));
    add(['recordId'], await column('form_record', 'record_id'));
    add(['visitKey', 'visitId'], await column('form_record', 'visit_id'));
    add(['formId'], await column('form_record', 'form_id'));
    add(['queryId'], await column('data_query', 'query_id'));
    add(['itemId'], await column('data_query', 'item_id'));
    add(['siteId'], await column('site', 'site_id'));
    add(['userId'], await column('app_user', 'user_id', sql`user_id <> ${fuzzerId}`));
    add(['sessionId'], await column('user_session', 'session_id', sql`user_id <> ${fuzzerId}`));
    add(['tokenId'], await column('api_token', 'token_id'));
    add(['versionNo'], await column('protocol_version', 'version_no'));
    add(['lotId'], await column('product_lot', 'lot_id'));
    add(['unitId', 'fromUnitId', 'toUnitId', 'containerUnitId'], await column('storage_unit', 'unit_id'));
    add(['vialId', 'expectedVialId'], await column('vial', 'vial_id'));
    add(['code', 'vialCode', 'scannedCode'], await column('vial', 'code'));
    add(['excursionId'], await column('excursion', 'excursion_id'));
    add(['shipmentId'], await column('shipment', 'shipment_id'));
    add(['dispensingId'], await column('dispensing', 'dispensing_id'));
    add(['aeId'], await column('adverse_event', 'ae_id'));
    add(['submissionId'], await column('safety_submission', 'submission_id'));
    add(['pauseId'], await column('dosing_pause', 'pause_id'));
    add(['administrationId'], await column('dosing_administration', 'administration_id'));
    add(['timeZone'], ['UTC', 'Asia/Shanghai']);
    add(['domain'], ['DM', 'AE', 'EX', 'VS', 'LB']);
    return pools;
  }

  async function send(request: FuzzRequest, headers: Record<string, string>) {
    return t.app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: { ...headers, ...(request.contentType ? { 'content-type': request.contentType } : {}) },
      ...(request.body === undefined ? {} : { payload: request.body }),
    });
  }

  async function auditHead(): Promise<number> {
    const head = await t.database.read((db) =>
      db.selectFrom('audit_chain_head').select('seq').where('study_id', '=', t.studyId).executeTakeFirst(),
    );
    return Number(head?.seq ?? 0);
  }

  const describeRequest = (request: FuzzRequest) =>
    `${request.method} ${request.url.slice(0, 300)} ${request.contentType ?? ''} ${(request.body ?? '').slice(0, 400)}`;

  it('answers every route and method without a 5xx, refuses with JSON errors, stores text as sent', async () => {
    const random = seeded(SEED);
    for (let round = 0; round < rounds; round += 1) {
      const pools = await readPools();
      for (const route of routes) {
        const key = `${route.method} ${route.path}`;
        for (let i = 0; i < perRoute; i += 1) {
          const mode = modes[(round * perRoute + i) % modes.length] ?? 'hostile-leaf';
          const request = buildRequest(route, mode, random, pools);
          const headers = sessionEnding.has(key)
            ? (await signIn(t.app, FUZZER_EMAIL, PASSWORD)).headers
            : fuzzer.headers;
          const headBefore = request.sentText.length ? await auditHead() : 0;
          const response = await send(request, headers);
          tally.requests += 1;
          tally.byStatus.set(response.statusCode, (tally.byStatus.get(response.statusCode) ?? 0) + 1);
          outcomes.add(`${key} ${response.statusCode} ${mode}`);
          if (response.statusCode >= 500) {
            failures.push(
              `${response.statusCode} ← ${describeRequest(request)} → ${response.body.slice(0, 300)}`,
            );
            continue;
          }
          if (response.statusCode >= 400) {
            tally.refused += 1;
            let body: { error?: unknown; message?: unknown } = {};
            try {
              body = response.json();
            } catch {
              // not JSON: reported below
            }
            if (
              typeof body.error !== 'string' ||
              typeof body.message !== 'string' ||
              body.message.length < 5
            ) {
              failures.push(
                `${response.statusCode} without a JSON error message ← ${describeRequest(request)} → ${response.body.slice(0, 200)}`,
              );
            }
            if (response.statusCode === 401) fuzzer = await signIn(t.app, FUZZER_EMAIL, PASSWORD);
            continue;
          }
          tally.accepted += 1;
          // Text counts as stored only where the request changed data (a validation call stores nothing).
          if (request.sentText.length && (await auditHead()) !== headBefore) {
            for (const text of request.sentText) acceptedText.set(text, key);
          }
        }
      }
    }
    expect(failures, failures.slice(0, 30).join('\n')).toEqual([]);
    expect(tally.refused).toBeGreaterThan(tally.requests / 2);
    expect(tally.accepted).toBeGreaterThan(routes.length);
  }, 1_800_000);

  it('refuses NUL and broken surrogates in body, path and query with a 400 naming the field', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      [
        'POST',
        '/api/v1/users',
        { email: 'nul@example.org', name: 'a\u0000b', roles: ['monitor'], password: PASSWORD },
        'body.name',
      ],
      ['POST', '/api/v1/tokens', { name: 'x\ud800', expiresInDays: 3, password: PASSWORD }, 'body.name'],
      ['GET', '/api/v1/product/vials/by-code/%00', undefined, 'params.code'],
      ['GET', '/api/v1/participants?search=a%00b', undefined, 'query.search'],
    ];
    for (const [method, url, payload, field] of cases) {
      const headBefore = await auditHead();
      const response = await t.app.inject({
        method: method as 'GET',
        url,
        headers: fuzzer.headers,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(400);
      expect(response.json()).toMatchObject({ error: 'validation_failed', details: { fields: [{ field }] } });
      expect(await auditHead()).toBe(headBefore);
    }
  });

  it('stored nothing broken: accepted hostile text is kept exactly, no U+FFFD, the audit chain verifies', async () => {
    const tables = await t.database.read((db) =>
      sql<{
        table_name: string;
      }>`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(
        db,
      ),
    );
    let stored = '';
    for (const { table_name } of tables.rows) {
      const rows = await t.database.read((db) =>
        sql<{ row: string }>`select row_to_json(t)::text as row from ${sql.table(table_name)} as t`.execute(
          db,
        ),
      );
      stored += rows.rows.map((row) => row.row).join('\n');
    }
    const decoded = stored.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
    expect(
      decoded.includes('\ufffd'),
      'a replacement character was stored: a broken character was accepted',
    ).toBe(false);
    const missing = [...acceptedText].filter(([text]) => {
      const escaped = JSON.stringify(text).slice(1, -1);
      const escapedTwice = JSON.stringify(escaped).slice(1, -1);
      return (
        !stored.includes(escaped) &&
        !stored.includes(escapedTwice) &&
        !decoded.includes(text) &&
        !decoded.includes(text.trim())
      );
    });
    expect(missing.map(([text, route]) => `${route}: ${JSON.stringify(text)}`)).toEqual([]);
    expect(acceptedText.size).toBeGreaterThan(2);
    const chain = await verifyStudyChain(t.database, t.studyId);
    expect(chain.firstBreak).toBeNull();
    expect(chain.intact).toBe(true);
  }, 600_000);
});
