import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../server/auth/tokens.js';
import { PgliteEngine } from '../../server/engine/pgliteEngine.js';
import { SqlError } from '../../server/engine/sqlExecutor.js';
import type { AuthUser, ChangeRecord } from '../../server/engine/types.js';

const admin: AuthUser = { id: 'admin', role: 'dba' };
const alice: AuthUser = { id: 'alice', role: 'user' };
const bob: AuthUser = { id: 'bob', role: 'user' };

let engine: PgliteEngine;
const changes: ChangeRecord[] = [];

async function sql(user: AuthUser, text: string, params?: (string | number | boolean | null)[]) {
  return engine.executeSql(user, params === undefined ? { sql: text } : { sql: text, params });
}

beforeAll(async () => {
  engine = await PgliteEngine.open({ tokens: new TokenService({ secret: 'test-secret' }) });
  engine.onChange((c) => changes.push(c));
  await sql(
    admin,
    `CREATE NAMESPACE IF NOT EXISTS app;
     CREATE SHARED TABLE app.items (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), name TEXT NOT NULL, qty INT, price DECIMAL(10,2), at TIMESTAMP DEFAULT NOW(), meta JSON, ok BOOLEAN);
     CREATE USER TABLE app.todos (id INT PRIMARY KEY, title TEXT, done BOOLEAN DEFAULT false)`,
  );
}, 60_000);

afterAll(async () => {
  await engine.close();
});

describe('engine', () => {
  it('creates tables with catalog info and flags', () => {
    const t = engine.getTable('app', 'items');
    expect(t?.type).toBe('shared');
    expect(t?.columns.map((c) => c.name)).toEqual(['id', 'name', 'qty', 'price', 'at', 'meta', 'ok', '_seq', '_deleted']);
    expect(t?.columns[0]).toMatchObject({ dataType: 'BigInt', flags: ['pk', 'nn'] });
    expect(t?.columns[3]?.dataType).toEqual({ Decimal: { precision: 10, scale: 2 } });
    expect(engine.getTable('app', 'todos')?.type).toBe('user');
    expect(engine.getTable('app', 'nope')).toBeUndefined();
  });

  it('encodes cells per §1.4 and returns schema with flags', async () => {
    await sql(admin, `INSERT INTO app.items (id, name, qty, price, at, meta, ok) VALUES (9007199254740993, 'a', 3, 12.5, '2024-01-01T00:00:00.123456Z', '{"k":[1]}', true)`);
    const r = await sql(admin, 'SELECT id, name, qty, price, at, meta, ok, _seq, _deleted FROM app.items WHERE id = $1', ['9007199254740993']);
    const res = r.results[0]!;
    expect(r.singleQuery).toBe(true);
    expect(res.schema?.[0]).toEqual({ name: 'id', data_type: 'BigInt', index: 0, flags: ['pk', 'nn'] });
    expect(res.rows?.[0]?.slice(0, 7)).toEqual(['9007199254740993', 'a', 3, '12.50', 1704067200123456, { k: [1] }, true]);
    expect(typeof res.rows?.[0]?.[7]).toBe('string');
    expect(res.rows?.[0]?.[8]).toBe(false);
  });

  it('yields exactly one ChangeRecord per row change with increasing _seq', async () => {
    changes.length = 0;
    await sql(admin, `INSERT INTO app.items (id, name, qty) VALUES (1, 'x', 1), (2, 'y', 2), (3, 'z', 3)`);
    await sql(admin, `UPDATE app.items SET qty = qty + 10 WHERE id IN (1, 2, 3)`);
    await sql(admin, `DELETE FROM app.items WHERE id >= 2 AND id <= 3`);
    await sql(admin, `BEGIN; INSERT INTO app.items (id, name) VALUES (4, 'w'); UPDATE app.items SET name = 'ww' WHERE id = 4; COMMIT`);
    await sql(admin, `BEGIN; INSERT INTO app.items (id, name) VALUES (5, 'rolled back'); ROLLBACK`);
    expect(changes.map((c) => c.op)).toEqual(['insert', 'insert', 'insert', 'update', 'update', 'update', 'delete', 'delete', 'insert', 'update']);
    for (let i = 1; i < changes.length; i++) expect(changes[i]!.seq > changes[i - 1]!.seq).toBe(true);
    const upd = changes[3]!;
    expect(upd.oldRow?.['qty']).toBe(1);
    expect(upd.newRow?.['qty']).toBe(11);
    expect(upd.newRow?.['_seq']).toBe(upd.seq.toString());
    expect(BigInt(upd.oldRow?.['_seq'] as string) < upd.seq).toBe(true);
    const del = changes[6]!;
    expect(del.newRow).toBeUndefined();
    expect(del.oldRow?.['name']).toBe('y');
    expect(changes.every((c) => c.table === 'app.items' && c.userId === null)).toBe(true);
  });

  it('keeps tombstones for deletes and answers snapshotBound', async () => {
    const t = engine.getTable('app', 'items')!;
    const bound = await engine.snapshotBound();
    const tombs = await engine.tombstones(admin, t, 0n, bound);
    expect(tombs.map((x) => x.oldRow['id']).sort()).toEqual(['2', '3']);
    expect(tombs[0]!.oldRow['_seq']).toBe(tombs[0]!.seq.toString());
    await sql(admin, `INSERT INTO app.items (id, name) VALUES (2, 'again')`);
    const after = await engine.tombstones(admin, t, 0n, await engine.snapshotBound());
    expect(after.map((x) => x.oldRow['id'])).toEqual(['3']);
    const rows = await engine.readRows(admin, t, { columns: ['id', 'name'], upToSeq: bound, limit: 100 });
    expect(rows.map((r) => r['id'])).toEqual(['9007199254740993', '1', '4']);
    const newest = await engine.readRows(admin, t, { columns: ['id'], whereSql: `"name" <> 'x'`, upToSeq: await engine.snapshotBound(), limit: 1, newestFirst: true });
    expect(newest.map((r) => r['id'])).toEqual(['2']);
  });

  it('isolates USER tables between users for any SQL', async () => {
    changes.length = 0;
    await sql(alice, `INSERT INTO app.todos (id, title) VALUES (1, 'alice 1'), (2, 'alice 2')`);
    await sql(bob, `INSERT INTO app.todos (id, title) VALUES (1, 'bob 1')`);
    const a = await sql(alice, 'SELECT * FROM app.todos ORDER BY id');
    expect(a.results[0]!.rows?.map((r) => r[1])).toEqual(['alice 1', 'alice 2']);
    expect(a.results[0]!.schema?.map((f) => f.name)).toEqual(['id', 'title', 'done', '_seq', '_deleted']);
    const upd = await sql(bob, `UPDATE app.todos SET title = 'hacked' WHERE true`);
    expect(upd.results[0]).toMatchObject({ row_count: 1, message: 'Updated 1 row(s)' });
    const del = await sql(bob, `DELETE FROM app.todos WHERE id = 2`);
    expect(del.results[0]?.row_count).toBe(0);
    const a2 = await sql(alice, 'SELECT title FROM app.todos ORDER BY id');
    expect(a2.results[0]!.rows).toEqual([['alice 1'], ['alice 2']]);
    expect(changes.map((c) => [c.op, c.userId])).toEqual([
      ['insert', 'alice'],
      ['insert', 'alice'],
      ['insert', 'bob'],
      ['update', 'bob'],
    ]);
    const t = engine.getTable('app', 'todos')!;
    const rows = await engine.readRows(alice, t, { columns: ['id', 'title'], upToSeq: await engine.snapshotBound(), limit: 10 });
    expect(rows.map((r) => r['title'])).toEqual(['alice 1', 'alice 2']);
  });

  it('blocks identity changes and non-DML statements for users', async () => {
    await expect(sql(alice, `SELECT set_config('livebind.user_id', 'bob', false)`)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(sql(alice, `RESET ROLE`)).rejects.toMatchObject({ code: 'INVALID_SQL' });
    await expect(sql(alice, `SET ROLE postgres`)).rejects.toMatchObject({ code: 'INVALID_SQL' });
    await expect(sql(alice, `CREATE NAMESPACE evil`)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(sql(alice, `SELECT * FROM livebind.users`)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(sql(alice, `SELECT * FROM app.missing`)).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND', status: 400 });
    await expect(sql(alice, `SELEC 1`)).rejects.toBeInstanceOf(SqlError);
    const r = await sql(alice, `SELECT current_user AS u`);
    expect(r.results[0]!.rows).toEqual([['livebind_user']]);
  });

  it('rolls back a transaction left open and keeps data intact', async () => {
    await expect(sql(admin, `BEGIN; INSERT INTO app.items (id, name) VALUES (77, 'open')`)).rejects.toMatchObject({ code: 'SQL_EXECUTION_ERROR' });
    await expect(sql(admin, `BEGIN; INSERT INTO app.items (id, name) VALUES (78, 'x'); SELECT 1/0; COMMIT`)).rejects.toMatchObject({ code: 'SQL_EXECUTION_ERROR' });
    const r = await sql(admin, `SELECT count(*) FROM app.items WHERE id IN (77, 78)`);
    expect(r.results[0]!.rows).toEqual([['0']]);
  });

  it('sums DML in multi-statement batches', async () => {
    const r = await sql(admin, `INSERT INTO app.items (name) VALUES ('m1'); INSERT INTO app.items (name) VALUES ('m2'), ('m3'); SELECT 1 AS n; DELETE FROM app.items WHERE name LIKE 'm%'`);
    expect(r.results).toEqual([
      { schema: [{ name: 'n', data_type: 'Int', index: 0 }], rows: [[1]], row_count: 1, as_user: 'admin' },
      { row_count: 3, message: 'Inserted 3 row(s)', as_user: 'admin' },
      { row_count: 3, message: 'Deleted 3 row(s)', as_user: 'admin' },
    ]);
  });
});

describe('SeqId generator (§1.1)', () => {
  const next = async (ms: number): Promise<bigint> => {
    const rows = (await engine.internalQuery('SELECT livebind.next_seq_at($1::int8)::text AS s', [String(ms)])) as { s: string }[];
    return BigInt(rows[0]!.s);
  };

  it('packs ms since 2024-01-01, worker and sequence; strictly increases within a ms and when the clock goes back', async () => {
    const now = Date.now() + 10_000;
    const a = await next(now);
    expect((a >> 22n) + 1704067200000n).toBe(BigInt(now));
    expect((a >> 12n) & 0x3ffn).toBe(1n);
    expect(a & 0xfffn).toBe(0n);
    const b = await next(now);
    expect(b).toBe(a + 1n);
    const back = await next(now - 5000);
    expect(back > b).toBe(true);
    expect((back >> 22n) + 1704067200000n).toBe(BigInt(now));
    let last = back;
    for (let i = 0; i < 4100; i += 500) {
      const rows = (await engine.internalQuery(
        `SELECT max(livebind.next_seq_at($1::int8))::text AS s FROM generate_series(1, 500)`,
        [String(now)],
      )) as { s: string }[];
      const s = BigInt(rows[0]!.s);
      expect(s > last).toBe(true);
      expect((s >> 12n) & 0x3ffn).toBe(1n);
      last = s;
    }
    expect((last >> 22n) + 1704067200000n).toBeGreaterThan(BigInt(now));
    const later = await engine.snapshotBound();
    expect(later).toBe(last);
  });
});

describe('system columns and keys', () => {
  it('ignores client-supplied _seq, _deleted and owner; a primary-key change tombstones the old key', async () => {
    changes.length = 0;
    await sql(alice, `INSERT INTO app.todos (id, title, _seq, _deleted, _livebind_owner) VALUES (50, 'sneaky', 1, true, 'bob')`);
    await sql(alice, `UPDATE app.todos SET _livebind_owner = 'bob', _seq = 2 WHERE id = 50`);
    const b = await sql(bob, 'SELECT id FROM app.todos WHERE id = 50');
    expect(b.results[0]!.rows).toEqual([]);
    const a = await sql(alice, 'SELECT id, _seq, _deleted FROM app.todos WHERE id = 50');
    expect(a.results[0]!.rows?.[0]?.[2]).toBe(false);
    expect(BigInt(a.results[0]!.rows?.[0]?.[1] as string) > 2n).toBe(true);
    await sql(alice, 'UPDATE app.todos SET id = 51 WHERE id = 50');
    const t = engine.getTable('app', 'todos')!;
    const tombs = await engine.tombstones(alice, t, 0n, await engine.snapshotBound());
    expect(tombs.map((x) => x.oldRow['id'])).toEqual([50]);
    expect(await engine.tombstones(bob, t, 0n, await engine.snapshotBound())).toEqual([]);
    expect(changes.map((c) => [c.op, c.userId])).toEqual([
      ['insert', 'alice'],
      ['update', 'alice'],
      ['update', 'alice'],
    ]);
  });

  it('creates users and drops tables through SQL (dba only)', async () => {
    await sql(admin, `CREATE USER 'dave' WITH PASSWORD 'pw' ROLE service`);
    expect((await engine.findUser('dave'))?.role).toBe('service');
    await expect(sql(alice, `CREATE USER 'eve' WITH PASSWORD 'pw' ROLE dba`)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await sql(admin, 'CREATE TABLE app.tmp (id INT PRIMARY KEY); DROP TABLE app.tmp');
    expect(engine.getTable('app', 'tmp')).toBeUndefined();
    await expect(sql(admin, 'DROP TABLE app.tmp')).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
  });
});

describe('EXECUTE AS USER', () => {
  it('lets service/dba write into a user partition of a USER table only', async () => {
    const svc: AuthUser = { id: 'svc', role: 'service' };
    await engine.createUser('svc', 'pw', 'service');
    await engine.createUser('alice', 'pw', 'user');
    changes.length = 0;
    const r = await sql(svc, `EXECUTE AS USER 'alice' (INSERT INTO app.todos (id, title) VALUES (70, 'from service'))`);
    expect(r.results[0]).toEqual({ row_count: 1, message: 'Inserted 1 row(s)', as_user: 'alice' });
    expect(changes.map((c) => [c.op, c.userId])).toEqual([['insert', 'alice']]);
    const mine = await sql(alice, 'SELECT title FROM app.todos WHERE id = 70');
    expect(mine.results[0]!.rows).toEqual([['from service']]);
    const read = await sql(svc, `EXECUTE AS USER alice (SELECT title FROM app.todos WHERE id = 70)`);
    expect(read.results[0]).toMatchObject({ rows: [['from service']], as_user: 'alice' });
    expect((await sql(svc, 'SELECT count(*) FROM app.todos WHERE id = 70')).results[0]!.rows).toEqual([['0']]);
    await expect(sql(alice, `EXECUTE AS USER 'bob' (SELECT * FROM app.todos)`)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(sql(svc, `EXECUTE AS USER 'alice' (SELECT * FROM app.items)`)).rejects.toMatchObject({ code: 'INVALID_SQL' });
    await expect(sql(svc, `EXECUTE AS USER 'nobody' (SELECT * FROM app.todos)`)).rejects.toMatchObject({ code: 'SQL_EXECUTION_ERROR' });
    await expect(sql(svc, `EXECUTE AS USER 'alice' (SELECT 1; SELECT 2)`)).rejects.toMatchObject({ code: 'INVALID_SQL' });
  });
});

describe('timestamp parameters', () => {
  it('binds epoch numbers (s, ms, µs) and ISO strings to TIMESTAMP columns', async () => {
    await sql(admin, 'CREATE TABLE app.times (id INT PRIMARY KEY, at TIMESTAMP)');
    await sql(admin, 'INSERT INTO app.times (id, at) VALUES ($1, $2)', [1, 1714557600123]);
    await sql(admin, 'INSERT INTO app.times (id, at) VALUES ($1, $2)', [2, 1714557600123456]);
    await sql(admin, 'INSERT INTO app.times (id, at) VALUES ($1, $2)', [3, 1714557600]);
    await sql(admin, 'INSERT INTO app.times (id, at) VALUES ($1, $2)', [4, '2024-05-01T10:00:00.5Z']);
    const r = await sql(admin, 'SELECT at FROM app.times ORDER BY id');
    expect(r.results[0]!.rows).toEqual([[1714557600123000], [1714557600123456], [1714557600000000], [1714557600500000]]);
    const q = await sql(admin, 'SELECT id FROM app.times WHERE at > $1 ORDER BY id', [1714557600000]);
    expect(q.results[0]!.rows).toEqual([[1], [2], [4]]);
  });
});
