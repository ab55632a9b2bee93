import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../server/devServer.js';
import type { DevServer } from '../../server/devServer.js';
import { DEMO_ORDER_COUNT } from '../../server/engine/demoOrders.js';

// The demo seed's bulk path (server/engine/demoOrders.ts): 100,000 real rows in app.orders with
// fresh, unique SeqIds below every later write, readable and live like rows written over SQL.
let server: DevServer;
beforeAll(async () => {
  server = await startDevServer({ seed: 'demo', quiet: true, authRateLimitPerSec: 0 });
});
afterAll(() => server?.close());

describe('demo seed: app.orders', () => {
  it('holds DEMO_ORDER_COUNT orders with unique SeqIds used as ids, and later writes get larger SeqIds', async () => {
    const [stats] = (await server.engine.internalQuery(
      `SELECT count(*)::int AS n, count(DISTINCT _seq)::int AS seqs, count(*) FILTER (WHERE id = _seq)::int AS same,
              max(_seq)::text AS max_seq, count(*) FILTER (WHERE status <> 'shipped')::int AS open FROM app.orders`,
    )) as { n: number; seqs: number; same: number; max_seq: string; open: number }[];
    expect(stats).toMatchObject({ n: DEMO_ORDER_COUNT, seqs: DEMO_ORDER_COUNT, same: DEMO_ORDER_COUNT, open: DEMO_ORDER_COUNT / 100 });
    const admin = { id: 'admin', role: 'dba' } as const;
    await server.engine.executeSql(admin, { sql: "INSERT INTO app.orders (customer, region, status, amount) VALUES ('Test', 'EU', 'pending', 1)" });
    const [later] = (await server.engine.internalQuery(`SELECT id::text AS id, _seq::text AS seq FROM app.orders WHERE customer = 'Test'`)) as { id: string; seq: string }[];
    expect(BigInt(later!.seq)).toBeGreaterThan(BigInt(stats!.max_seq));
    expect(BigInt(later!.id)).toBeGreaterThan(BigInt(stats!.max_seq));
  });

  it('the seeded users alice and bob can log in and read the orders over SQL', async () => {
    for (const user of ['alice', 'bob']) {
      const login = await fetch(`${server.url}/v1/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user, password: user }),
      });
      expect(login.status).toBe(200);
      const { access_token: token } = (await login.json()) as { access_token: string };
      const res = await fetch(`${server.url}/v1/api/sql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ sql: "SELECT count(*) AS n FROM app.orders WHERE region = 'EU'" }),
      });
      expect(res.status).toBe(200);
    }
  });
});
