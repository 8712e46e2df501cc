import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { listPageQuery } from '../../src/participants/participant.views.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// The participant list pages through any number of participants: keyset cursors (nextCursor) that
// visit every row exactly once in the list's order, with the filters kept, beside limit/offset.

const SIZE = 230;

interface Person {
  participantId: string;
  siteId: string;
  screeningNumber: string;
  screeningDate: string;
  studyNumber: string | null;
  status: string;
}

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The list's order: newest screening date first, then the higher screening number. */
const listOrder = (a: Person, b: Person) =>
  a.screeningDate === b.screeningDate
    ? b.screeningNumber.localeCompare(a.screeningNumber)
    : b.screeningDate.localeCompare(a.screeningDate);

interface Page {
  items: Array<{ participantId: string; screeningNumber: string; status: string; siteId: string }>;
  total: number;
  totalCapped: boolean;
  nextCursor: string | null;
}

describeEachDatabase('participant list paging', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  const people: Person[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    // Synthetic participants in bulk, in one transaction (as bench/scale.ts loads them): eight or so
    // per screening day, so many share a date and the screening number decides their order. The
    // numbers are handed out in a scrambled order so neither insertion nor date order matches the list.
    const firstDay = addDays(new Date().toISOString().slice(0, 10), -40);
    for (let index = 0; index < SIZE; index++) {
      const number = (index * 97) % SIZE;
      const status = index % 5 === 0 ? 'enrolled' : index % 3 === 0 ? 'declined' : 'screening';
      people.push({
        participantId: randomUUID(),
        siteId: index % 4 === 3 ? users.otherSiteId : users.siteId,
        screeningNumber: `P-${String(number).padStart(4, '0')}`,
        screeningDate: addDays(firstDay, (index * 13) % 29),
        studyNumber: status === 'enrolled' ? `E-${String(number).padStart(4, '0')}` : null,
        status,
      });
    }
    const now = new Date().toISOString();
    const rows = people.map((person) => ({
      study_id: t.studyId,
      participant_id: person.participantId,
      site_id: person.siteId,
      screening_number: person.screeningNumber,
      screening_date: person.screeningDate,
      study_number: person.studyNumber,
      status: person.status,
      day1_date: person.status === 'enrolled' ? person.screeningDate : null,
      protocol_version: 1,
      synthetic: true,
      created_at: now,
      updated_at: now,
      version: 1,
    }));
    await t.database.transaction(async (trx) => {
      await sql`insert into participant select * from jsonb_populate_recordset(null::participant, ${JSON.stringify(rows)}::jsonb)`.execute(
        trx,
      );
    });
    people.sort(listOrder);
  });
  afterAll(async () => t?.close());

  const dataManager = () => as(t.app, users.dataManager);

  async function getPage(user: () => ReturnType<typeof as>, query: string): Promise<Page> {
    const response = await user().get(`/api/v1/participants?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Page;
  }

  /** Every page of a list by following nextCursor; the ids in the order they came. */
  async function walk(user: () => ReturnType<typeof as>, query: string, limit: number) {
    const ids: string[] = [];
    let pages = 0;
    let cursor: string | null = null;
    do {
      const page: Page = await getPage(
        user,
        `${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      pages += 1;
      expect(page.items.length).toBeLessThanOrEqual(limit);
      if (page.nextCursor) expect(page.items.length).toBe(limit);
      ids.push(...page.items.map((item) => item.participantId));
      cursor = page.nextCursor;
    } while (cursor && pages < 1_000);
    return { ids, pages };
  }

  it('walks all 230 participants with cursors, each exactly once and in order', async () => {
    const first = await getPage(dataManager, 'limit=25');
    expect(first.total).toBe(SIZE);
    expect(first.totalCapped).toBe(false);
    expect(first.nextCursor).toEqual(expect.any(String));
    const { ids, pages } = await walk(dataManager, '', 25);
    expect(pages).toBe(Math.ceil(SIZE / 25));
    expect(new Set(ids).size).toBe(SIZE);
    expect(ids).toEqual(people.map((person) => person.participantId));
  });

  it('gives the same rows by offset as by cursor, and a cursor from an offset page continues it', async () => {
    const byOffset: string[] = [];
    for (let offset = 0; offset < SIZE; offset += 40) {
      const page = await getPage(dataManager, `limit=40&offset=${offset}`);
      byOffset.push(...page.items.map((item) => item.participantId));
      expect(page.nextCursor === null).toBe(offset + 40 >= SIZE);
    }
    expect(byOffset).toEqual(people.map((person) => person.participantId));
    const middle = await getPage(dataManager, 'limit=30&offset=100');
    const after = await getPage(
      dataManager,
      `limit=30&cursor=${encodeURIComponent(middle.nextCursor ?? '')}`,
    );
    expect(after.items.map((item) => item.participantId)).toEqual(
      people.slice(130, 160).map((person) => person.participantId),
    );
  });

  it('keeps the status, site and search filters across pages', async () => {
    const expected = people.filter(
      (person) => person.status === 'screening' && person.siteId === users.siteId,
    );
    expect(expected.length).toBeGreaterThan(50);
    const filtered = await walk(dataManager, `status=screening&siteId=${users.siteId}`, 20);
    expect(filtered.ids).toEqual(expected.map((person) => person.participantId));

    // "E-01" finds study numbers E-0100 … E-0199 (enrolled only), and no screening number.
    const found = people.filter((person) => person.studyNumber?.startsWith('E-01'));
    expect(found.length).toBeGreaterThan(5);
    const searched = await walk(dataManager, 'search=e-01', 4);
    expect(searched.ids).toEqual(found.map((person) => person.participantId));
  });

  it("shows a site's coordinator only that site's participants on every page", async () => {
    const expected = people.filter((person) => person.siteId === users.otherSiteId);
    const { ids } = await walk(() => as(t.app, users.otherCoordinator), '', 10);
    expect(ids).toEqual(expected.map((person) => person.participantId));
  });

  it('continues after the same row when participants are screened meanwhile', async () => {
    const first = await getPage(dataManager, 'limit=25');
    const screened = await as(t.app, users.coordinator).post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: new Date().toISOString().slice(0, 10),
    });
    expect(screened.statusCode, screened.body).toBe(201);
    const next = await getPage(dataManager, `limit=25&cursor=${encodeURIComponent(first.nextCursor ?? '')}`);
    expect(next.items.map((item) => item.participantId)).toEqual(
      people.slice(25, 50).map((person) => person.participantId),
    );
    expect(next.total).toBe(SIZE + 1);
    // Newest first: the new screening heads the list.
    const head = await getPage(dataManager, 'limit=1');
    expect(head.items[0]?.participantId).toBe(screened.json().participantId);
  });

  it('refuses a malformed, altered or foreign cursor, and a cursor with offset, with 400', async () => {
    const { nextCursor } = await getPage(dataManager, 'limit=5&status=screening');
    if (!nextCursor) throw new Error('no cursor');
    const [payload = '', check = ''] = nextCursor.split('.');
    const altered = `${payload.slice(0, 10)}${payload[10] === 'A' ? 'B' : 'A'}${payload.slice(11)}.${check}`;
    // The mark of "no filters", read from a real cursor of the unfiltered list.
    const unfiltered = (await getPage(dataManager, 'limit=5')).nextCursor ?? '';
    const mark = JSON.parse(Buffer.from(unfiltered.split('.')[0] ?? '', 'base64url').toString()).f;
    const forged = (body: object) => {
      const text = Buffer.from(JSON.stringify(body)).toString('base64url');
      // A well-formed checksum over a payload that is not a list position.
      return `${text}.${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
    };
    const cases: Array<[string, string]> = [
      ['status=screening&cursor=not-a-cursor', 'malformed'],
      [`status=screening&cursor=${encodeURIComponent(altered)}`, 'malformed or was altered'],
      [`status=screening&cursor=${encodeURIComponent(nextCursor.slice(0, -3))}`, 'malformed'],
      [`status=screening&cursor=${encodeURIComponent(forged({ v: 1, d: 'x' }))}`, 'malformed'],
      // Well-formed and checksummed, but holding text no screening number has (NUL, a lone surrogate).
      [
        `cursor=${encodeURIComponent(forged({ v: 1, d: '2026-01-01', n: 'RJ\u0000', f: mark }))}`,
        'malformed',
      ],
      [`cursor=${encodeURIComponent(forged({ v: 1, d: '2026-01-01', n: '\ud800', f: mark }))}`, 'malformed'],
      [`cursor=${encodeURIComponent(forged({ v: 1, d: '2026-13-45', n: 'RJ-S001', f: mark }))}`, 'malformed'],
      [`status=declined&cursor=${encodeURIComponent(nextCursor)}`, 'other filters'],
      [`cursor=${encodeURIComponent(nextCursor)}`, 'other filters'],
    ];
    for (const [query, words] of cases) {
      const response = await dataManager().get(`/api/v1/participants?${query}`);
      expect(response.statusCode, query).toBe(400);
      const body = response.json();
      expect(body.error).toBe('validation_failed');
      expect(body.message).toContain(words);
      expect(body.message).toContain('Start again from the first page');
      expect(body.details.fields[0].field).toBe('querystring.cursor');
    }
    // A cursor is not a secret: one built by hand from a real row places the page after that row.
    const row = people[100];
    const built = forged({ v: 1, d: row?.screeningDate, n: row?.screeningNumber, f: mark });
    const afterRow = await getPage(dataManager, `limit=3&cursor=${encodeURIComponent(built)}`);
    expect(afterRow.items.map((item) => item.participantId)).toEqual(
      people.slice(101, 104).map((person) => person.participantId),
    );
    for (const offset of ['0', '25']) {
      const both = await dataManager().get(
        `/api/v1/participants?status=screening&offset=${offset}&cursor=${encodeURIComponent(nextCursor)}`,
      );
      expect(both.statusCode).toBe(400);
      expect(both.json().message).toContain('either cursor or offset');
    }
    const tooLong = await dataManager().get(`/api/v1/participants?cursor=${'a'.repeat(1001)}`);
    expect(tooLong.statusCode).toBe(400);
  });

  it('reads a page after a cursor by walking the list index, with no sort of the table', async () => {
    const plan = await t.database.transaction(async (trx) => {
      // On 230 rows scanning and sorting is cheapest; with both priced out the planner shows the plan it
      // takes on a large table (docs/benchmarks.md, "Scale", has the EXPLAIN ANALYZE of 100,000).
      await sql`analyze participant`.execute(trx);
      for (const setting of ['enable_seqscan', 'enable_bitmapscan', 'enable_sort']) {
        await sql`select set_config(${setting}, 'off', true)`.execute(trx);
      }
      const middle = people[100];
      if (!middle) throw new Error('no participant 100');
      const caller = { user: { roles: ['data_manager'], siteIds: [] }, actor: systemActor('test') };
      const query = listPageQuery(
        trx,
        t.studyId,
        caller as never,
        {},
        {
          limit: 26,
          offset: 0,
          after: { screeningDate: middle.screeningDate, screeningNumber: middle.screeningNumber },
        },
      );
      const { sql: text, parameters } = query.compile();
      const result = await sql
        .raw<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`explain (format json) ${inline(text, parameters)}`)
        .execute(trx);
      const root = result.rows[0]?.['QUERY PLAN'][0]?.Plan;
      if (!root) throw new Error('no plan');
      return root;
    });
    const nodes = planNodes(plan);
    expect(nodes.map((node) => node['Node Type'])).toEqual(['Limit', 'Index Scan']);
    const scan = nodes[1];
    expect(scan?.['Index Name']).toBe('participant_list_order');
    // The row comparison is a condition of the index scan (where it starts), not a filter of its rows.
    expect(scan?.['Index Cond']).toContain('ROW(screening_date, screening_number) < ROW(');
    expect(scan?.Filter).toBeUndefined();
  });
});

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/** A compiled query with its parameters written in as literals, for EXPLAIN (parameters cannot be bound there). */
function inline(text: string, parameters: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, position: string) => {
    const value = parameters[Number(position) - 1];
    if (typeof value === 'number') return String(value);
    return `'${String(value).replace(/'/g, "''")}'`;
  });
}
