import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevServer } from '../../server/devServer.js';
import type { ChangeRecord } from '../../server/engine/types.js';
import { sql, startHttpTestServer } from './httpTestClient.js';

let server: DevServer;
let admin: string;
let alice: string;
let bob: string;
let changes: ChangeRecord[];

beforeAll(async () => {
  const h = await startHttpTestServer([
    { user: 'admin', role: 'dba' },
    { user: 'alice', role: 'user' },
    { user: 'bob', role: 'user' },
  ]);
  ({ server, changes } = h);
  ({ admin, alice, bob } = h.tokens as Record<'admin' | 'alice' | 'bob', string>);
  const r = await sql(
    server,
    admin,
    `CREATE NAMESPACE IF NOT EXISTS shop;
     CREATE TABLE IF NOT EXISTS shop.orders (id INT PRIMARY KEY, payload TEXT, flag BOOLEAN, score DOUBLE, big BIGINT, at TIMESTAMP);
     CREATE USER TABLE shop.notes (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), body TEXT NOT NULL);
     CREATE SHARED TABLE shop.secrets (id INT PRIMARY KEY, v TEXT) WITH (ACCESS_LEVEL = 'PRIVATE')`,
  );
  expect(r.status).toBe(200);
});

afterAll(async () => {
  await server.close();
});

describe('POST /v1/api/sql', () => {
  it('runs DDL with messages', async () => {
    const r = await sql(server, admin, 'CREATE NAMESPACE IF NOT EXISTS shop');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'success', results: [{ row_count: 0, message: expect.any(String), as_user: 'admin' }] });
    expect(r.json.error).toBeUndefined();
    expect(typeof r.json.took).toBe('number');
    const again = await sql(server, admin, 'CREATE TABLE shop.orders (id INT)');
    expect(again.status).toBe(400);
    expect(again.json.error.code).toBe('SQL_EXECUTION_ERROR');
  });

  it('inserts with $n params and returns positional rows with schema flags (TS SDK e2e shapes)', async () => {
    const ins = await sql(server, admin, 'INSERT INTO shop.orders (id, payload, flag, score, big, at) VALUES ($1, $2, $3, $4, $5, $6)', [
      1,
      'hello',
      true,
      2.5,
      900719925474099,
      '2024-05-01T10:00:00Z',
    ]);
    expect(ins.json).toEqual({ status: 'success', results: [{ row_count: 1, message: 'Inserted 1 row(s)', as_user: 'admin' }], took: expect.any(Number) });
    await sql(server, admin, `INSERT INTO shop.orders (id, payload) VALUES (2, 'two'), (3, 'three')`);
    const r = await sql(server, admin, 'SELECT id, payload, flag, score, big, at FROM shop.orders WHERE id IN (1, 2) ORDER BY id');
    expect(r.status).toBe(200);
    expect(r.json.error).toBeNull();
    expect(r.json.results[0].schema).toEqual([
      { name: 'id', data_type: 'Int', index: 0, flags: ['pk', 'nn'] },
      { name: 'payload', data_type: 'Text', index: 1 },
      { name: 'flag', data_type: 'Boolean', index: 2 },
      { name: 'score', data_type: 'Double', index: 3 },
      { name: 'big', data_type: 'BigInt', index: 4 },
      { name: 'at', data_type: 'Timestamp', index: 5 },
    ]);
    expect(r.json.results[0].rows).toEqual([
      [1, 'hello', true, 2.5, '900719925474099', Date.UTC(2024, 4, 1, 10) * 1000],
      [2, 'two', null, null, null, null],
    ]);
    expect(r.json.results[0].row_count).toBe(2);
    const one = await sql(server, admin, 'SELECT 1 AS n');
    expect(one.json.results[0]).toEqual({ schema: [{ name: 'n', data_type: 'Int', index: 0 }], rows: [[1]], row_count: 1, as_user: 'admin' });
    const star = await sql(server, admin, 'SELECT * FROM orders WHERE id = 3', undefined, 'shop');
    expect(star.json.results[0].schema.map((f: { name: string }) => f.name)).toEqual(['id', 'payload', 'flag', 'score', 'big', 'at', '_seq', '_deleted']);
    expect(star.json.results[0].rows[0][6]).toMatch(/^\d+$/);
  });

  it('updates and deletes with messages; every change is one ChangeRecord with a new _seq', async () => {
    changes.length = 0;
    const u = await sql(server, admin, `UPDATE shop.orders SET payload = payload || '!' WHERE id >= 1`);
    expect(u.json.results[0]).toEqual({ row_count: 3, message: 'Updated 3 row(s)', as_user: 'admin' });
    const d = await sql(server, admin, 'DELETE FROM shop.orders WHERE id > $1', [1]);
    expect(d.json.results[0]).toEqual({ row_count: 2, message: 'Deleted 2 row(s)', as_user: 'admin' });
    expect(changes.map((c) => c.op)).toEqual(['update', 'update', 'update', 'delete', 'delete']);
    const seqs = changes.map((c) => c.seq);
    expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('isolates USER tables between users over HTTP', async () => {
    await sql(server, alice, 'INSERT INTO shop.notes (body) VALUES ($1)', ['alice secret']);
    await sql(server, bob, 'INSERT INTO shop.notes (body) VALUES ($1)', ['bob note']);
    const a = await sql(server, alice, 'SELECT body FROM shop.notes');
    expect(a.json.results[0].rows).toEqual([['alice secret']]);
    const bu = await sql(server, bob, `UPDATE shop.notes SET body = 'pwned'`);
    expect(bu.json.results[0].row_count).toBe(1);
    const bd = await sql(server, bob, `DELETE FROM shop.notes WHERE body = 'alice secret'`);
    expect(bd.json.results[0].row_count).toBe(0);
    const a2 = await sql(server, alice, 'SELECT body FROM shop.notes');
    expect(a2.json.results[0].rows).toEqual([['alice secret']]);
    const cols = a2.json.results[0].schema.map((f: { name: string }) => f.name);
    expect(cols).toEqual(['body']);
    const star = await sql(server, alice, 'SELECT * FROM shop.notes');
    expect(star.text).not.toContain('_livebind_owner');
    expect(star.text).not.toContain('bob');
  });

  it('enforces SHARED access levels and DDL roles', async () => {
    const r = await sql(server, alice, 'SELECT * FROM shop.secrets');
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('PERMISSION_DENIED');
    const ddl = await sql(server, alice, 'CREATE NAMESPACE alice_ns');
    expect(ddl.status).toBe(403);
    expect((await sql(server, admin, 'SELECT * FROM shop.secrets')).status).toBe(200);
  });

  it('handles transactions within one request', async () => {
    const ok = await sql(server, admin, `BEGIN; INSERT INTO shop.orders (id) VALUES (10); INSERT INTO shop.orders (id) VALUES (11); COMMIT`);
    expect(ok.json.results).toEqual([{ row_count: 2, message: 'Inserted 2 row(s)', as_user: 'admin' }]);
    const open = await sql(server, admin, `BEGIN; INSERT INTO shop.orders (id) VALUES (12)`);
    expect(open.status).toBe(400);
    expect(open.json.status).toBe('error');
    const rolled = await sql(server, admin, `BEGIN; DELETE FROM shop.orders; ROLLBACK`);
    expect(rolled.status).toBe(200);
    const count = await sql(server, admin, 'SELECT count(*) AS n FROM shop.orders WHERE id IN (10, 11, 12)');
    expect(count.json.results[0].rows).toEqual([['2']]);
  });

  it('reports a missing table with 400 TABLE_NOT_FOUND and bad SQL without harm', async () => {
    const r = await sql(server, admin, 'SELECT * FROM shop.missing');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ status: 'error', results: [], error: { code: 'TABLE_NOT_FOUND' } });
    const bad = await sql(server, admin, 'SELEKT * FROM shop.orders');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('INVALID_SQL');
    const drop = await sql(server, admin, 'DROP TABLE IF EXISTS shop.nothing');
    expect(drop.status).toBe(200);
  });

  it('rejects params with several statements and non-scalar params', async () => {
    const batch = await sql(server, admin, 'SELECT $1; SELECT 2', [1]);
    expect(batch.json.error.code).toBe('PARAMS_WITH_BATCH');
    const arr = await sql(server, admin, 'SELECT $1', [[1, 2]]);
    expect(arr.status).toBe(400);
    expect(arr.json.error).toEqual({ code: 'INVALID_PARAMETER', message: 'Array parameters not yet supported' });
    const obj = await sql(server, admin, 'SELECT $1', [{ a: 1 }]);
    expect(obj.json.error.code).toBe('INVALID_PARAMETER');
    const missing = await sql(server, admin, 'SELECT $1::int + $2::int');
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe('INVALID_PARAMETER');
  });
});
