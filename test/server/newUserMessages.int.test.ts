/** Messages a new user hits first: SHOW, parameter counts, parser errors, ORDER BY/LIMIT in live queries. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import { login, sql } from './httpTestClient.js';
import { WsTestClient } from './wsTestClient.js';

let server: DevServer;
let demo: string;
let admin: string;
beforeAll(async () => {
  server = await startDevServer({ seed: 'demo', quiet: true, authRateLimitPerSec: 0 });
  demo = await login(server, 'demo', 'demo');
  admin = await login(server, 'admin', 'kalamdb123');
  await sql(server, admin, "CREATE SHARED TABLE app.vault (id BIGINT PRIMARY KEY) WITH (ACCESS_LEVEL = 'PRIVATE')");
});
afterAll(() => server.close());

describe('first-run messages', () => {
  it('SHOW NAMESPACES and SHOW TABLES [IN ns] list what the caller may read', async () => {
    const ns = await sql(server, demo, 'SHOW NAMESPACES');
    expect(ns.json.results[0].rows).toEqual([['app', 4]]); // the PRIVATE app.vault is not the demo user's to see
    expect((await sql(server, admin, 'SHOW NAMESPACES')).json.results[0].rows).toEqual([['app', 5]]);
    const tables = await sql(server, demo, 'SHOW TABLES IN app');
    expect(tables.json.results[0].schema.map((f: { name: string }) => f.name)).toEqual(['namespace_id', 'table_name', 'table_type', 'access_level']);
    expect(tables.json.results[0].rows).toEqual([
      ['app', 'messages', 'SHARED', 'PUBLIC'],
      ['app', 'metrics', 'SHARED', 'PUBLIC'],
      ['app', 'orders', 'SHARED', 'PUBLIC'],
      ['app', 'todos', 'USER', null],
    ]);
    const all = await sql(server, admin, 'SHOW TABLES');
    expect(all.json.results[0].rows.map((r: string[]) => r[1])).toContain('vault');
  });

  it('a parameter count mismatch names the expected count', async () => {
    const r = await sql(server, demo, 'SELECT id FROM app.messages WHERE room = $1');
    expect(r.json.error.code).toBe('INVALID_PARAMETER');
    expect(r.json.error.message).toMatch(/uses 1 parameter\(s\) \(\$1…\$1\) but 0 were sent/);
  });

  it('a syntax error says what was unexpected, without the parse table', async () => {
    const r = await sql(server, demo, 'SELEC 1');
    expect(r.json.error.message).toMatch(/Syntax error at line 1 col \d+: Unexpected/);
    expect(r.json.error.message).not.toMatch(/parse table/);
  });

  it('ORDER BY and LIMIT in a live query point to the orderBy and limit options', async () => {
    const c = await WsTestClient.authed(server.wsUrl, demo);
    c.send({ type: 'subscribe', subscription: { id: 'o', sql: 'SELECT id FROM app.messages ORDER BY id' } });
    c.send({ type: 'subscribe', subscription: { id: 'l', sql: 'SELECT id FROM app.messages LIMIT 5' } });
    const o = await c.next((m) => m.subscription_id === 'o');
    const l = await c.next((m) => m.subscription_id === 'l');
    expect(JSON.stringify(o)).toMatch(/`orderBy` option/);
    expect(JSON.stringify(l)).toMatch(/`limit` option/);
    c.close();
  });
});
