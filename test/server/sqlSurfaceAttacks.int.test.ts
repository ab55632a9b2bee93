/**
 * An attacker with an ordinary `user` login (demo/demo) against the SQL API: every escape class
 * the dev server once allowed, written as the attack itself. Each must be refused with a clear
 * error, and leave nothing behind for the next request of any user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import { login, request, sql } from './httpTestClient.js';

let server: DevServer;
let demo: string;
let admin: string;

beforeAll(async () => {
  server = await startDevServer({ seed: 'demo', quiet: true, authRateLimitPerSec: 0 });
  demo = await login(server, 'demo', 'demo');
  admin = await login(server, 'admin', 'kalamdb123');
  await sql(server, admin, "CREATE SHARED TABLE app.vault (id BIGINT PRIMARY KEY, secret TEXT) WITH (ACCESS_LEVEL = 'PRIVATE')");
  await sql(server, admin, "INSERT INTO app.vault (id, secret) VALUES (1, 'top secret')");
  await sql(server, admin, "INSERT INTO app.todos (title) VALUES ('admin todo')");
});
afterAll(() => server.close());

async function refused(sqlText: string, params?: unknown[]): Promise<{ code: string; message: string; status: number }> {
  const r = await sql(server, demo, sqlText, params);
  expect(r.json?.status, `${sqlText.slice(0, 80)} should be refused: ${r.text.slice(0, 300)}`).toBe('error');
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.status).toBeLessThan(500);
  return { code: r.json.error.code, message: r.json.error.message, status: r.status };
}

/** What no attack may change: roles, other users' rows, settings as seen by every later request. */
async function nothingChanged(): Promise<void> {
  const users = (await server.engine.internalQuery('SELECT id, role FROM livebind.users ORDER BY id')) as { id: string; role: string }[];
  expect(users).toEqual([
    { id: 'admin', role: 'dba' },
    { id: 'alice', role: 'user' },
    { id: 'bob', role: 'user' },
    { id: 'demo', role: 'user' },
  ]);
  const mine = await sql(server, admin, 'SELECT title FROM app.todos');
  expect(mine.json.results[0].rows).toEqual([['admin todo']]);
  const fmt = await sql(server, admin, "SELECT 12.5::float8 AS f, '2026-01-02 03:04:05'::timestamp AS t, 'x' AS s");
  expect(fmt.status).toBe(200);
  expect(fmt.json.results[0].rows[0][0]).toBe(12.5);
  expect(fmt.json.results[0].rows[0][1]).toBe(Date.UTC(2026, 0, 2, 3, 4, 5) * 1000);
  const write = await sql(server, demo, "INSERT INTO app.messages (room, author, body) VALUES ('lobby', 'demo', 'still writable')");
  expect(write.status).toBe(200);
}

describe('SQL surface: a role user cannot escape', () => {
  it('dynamic SQL: functions that execute a string are refused before Postgres sees them', async () => {
    const attacks = [
      "SELECT query_to_xml('SELECT set_config(''role'',''postgres'',false)',true,true,'')",
      "SELECT * FROM ts_stat('SELECT to_tsvector(password_hash) FROM livebind.users')",
      "SELECT query_to_xml_and_xmlschema('SELECT 1', true, true, '')",
      "SELECT xpath('/a', query_to_xml('SELECT 1', true, true, ''))",
      "SELECT cursor_to_xml('c', 1, true, true, '')",
      "SELECT pg_catalog.query_to_xml('SELECT 1', true, true, '')",
      "SELECT \"query_to_xml\"('SELECT 1', true, true, '')",
      "SELECT 1 WHERE EXISTS (SELECT query_to_xml('SELECT 1',true,true,''))",
      "INSERT INTO app.messages (room, author, body) VALUES ('x', 'y', query_to_xml('SELECT 1',true,true,'')::text)",
    ];
    for (const a of attacks) {
      const r = await refused(a);
      expect(r.code).toBe('PERMISSION_DENIED');
      expect(r.message).toMatch(/not part of the SQL surface/);
    }
    await nothingChanged();
  });

  it('settings: SET, set_config, current_setting, UPDATE pg_settings, ALTER SYSTEM, RESET are refused', async () => {
    const attacks = [
      'SET ROLE postgres',
      "SET SESSION AUTHORIZATION 'postgres'",
      "SET livebind.user_id = 'admin'",
      'RESET ALL',
      "SELECT set_config('livebind.user_id', 'admin', false)",
      "SELECT current_setting('livebind.user_id')",
      "UPDATE pg_settings SET setting = 'on' WHERE name = 'default_transaction_read_only'",
      "UPDATE pg_catalog.pg_settings SET setting = 'SQL, DMY' WHERE name = 'DateStyle'",
      "ALTER SYSTEM SET extra_float_digits = -10",
      'SHOW TimeZone',
      "DO $$ BEGIN PERFORM 1; END $$",
    ];
    for (const a of attacks) await refused(a);
    await nothingChanged();
  });

  it('system catalogs and internals: pg_*, information_schema and livebind.* are not tables of the surface', async () => {
    const attacks = [
      'SELECT id, role, password_hash FROM livebind.users',
      'SELECT * FROM livebind.changes',
      'SELECT rolname FROM pg_roles',
      'SELECT * FROM pg_catalog.pg_authid',
      'SELECT * FROM information_schema.tables',
      'SELECT title FROM app.todos WHERE EXISTS (SELECT 1 FROM pg_settings)',
      'SELECT title FROM app.todos t JOIN livebind.users u ON u.id = t.title',
      'WITH u AS (SELECT * FROM livebind.users) SELECT * FROM u',
      'SELECT * FROM public.anything',
      'SELECT * FROM app.todos UNION SELECT * FROM livebind.tables',
    ];
    for (const a of attacks) {
      const r = await refused(a);
      expect(['TABLE_NOT_FOUND', 'PERMISSION_DENIED', 'INVALID_SQL']).toContain(r.code);
    }
    const internal = await refused('SELECT id, role, password_hash FROM livebind.users');
    expect(internal.code).toBe('PERMISSION_DENIED');
    expect(internal.message).toMatch(/internal to the server/);
    expect((await refused('SELECT * FROM app.nope')).code).toBe('TABLE_NOT_FOUND');
    await nothingChanged();
  });

  it("cross-user: USER tables show and change only the caller's rows; PRIVATE shared tables are refused", async () => {
    const read = await sql(server, demo, 'SELECT title FROM app.todos');
    expect(read.json.results[0].rows.map((r: string[]) => r[0])).not.toContain('admin todo');
    const update = await sql(server, demo, "UPDATE app.todos SET title = 'pwned' WHERE true");
    expect(update.status).toBe(200);
    const del = await sql(server, demo, "DELETE FROM app.todos WHERE title = 'admin todo'");
    expect(del.json.results[0].row_count).toBe(0);
    const vault = await refused('SELECT secret FROM app.vault');
    expect(vault.code).toBe('PERMISSION_DENIED');
    expect(vault.status).toBe(403);
    await refused("INSERT INTO app.vault (id, secret) VALUES (2, 'mine now')");
    await refused('SELECT title FROM app.todos WHERE EXISTS (SELECT 1 FROM app.vault)');
    await refused("EXECUTE AS USER 'admin' (SELECT title FROM app.todos)");
    // The escape as it was done: switch the row-level-security identity through dynamic SQL, then read and write.
    const batch = await sql(
      server,
      demo,
      "SELECT query_to_xml('SELECT set_config(''livebind.user_id'',''admin'',false)',true,true,''); SELECT title FROM app.todos; UPDATE app.todos SET title = 'forged'",
    );
    expect(batch.json.status).toBe('error');
    expect(batch.text).not.toContain('admin todo');
    await nothingChanged();
  });

  it('role changes: no statement reaches livebind.users or switches the Postgres role', async () => {
    for (const a of [
      "UPDATE livebind.users SET role = 'dba' WHERE id = 'demo'",
      "INSERT INTO livebind.users (id, password_hash, role) VALUES ('evil', 'x', 'system')",
      'SET ROLE livebind_admin',
      'RESET ROLE',
      "SELECT set_config('role', 'postgres', false)",
      // The escape as it was done: become the superuser through dynamic SQL, then promote yourself.
      "SELECT query_to_xml('SELECT set_config(''role'',''postgres'',false)',true,true,''); UPDATE livebind.users SET role = 'dba' WHERE id = 'demo'",
      "SELECT query_to_xml('SELECT set_config(''role'',''postgres'',false)',true,true,''); SELECT id, role, password_hash FROM livebind.users",
    ]) {
      const r = await sql(server, demo, a);
      expect(r.json.status, a).toBe('error');
      expect(r.text).not.toMatch(/\$2[aby]\$|scrypt|argon/);
    }
    const ddl = await refused('CREATE NAMESPACE evil');
    expect(ddl.code).toBe('PERMISSION_DENIED');
    await nothingChanged();
  });

  it('resource exhaustion: sleeps, generators, amplifiers, deep nesting and huge plans are refused quickly', async () => {
    const started = Date.now();
    for (const a of [
      'SELECT pg_sleep(3)',
      "SELECT pg_sleep_for('3 seconds')",
      'SELECT count(*) FROM generate_series(1, 100000000)',
      "SELECT length(repeat('x', 300000000))",
      "SELECT lpad('x', 300000000)",
      `SELECT ${'('.repeat(20_000)}1${')'.repeat(20_000)}`,
      `SELECT 1 WHERE 1 IN (${Array.from({ length: 50_000 }, (_, i) => i).join(',')})`,
    ]) {
      await refused(a);
    }
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect((await refused('SELECT $1::jsonb IS NULL', [deep])).code).toBe('INVALID_PARAMETER');
    await refused(`SELECT '${'['.repeat(5_000)}${']'.repeat(5_000)}'::jsonb IS NULL`);
    await refused("SELECT (string_agg('[', '') || string_agg(']', ''))::jsonb FROM app.messages");
    // Everything above is refused before it runs: no request waited seconds.
    expect(Date.now() - started).toBeLessThan(20_000);

    // A quadratic plan over a table the caller filled is refused by its estimated cost.
    await sql(server, admin, 'CREATE SHARED TABLE app.big (id BIGINT PRIMARY KEY, v TEXT) WITH (ACCESS_LEVEL = \'PUBLIC\')');
    for (let b = 0; b < 1; b++) {
      const values = Array.from({ length: 3_000 }, (_, i) => `(${b * 10_000 + i}, 'v${i}')`).join(',');
      const ins = await sql(server, admin, `INSERT INTO app.big (id, v) VALUES ${values}`);
      expect(ins.status, ins.text.slice(0, 200)).toBe(200);
    }
    const cross = await refused('SELECT count(*) FROM app.big a, app.big b, app.big c');
    expect(cross.message).toMatch(/estimated cost/);
    const fine = await sql(server, demo, 'SELECT count(*) AS n FROM app.big WHERE id < 100');
    expect(fine.json.results[0].rows[0][0]).toBe('100');
    await nothingChanged();
  });

  it('the ordinary surface keeps working: joins, CTEs, aggregates, JSON, casts, transactions, upserts', async () => {
    const ok = [
      "SELECT m.id, upper(m.author) AS a, count(*) OVER () AS n FROM app.messages m WHERE m.room = 'lobby' ORDER BY m.id LIMIT 5",
      "WITH r AS (SELECT room, count(*) AS n FROM app.messages GROUP BY room) SELECT * FROM r WHERE n > 0",
      "SELECT json_build_object('a', 1, 'b', '[1,2]'::jsonb) AS j, now() - interval '1 day' AS d, coalesce(NULL, 'x') AS c",
      "SELECT '{\"k\": [1, 2]}'::jsonb -> 'k' ->> 0 AS v, CAST('42' AS int8) AS n, gen_random_uuid() IS NOT NULL AS u",
      "INSERT INTO app.metrics (name, value) VALUES ('x', 1) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value RETURNING name",
    ];
    for (const q of ok) {
      const r = await sql(server, demo, q);
      expect(r.status, `${q}: ${r.text.slice(0, 300)}`).toBe(200);
    }
    const tx = await sql(server, demo, "BEGIN; INSERT INTO app.todos (title) VALUES ('in tx'); COMMIT");
    expect(tx.status, tx.text).toBe(200);
  });

  it('/health runs SQL: healthy while it can, 503 once it cannot', async () => {
    const other = await startDevServer({ quiet: true });
    expect((await request(other, 'GET', '/health')).status).toBe(200);
    await other.engine.close();
    const r = await request(other, 'GET', '/health');
    expect(r.status).toBe(503);
    expect(r.json.status).toBe('unhealthy');
    await other.close().catch(() => undefined);
  });
});
