/**
 * `GET /rest/v1/<table>` on the real dev server: every filter operator, select, order, limit and
 * offset, table naming (`public` = namespace `default`, Accept-Profile, `ns.table`), auth and
 * USER-table isolation (same rules as the SQL API), and the row encoding shared with
 * postgres_changes records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealtimeHarness, type RealtimeHarness } from './realtimeHarness.js';

let h: RealtimeHarness;
beforeAll(async () => {
  h = await startRealtimeHarness();
  await h.sql('admin', `CREATE USER TABLE app.tasks (id BIGINT PRIMARY KEY, n INT, title TEXT, done BOOLEAN, at TIMESTAMP)`);
  await h.sql('admin', `CREATE SHARED TABLE app.secret (id INT PRIMARY KEY) WITH (ACCESS_LEVEL = 'PRIVATE')`);
  await h.sql('admin', `CREATE SHARED TABLE "default".pub (id INT PRIMARY KEY, v TEXT)`);
  await h.sql('admin', `INSERT INTO "default".pub VALUES (1, 'one')`);
  await h.sql(
    'alice',
    `INSERT INTO app.tasks (id, n, title, done, at) VALUES
      (1, 1, 'alpha', true, '2026-01-01T00:00:00Z'), (2, 5, 'beta', false, NULL), (3, 9, 'Gamma', NULL, '2026-03-01T12:30:00.5Z'), (4, NULL, 'delta', false, NULL)`,
  );
  await h.sql('bob', `INSERT INTO app.tasks (id, n, title) VALUES (1, 5, 'bob-1'), (7, 5, 'bob-7')`);
});
afterAll(async () => {
  await h.close();
});

async function ids(query: string, token = h.tokens.alice): Promise<number[]> {
  const r = await h.rest(`/rest/v1/tasks?${query}`, { token, headers: { 'Accept-Profile': 'app' } });
  expect(r.status, r.text).toBe(200);
  return (r.json as { id: number }[]).map((row) => row.id);
}

describe('GET /rest/v1 filters', () => {
  it.each([
    ['n=eq.5', [2]],
    ['n=neq.5', [1, 3]],
    ['n=lt.5', [1]],
    ['n=lte.5', [1, 2]],
    ['n=gt.5', [3]],
    ['n=gte.5', [2, 3]],
    ['n=in.(1,9,42)', [1, 3]],
    ['n=not.in.(1,9)', [2]],
    ['n=not.eq.5', [1, 3]],
    ['n=is.null', [4]],
    ['n=not.is.null', [1, 2, 3]],
    ['done=is.true', [1]],
    ['done=eq.false', [2, 4]],
    ['title=like.*a', [1, 2, 3, 4]],
    ['title=like.%25ta', [2, 4]],
    ['title=ilike.g*', [3]],
    ['n=isdistinct.5', [1, 3, 4]],
    ['n=gt.1&n=lt.9', [2]],
    ['at=gte.2026-02-01T00:00:00Z', [3]],
    ['id=in.()', []],
  ])('%s', async (filter, expected) => {
    expect(await ids(`${filter}&order=id`)).toEqual(expected);
  });

  it('select, order (asc/desc, nulls), limit and offset', async () => {
    const r = await h.rest('/rest/v1/app.tasks?select=id,title&order=n.desc.nullslast,id&limit=3&offset=1', { token: h.tokens.alice });
    expect(r.status).toBe(200);
    expect(r.json).toEqual([
      { id: 2, title: 'beta' },
      { id: 1, title: 'alpha' },
      { id: 4, title: 'delta' },
    ]);
    expect(r.headers.get('content-range')).toBe('1-3/*');
    expect(await ids('order=n.asc.nullsfirst,id')).toEqual([4, 1, 2, 3]);
  });

  it('rows are encoded like row_to_json (the same as postgres_changes records)', async () => {
    const r = await h.rest('/rest/v1/tasks?id=eq.3', { token: h.tokens.alice, headers: { 'Accept-Profile': 'app' } });
    expect(r.json).toEqual([{ id: 3, n: 9, title: 'Gamma', done: null, at: '2026-03-01T12:30:00.5+00:00' }]);
  });

  it('bad requests: unknown column, bad operator, bad value, limit too high, unsupported trees', async () => {
    const bad = async (query: string): Promise<{ status: number; code: string; message: string }> => {
      const r = await h.rest(`/rest/v1/app.tasks?${query}`, { token: h.tokens.alice });
      return { status: r.status, code: r.json.code, message: r.json.message };
    };
    expect(await bad('nope=eq.1')).toMatchObject({ status: 400, code: '42703' });
    expect(await bad('select=id,nope')).toMatchObject({ status: 400, code: '42703' });
    expect(await bad('n=approx.1')).toMatchObject({ status: 400, code: 'PGRST100', message: expect.stringMatching(/unknown operator/) });
    expect(await bad('n=eq.abc')).toMatchObject({ status: 400, message: expect.stringMatching(/does not fit column n/) });
    expect(await bad('n=in.1,2')).toMatchObject({ status: 400, message: expect.stringMatching(/parentheses/) });
    expect(await bad('limit=100000')).toMatchObject({ status: 400, code: 'PGRST100' });
    expect(await bad('or=(n.eq.1,n.eq.5)')).toMatchObject({ status: 400, code: 'PGRST100' });
    expect(await bad('select=id::text')).toMatchObject({ status: 400, code: 'PGRST100' });
  });
});

describe('GET /rest/v1 auth and isolation', () => {
  it('USER tables return only the caller’s own rows', async () => {
    expect(await ids('order=id', h.tokens.bob)).toEqual([1, 7]);
    const bobRow = await h.rest('/rest/v1/app.tasks?id=eq.1', { token: h.tokens.bob });
    expect(bobRow.json).toEqual([{ id: 1, n: 5, title: 'bob-1', done: null, at: null }]);
    expect(await ids('n=eq.5&order=id')).toEqual([2]);
  });

  it('needs a user token; the apikey alone or a bad token is 401; PRIVATE shared tables are 403 for role user', async () => {
    const noToken = await h.rest('/rest/v1/app.tasks');
    expect(noToken.status).toBe(401);
    expect(noToken.json.message).toMatch(/POST \/v1\/api\/auth\/login/);
    expect((await h.rest('/rest/v1/app.tasks', { token: 'anon-key' })).status).toBe(401);
    const forged = `${h.tokens.alice.slice(0, h.tokens.alice.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    expect((await h.rest('/rest/v1/app.tasks', { token: forged })).status).toBe(401);
    const secret = await h.rest('/rest/v1/app.secret', { token: h.tokens.alice });
    expect(secret.status).toBe(403);
    expect((await h.rest('/rest/v1/app.secret', { token: h.tokens.admin })).status).toBe(200);
  });

  it('schema public is namespace default; unknown tables are 404', async () => {
    const r = await h.rest('/rest/v1/pub', { token: h.tokens.alice });
    expect(r.status).toBe(200);
    expect(r.json).toEqual([{ id: 1, v: 'one' }]);
    expect((await h.rest('/rest/v1/nope', { token: h.tokens.alice })).status).toBe(404);
    expect((await h.rest('/rest/v1/tasks', { token: h.tokens.alice, headers: { 'Accept-Profile': 'nope' } })).status).toBe(404);
  });
});
