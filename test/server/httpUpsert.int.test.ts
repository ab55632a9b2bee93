/**
 * `INSERT ... ON CONFLICT (pk) DO UPDATE` over HTTP. On USER tables the real constraints are
 * (hidden owner, pk); the engine scopes the conflict target to the owner, so an upsert conflicts
 * with the writer's own row only — never with another user's row with the same key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevServer } from '../../server/devServer.js';
import type { ChangeRecord } from '../../server/engine/types.js';
import { sql, startHttpTestServer } from './httpTestClient.js';

let server: DevServer;
let admin: string;
let alice: string;
let bob: string;
let svc: string;
let changes: ChangeRecord[];

beforeAll(async () => {
  const h = await startHttpTestServer([
    { user: 'admin', role: 'dba' },
    { user: 'alice', role: 'user' },
    { user: 'bob', role: 'user' },
    { user: 'svc', role: 'service' },
  ]);
  ({ server, changes } = h);
  ({ admin, alice, bob, svc } = h.tokens as Record<'admin' | 'alice' | 'bob' | 'svc', string>);
  const r = await sql(
    server,
    admin,
    `CREATE NAMESPACE IF NOT EXISTS up;
     CREATE USER TABLE up.prefs (id BIGINT PRIMARY KEY, name TEXT, email TEXT UNIQUE, hits INT NOT NULL DEFAULT 0);
     CREATE SHARED TABLE up.board (id INT PRIMARY KEY, v TEXT) WITH (ACCESS_LEVEL = 'PUBLIC')`,
  );
  expect(r.status, r.text).toBe(200);
});

afterAll(async () => {
  await server.close();
});

const rows = async (token: string, text: string): Promise<unknown[][]> => {
  const r = await sql(server, token, text);
  expect(r.status, r.text).toBe(200);
  return r.json.results[0].rows as unknown[][];
};

describe('INSERT ... ON CONFLICT on USER tables', () => {
  it('DO UPDATE on the primary key updates the writer’s own row (and is captured as an update)', async () => {
    expect((await sql(server, alice, "INSERT INTO up.prefs (id, name) VALUES (1, 'a1')")).status).toBe(200);
    const before = changes.length;
    const r = await sql(server, alice, "INSERT INTO up.prefs (id, name) VALUES (1, 'a1-upd') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, hits = up.prefs.hits + 1");
    expect(r.status, r.text).toBe(200);
    expect(r.json.results[0]).toMatchObject({ row_count: 1 });
    expect(await rows(alice, 'SELECT id, name, hits FROM up.prefs ORDER BY id')).toEqual([['1', 'a1-upd', 1]]);
    const captured = changes.slice(before);
    expect(captured).toHaveLength(1);
    expect(captured[0]).toMatchObject({ table: 'up.prefs', op: 'update', userId: 'alice', oldRow: { name: 'a1' }, newRow: { name: 'a1-upd', hits: 1 } });
  });

  it('another user’s upsert of the same key inserts their own row and leaves the first user’s alone', async () => {
    const r = await sql(server, bob, "INSERT INTO up.prefs (id, name) VALUES (1, 'b1') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name");
    expect(r.status, r.text).toBe(200);
    expect(await rows(bob, 'SELECT id, name, hits FROM up.prefs ORDER BY id')).toEqual([['1', 'b1', 0]]);
    expect(await rows(alice, 'SELECT id, name, hits FROM up.prefs ORDER BY id')).toEqual([['1', 'a1-upd', 1]]);
    // And again: now bob's own row conflicts.
    expect((await sql(server, bob, "INSERT INTO up.prefs (id, name) VALUES (1, 'b1-upd') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name")).status).toBe(200);
    expect(await rows(bob, 'SELECT name FROM up.prefs')).toEqual([['b1-upd']]);
    expect(await rows(alice, 'SELECT name FROM up.prefs')).toEqual([['a1-upd']]);
  });

  it('works with DO NOTHING, RETURNING, a UNIQUE column, quoted names, lower case, the namespace_id default and a multi-row VALUES', async () => {
    expect((await sql(server, alice, "insert into up.prefs (id, name) values (1, 'ignored') on conflict(\"id\") do nothing")).status).toBe(200);
    expect(await rows(alice, 'SELECT name FROM up.prefs WHERE id = 1')).toEqual([['a1-upd']]);
    const ret = await sql(server, alice, "INSERT INTO up.prefs (id, name) VALUES (1, 'r'), (2, 'two') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name RETURNING id, name");
    expect(ret.status, ret.text).toBe(200);
    expect(ret.json.results[0].rows).toEqual([['1', 'r'], ['2', 'two']]);
    // UNIQUE (email) is per owner too.
    expect((await sql(server, alice, "INSERT INTO up.prefs (id, email) VALUES (3, 'x@example.com')")).status).toBe(200);
    expect((await sql(server, bob, "INSERT INTO up.prefs (id, email) VALUES (3, 'x@example.com') ON CONFLICT (email) DO NOTHING")).status).toBe(200);
    expect(await rows(bob, 'SELECT id FROM up.prefs WHERE email IS NOT NULL')).toEqual([['3']]);
    const byEmail = await sql(server, alice, "INSERT INTO up.prefs (id, email, name) VALUES (99, 'x@example.com', 'via-email') ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name");
    expect(byEmail.status, byEmail.text).toBe(200);
    expect(await rows(alice, "SELECT id, name FROM up.prefs WHERE email = 'x@example.com'")).toEqual([['3', 'via-email']]);
    // Unqualified table name resolved through namespace_id.
    const ns = await sql(server, alice, "INSERT INTO \"prefs\" (id, name) VALUES (2, 'ns') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name", undefined, 'up');
    expect(ns.status, ns.text).toBe(200);
    expect(await rows(alice, 'SELECT name FROM up.prefs WHERE id = 2')).toEqual([['ns']]);
    // A literal that looks like a conflict clause is not touched.
    expect((await sql(server, alice, "INSERT INTO up.prefs (id, name) VALUES (4, 'on conflict (id)') ON CONFLICT (id) DO NOTHING")).status).toBe(200);
    expect(await rows(alice, 'SELECT name FROM up.prefs WHERE id = 4')).toEqual([['on conflict (id)']]);
  });

  it('inside a batch, a writable CTE, and EXECUTE AS USER', async () => {
    const batch = await sql(server, alice, "INSERT INTO up.prefs (id, name) VALUES (5, 'b'); INSERT INTO up.prefs (id, name) VALUES (5, 'b2') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name");
    expect(batch.status, batch.text).toBe(200);
    expect(await rows(alice, 'SELECT name FROM up.prefs WHERE id = 5')).toEqual([['b2']]);
    const cte = await sql(server, alice, "WITH w AS (INSERT INTO up.prefs (id, name) VALUES (5, 'cte') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name RETURNING id) SELECT count(*) FROM w");
    expect(cte.status, cte.text).toBe(200);
    expect(await rows(alice, 'SELECT name FROM up.prefs WHERE id = 5')).toEqual([['cte']]);
    const as = await sql(server, svc, "EXECUTE AS USER 'bob' (INSERT INTO up.prefs (id, name) VALUES (1, 'svc-for-bob') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name)");
    expect(as.status, as.text).toBe(200);
    expect(await rows(bob, 'SELECT name FROM up.prefs WHERE id = 1')).toEqual([['svc-for-bob']]);
    expect(await rows(alice, 'SELECT name FROM up.prefs WHERE id = 1')).toEqual([['r']]);
  });

  it('a conflict target with no matching constraint still fails like PostgreSQL', async () => {
    const r = await sql(server, alice, "INSERT INTO up.prefs (id, name) VALUES (1, 'x') ON CONFLICT (name) DO NOTHING");
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'SQL_EXECUTION_ERROR', message: expect.stringContaining('no unique or exclusion constraint') });
  });
});

describe('INSERT ... ON CONFLICT on SHARED tables (unchanged)', () => {
  it('DO UPDATE on the primary key', async () => {
    expect((await sql(server, admin, "INSERT INTO up.board (id, v) VALUES (1, 'a')")).status).toBe(200);
    const r = await sql(server, admin, "INSERT INTO up.board (id, v) VALUES (1, 'b') ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v");
    expect(r.status, r.text).toBe(200);
    expect(await rows(admin, 'SELECT id, v FROM up.board')).toEqual([[1, 'b']]);
  });
});
