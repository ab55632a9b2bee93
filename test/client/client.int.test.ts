// The core client against the real dev server (docs/SPEC.md). One server per file.
import fc from 'fast-check';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { startDevServer } from '../../server/devServer.js';
import type { DevServer } from '../../server/devServer.js';
import { createClient, liveChanges } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import type { ChangeEvent, LivebindClient, LiveObservable, LiveRows } from '../../src/index.js';
import { createGate } from './gatedWebSocket.js';

interface Note {
  id: string;
  body: string | null;
  n: number | null;
}

let server: DevServer;
let admin: LivebindClient;
let tableNo = 0;

beforeAll(async () => {
  server = await startDevServer({
    port: 0,
    quiet: true,
    users: [
      { user: 'admin', password: 'admin-pass', role: 'dba' },
      { user: 'alice', password: 'alice-pass', role: 'user' },
    ],
  });
  admin = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'admin-pass' } });
  await admin.execute('CREATE NAMESPACE IF NOT EXISTS it');
});

afterAll(async () => {
  await admin?.close();
  await server?.close();
});

async function newTable(): Promise<string> {
  const name = `it.notes_${++tableNo}`;
  await admin.execute(`CREATE SHARED TABLE ${name} (id BIGINT PRIMARY KEY, body TEXT, n INT) WITH (ACCESS_LEVEL='PUBLIC')`);
  return name;
}

/** An admin client whose sockets the test can cut (gate), with a fast reconnect backoff. */
function gatedAdminClient(initialDelayMs: number, maxDelayMs: number) {
  const gate = createGate();
  const client = createClient({
    login: kalamdbLogin,
    sql: kalamdbSql,
    url: server.url,
    auth: { user: 'admin', password: 'admin-pass' },
    WebSocket: gate.WebSocket as never,
    reconnect: { initialDelayMs, maxDelayMs },
  });
  return { gate, client };
}

function until<R>(live: LiveObservable<LiveRows<R>>, predicate: (s: LiveRows<R>) => boolean, ms = 15000): Promise<LiveRows<R>> {
  return firstValueFrom(live.pipe(filter(predicate), timeout(ms)));
}

const byId = (rows: readonly Note[]) => [...rows].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));

describe('HTTP SQL', () => {
  test('query and execute with parameters, BIGINT exact as decimal strings', async () => {
    const t = await newTable();
    const big = 9007199254740993n; // 2^53 + 1
    expect(await admin.execute(`INSERT INTO ${t} (id, body, n) VALUES ($1, $2, $3), ($4, $5, $6)`, [big, "it's \\ \"q\" ü 🎉", 1, 2, null, -5])).toBe(2);
    const rows = await admin.query<Note>(`SELECT id, body, n FROM ${t} WHERE id >= $1 ORDER BY id`, [1]);
    expect(rows).toEqual([
      { id: '2', body: null, n: -5 },
      { id: big.toString(), body: "it's \\ \"q\" ü 🎉", n: 1 },
    ]);
    expect(await admin.execute(`UPDATE ${t} SET n = n + 1 WHERE id = $1`, [big])).toBe(1);
    expect(await admin.execute(`DELETE FROM ${t} WHERE id = $1`, [2])).toBe(1);
    expect(await admin.query(`SELECT n FROM ${t}`)).toEqual([{ n: 2 }]);
  });

  test('errors carry the server code and status, never the token', async () => {
    const err = await admin.query('SELECT * FROM it.missing_table').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'query', code: 'TABLE_NOT_FOUND', status: 400 });
    const bad = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'wrong' } });
    const authErr = await bad.query('SELECT 1').catch((e: unknown) => e);
    expect(authErr).toMatchObject({ kind: 'auth', status: 401, code: 'UNAUTHORIZED' });
    expect(String((authErr as Error).message)).not.toContain('wrong');
    await bad.close();
  });

  test('a missing table is TABLE_NOT_FOUND over HTTP and over the socket alike', async () => {
    const live = admin.liveRows('SELECT * FROM it.missing_table');
    const sub = live.subscribe({ next: () => undefined, error: () => undefined });
    await vi.waitFor(() => expect(live.getSnapshot().status).toBe('error'), { timeout: 10_000 });
    expect(live.getSnapshot().error).toMatchObject({ kind: 'subscription', code: 'TABLE_NOT_FOUND' });
    sub.unsubscribe();
  });
});

describe('liveRows', () => {
  test('initial rows, then live insert, update (incl. NULL), delete', async () => {
    const t = await newTable();
    await admin.execute(`INSERT INTO ${t} (id, body, n) VALUES (1, 'a', 1), (2, 'b', 2)`);
    const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'alice', password: 'alice-pass' } });
    try {
      const live = client.liveRows<Note>(`SELECT id, body, n FROM ${t} WHERE n >= $1`, { params: [0], orderBy: 'id' });
      expect(live.getSnapshot().status).toBe('loading');
      live.subscribe(() => {}); // held for the whole test (each until() subscribes only briefly)
      const ready = await until(live, (s) => s.status === 'ready');
      expect(ready.rows).toEqual([{ id: '1', body: 'a', n: 1 }, { id: '2', body: 'b', n: 2 }]);

      await admin.execute(`INSERT INTO ${t} (id, body, n) VALUES (3, 'c', 3)`);
      const inserted = await until(live, (s) => s.size === 3);
      expect(inserted.get('1')).toBe(ready.get('1'));

      await admin.execute(`UPDATE ${t} SET body = NULL WHERE id = 2`);
      const updated = await until(live, (s) => s.get('2')?.body === null);
      expect(updated.rows).toEqual([{ id: '1', body: 'a', n: 1 }, { id: '2', body: null, n: 2 }, { id: '3', body: 'c', n: 3 }]);

      await admin.execute(`DELETE FROM ${t} WHERE id = 1`);
      expect((await until(live, (s) => !s.byKey.has('1'))).rows.map((r) => r.id)).toEqual(['2', '3']);

      // leaving the filter removes the row (dev server sends a delete, K§12.3)
      await admin.execute(`UPDATE ${t} SET n = -1 WHERE id = 3`);
      expect((await until(live, (s) => !s.byKey.has('3'))).rows.map((r) => r.id)).toEqual(['2']);
    } finally {
      await client.close();
    }
  });

  test('1,500 rows load in pages of 100 and then receive live changes', async () => {
    const t = await newTable();
    const values = Array.from({ length: 1500 }, (_, i) => `(${i + 1}, 'row ${i + 1}', ${i})`).join(', ');
    await admin.execute(`INSERT INTO ${t} (id, body, n) VALUES ${values}`);
    const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'admin-pass' } });
    try {
      const live = client.liveRows<Note>(`SELECT id, body, n FROM ${t}`, { batchSize: 100 });
      const snapshots: LiveRows<Note>[] = [];
      live.subscribe((s: LiveRows<Note>) => snapshots.push(s));
      const ready = await until(live, (s) => s.status === 'ready', 30000);
      expect(ready.size).toBe(1500);
      expect(snapshots.filter((s) => s.status === 'loading').length).toBeGreaterThanOrEqual(15); // one per page, not per row
      expect(snapshots.length).toBeLessThan(30);
      await admin.execute(`INSERT INTO ${t} (id, body, n) VALUES (5000, 'late', 1)`);
      expect((await until(live, (s) => s.size === 1501)).get('5000')?.body).toBe('late');
    } finally {
      await client.close();
    }
  });

  test('two subscribers of the same query share one server subscription; release after grace', async () => {
    const t = await newTable();
    const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'admin-pass' } });
    try {
      const before = server.ws.subscriptionCount();
      const a = client.liveRows<Note>(`SELECT id, body, n FROM ${t}`);
      const b = client.liveRows<Note>(`SELECT id, body, n FROM ${t}`);
      expect(a).toBe(b);
      const ua = a.subscribe(() => {});
      const ub = b.subscribe(() => {});
      await until(a, (s) => s.status === 'ready');
      expect(server.ws.subscriptionCount()).toBe(before + 1);
      ua.unsubscribe();
      ub.unsubscribe();
      await expect.poll(() => server.ws.subscriptionCount(), { timeout: 5000 }).toBe(before);
    } finally {
      await client.close();
    }
  });

  test('resume after the socket is cut: outage inserts, updates and deletes converge', async () => {
    const t = await newTable();
    await admin.execute(`INSERT INTO ${t} (id, body, n) VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)`);
    const { gate, client } = gatedAdminClient(20, 100);
    try {
      const live = client.liveRows<Note>(`SELECT id, body, n FROM ${t}`);
      live.subscribe(() => {});
      await until(live, (s) => s.status === 'ready' && s.size === 3);
      gate.down = true;
      gate.cut();
      await until(live, (s) => s.status === 'reconnecting');
      await admin.execute(`UPDATE ${t} SET body = 'A' WHERE id = 1`);
      await admin.execute(`DELETE FROM ${t} WHERE id = 2`);
      await admin.execute(`INSERT INTO ${t} (id, body, n) VALUES (4, 'd', 4)`);
      await admin.execute(`UPDATE ${t} SET n = NULL WHERE id = 3`);
      gate.down = false;
      const expected = byId(await admin.query<Note>(`SELECT id, body, n FROM ${t}`));
      // Resume deletes follow the last resumed page, so wait for convergence, not for the first 'ready'.
      const same = (s: LiveRows<Note>) => s.status === 'ready' && JSON.stringify(byId(s.rows)) === JSON.stringify(expected);
      const resumed = await until(live, same).catch(() => live.getSnapshot());
      expect(byId(resumed.rows)).toEqual(expected);
      expect(resumed.size).toBe(3);
    } finally {
      await client.close();
    }
  });
});

describe('changes() and auth providers', () => {
  test('change events end to end; update rows merge with a running liveRows of the same SQL', async () => {
    const t = await newTable();
    await admin.execute(`INSERT INTO ${t} (id, body, n) VALUES (1, 'a', 1)`);
    const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'admin-pass' }, changes: liveChanges });
    try {
      const sql = `SELECT id, body, n FROM ${t}`;
      const live = client.liveRows<Note>(sql);
      live.subscribe(() => {});
      await until(live, (s) => s.status === 'ready');
      const events: ChangeEvent<Note>[] = [];
      const changes$ = client.changes<Note>(sql);
      changes$.subscribe((e: ChangeEvent<Note> | undefined) => e && events.push(e));
      await expect.poll(() => server.ws.subscriptionCount(), { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      // wait for the changes() ack: a throwaway insert must arrive as an event
      await admin.execute(`INSERT INTO ${t} (id, body, n) VALUES (2, 'b', 2)`);
      await expect.poll(() => events.length, { timeout: 5000 }).toBe(1);
      await admin.execute(`UPDATE ${t} SET body = 'A' WHERE id = 1`);
      await admin.execute(`DELETE FROM ${t} WHERE id = 2`);
      await expect.poll(() => events.length, { timeout: 5000 }).toBe(3);
      expect(events.map((e) => e.type)).toEqual(['insert', 'update', 'delete']);
      expect(events[0]?.row).toEqual({ id: '2', body: 'b', n: 2 });
      expect(events[1]?.row).toEqual({ id: '1', body: 'A', n: 1 }); // n comes from the liveRows row
      expect(events[1]?.oldRow).toMatchObject({ id: '1', body: 'a' });
      expect(events[2]?.row).toMatchObject({ id: '2' });
      expect(typeof events[2]?.seq).toBe('bigint');
      expect(events[2]!.seq! > events[1]!.seq!).toBe(true);
    } finally {
      await client.close();
    }
  });

  test('an auth provider is called on every reconnect (USER table as role user)', async () => {
    const name = `it.mine_${++tableNo}`;
    await admin.execute(`CREATE USER TABLE ${name} (id BIGINT PRIMARY KEY, body TEXT, n INT)`);
    const login = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'alice', password: 'alice-pass' } });
    let provided = 0;
    const loginFetch = async (): Promise<string> => {
      provided++;
      const res = await fetch(`${server.url}/v1/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user: 'alice', password: 'alice-pass' }),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const gate = createGate();
    const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: loginFetch, WebSocket: gate.WebSocket as never, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    try {
      await login.execute(`INSERT INTO ${name} (id, body, n) VALUES (1, 'mine', 1)`);
      const live = client.liveRows<Note>(`SELECT id, body, n FROM ${name}`);
      live.subscribe(() => {});
      await until(live, (s) => s.status === 'ready' && s.size === 1);
      const before = provided;
      gate.cut();
      await until(live, (s) => s.status === 'reconnecting');
      await login.execute(`INSERT INTO ${name} (id, body, n) VALUES (2, 'more', 2)`);
      await until(live, (s) => s.status === 'ready' && s.size === 2);
      expect(provided).toBeGreaterThan(before);
      expect((await firstValueFrom(client.status$.pipe(filter((x) => x.status === 'open'), timeout(5000)))).attempt).toBe(0);
    } finally {
      await client.close();
      await login.close();
    }
  });
});

describe('property: random writes interleaved with disconnects converge to SELECT (SPEC §2.3)', () => {
  type Cmd = { op: 'insert' | 'update'; id: number; body: string | null; n: number | null } | { op: 'delete'; id: number } | { op: 'cut' };
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('insert' as const), id: fc.integer({ min: 1, max: 12 }), body: fc.option(fc.string({ maxLength: 8 }), { nil: null }), n: fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('update' as const), id: fc.integer({ min: 1, max: 12 }), body: fc.option(fc.string({ maxLength: 8 }), { nil: null }), n: fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), id: fc.integer({ min: 1, max: 12 }) }) },
    { weight: 1, arbitrary: fc.constant({ op: 'cut' as const }) },
  );

  test('several runs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 5, maxLength: 25 }), fc.boolean(), async (cmds, filtered) => {
        const t = await newTable();
        const { gate, client } = gatedAdminClient(5, 50);
        const sql = filtered ? `SELECT id, body, n FROM ${t} WHERE n > 0` : `SELECT id, body, n FROM ${t}`;
        try {
          const live = client.liveRows<Note>(sql);
          live.subscribe(() => {});
          await until(live, (s) => s.status === 'ready');
          for (const c of cmds) {
            if (c.op === 'cut') {
              gate.down = !gate.down;
              if (gate.down) gate.cut();
            } else if (c.op === 'insert') {
              await admin.execute(`INSERT INTO ${t} (id, body, n) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [c.id, c.body, c.n]).catch(() => 0);
            } else if (c.op === 'update') {
              await admin.execute(`UPDATE ${t} SET body = $1, n = $2 WHERE id = $3`, [c.body, c.n, c.id]);
            } else {
              await admin.execute(`DELETE FROM ${t} WHERE id = $1`, [c.id]);
            }
          }
          gate.down = false;
          const expected = byId(await admin.query<Note>(sql));
          const same = (s: LiveRows<Note>) => s.status === 'ready' && JSON.stringify(byId(s.rows)) === JSON.stringify(expected);
          const final = await until(live, same, 15000).catch(() => live.getSnapshot());
          expect(byId(final.rows)).toEqual(expected);
        } finally {
          await client.close();
        }
      }),
      { numRuns: 6 },
    );
  });
});
