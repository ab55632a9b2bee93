/**
 * `GET /rest/v1` stays inside the catalog and main's SQL bounds: only catalog tables are found
 * (livebind.*, pg_catalog, information_schema are 404 for every role), filter values are query
 * parameters (quotes and SQL in a value are data; typed comparisons as in SQL literals), USER tables
 * stay per user whatever the filter, and reads are capped (10,000 rows, 1,000 filter values).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealtimeHarness, type RealtimeHarness } from './realtimeHarness.js';

let h: RealtimeHarness;
beforeAll(async () => {
  h = await startRealtimeHarness();
  await h.sql('admin', 'CREATE USER TABLE app.notes (id BIGINT PRIMARY KEY, n INT, price DOUBLE, title TEXT, day DATE)');
  await h.sql('admin', "CREATE SHARED TABLE app.many (id BIGINT PRIMARY KEY, v INT) WITH (ACCESS_LEVEL = 'PUBLIC')");
  await h.sql('alice', 'INSERT INTO app.notes (id, n, price, title, day) VALUES ($1, 5, 1.5, $2, $3)', [1, "O'Brien", '2026-01-31']);
  await h.sql('alice', 'INSERT INTO app.notes (id, n, price, title, day) VALUES ($1, 7, 0.1, $2, $3)', [2, "x'); DROP TABLE app.notes; --", '2026-02-01']);
  await h.sql('bob', "INSERT INTO app.notes (id, n, title) VALUES (3, 5, 'bob')");
  const rows = Array.from({ length: 10_001 }, (_, i) => `(${i}, ${i % 7})`).join(', ');
  await h.sql('admin', `INSERT INTO app.many (id, v) VALUES ${rows}`);
});
afterAll(() => h.close());

const get = (path: string, token = h.tokens.alice, headers: Record<string, string> = {}) => h.rest(path, { token, headers });
const ids = async (query: string, token = h.tokens.alice): Promise<number[]> => {
  const r = await get(`/rest/v1/app.notes?${query}&order=id`, token);
  expect(r.status, r.text).toBe(200);
  return (r.json as { id: number }[]).map((row) => row.id);
};

describe('only catalog tables', () => {
  it.each([
    ['/rest/v1/livebind.users', {}],
    ['/rest/v1/livebind.sessions', {}],
    ['/rest/v1/users', { 'Accept-Profile': 'livebind' }],
    ['/rest/v1/pg_catalog.pg_authid', {}],
    ['/rest/v1/pg_class', { 'Accept-Profile': 'pg_catalog' }],
    ['/rest/v1/information_schema.tables', {}],
    ['/rest/v1/app.notes%22%20--', {}],
    ['/rest/v1/app.notes;SELECT', {}],
  ])('%s %j is 404 for a user and a dba', async (path, headers) => {
    for (const token of [h.tokens.alice, h.tokens.admin]) {
      const r = await get(path, token, headers);
      expect(r.status, r.text).toBe(404);
      expect(r.json.code).toBe('PGRST205');
    }
  });
});

describe('filter values are parameters', () => {
  it('quotes and SQL in a value are matched as data; the table is intact', async () => {
    expect(await ids(`title=eq.${encodeURIComponent("O'Brien")}`)).toEqual([1]);
    expect(await ids(`title=eq.${encodeURIComponent("x'); DROP TABLE app.notes; --")}`)).toEqual([2]);
    expect(await ids(`title=in.(${encodeURIComponent(`"O'Brien",zzz`)})`)).toEqual([1]);
    expect(await ids(`title=like.${encodeURIComponent("O'*")}`)).toEqual([1]);
    expect(await ids(`title=eq.${encodeURIComponent("' OR '1'='1")}`)).toEqual([]);
    expect(await ids('')).toEqual([1, 2]);
  });

  it('comparisons keep the SQL literal types: fractions and huge numbers on integer columns, floats, dates', async () => {
    expect(await ids('n=eq.5.0')).toEqual([1]);
    expect(await ids('n=gt.4.5')).toEqual([1, 2]);
    expect(await ids('n=lt.99999999999999999999999')).toEqual([1, 2]);
    expect(await ids('id=in.(1,99999999999999999999)')).toEqual([1]);
    expect(await ids('price=eq.0.1')).toEqual([2]);
    expect(await ids('price=gte.1.5')).toEqual([1]);
    expect(await ids('day=gt.2026-01-31')).toEqual([2]);
  });

  it('USER tables stay per user whatever the filter names', async () => {
    expect(await ids('id=in.(1,2,3)', h.tokens.bob)).toEqual([3]);
    expect(await ids('title=eq.bob')).toEqual([]);
    expect(await ids('n=eq.5', h.tokens.admin)).toEqual([]);
  });
});

describe('bounded reads', () => {
  it('more than 10,000 matching rows without limit is 413; limit=10000 pages', async () => {
    const all = await get('/rest/v1/app.many');
    expect(all.status).toBe(413);
    expect(all.json.message).toMatch(/More than 10000 rows/);
    const page = await get('/rest/v1/app.many?select=id&order=id&limit=10000');
    expect(page.status).toBe(200);
    expect(page.json).toHaveLength(10_000);
    expect(page.headers.get('content-range')).toBe('0-9999/*');
    expect((await get('/rest/v1/app.many?v=eq.3&select=id&limit=2&order=id')).json).toEqual([{ id: 3 }, { id: 10 }]);
  });

  it('at most 1,000 filter values in one read', async () => {
    const list = (from: number) => Array.from({ length: 100 }, (_, i) => from + i).join(',');
    const ok = Array.from({ length: 10 }, (_, k) => `id=not.in.(${list(k * 100 + 20_000)})`).join('&');
    expect((await get(`/rest/v1/app.many?${ok}&limit=1&select=id&order=id`)).json).toEqual([{ id: 0 }]);
    const tooMany = `${ok}&v=eq.1`;
    const r = await get(`/rest/v1/app.many?${tooMany}&limit=1`);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'PGRST100', message: expect.stringMatching(/at most 1000 filter values/) });
  });
});
