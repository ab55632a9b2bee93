/**
 * 50 live queries through a proxy that delays, cuts and half-closes their WebSockets at random,
 * while random writes (insert / update / delete, SHARED and USER tables) go straight to the server.
 * After the writes, the proxy heals; every client's rows must equal what the server's query
 * returns now: no duplicate, no missing row, no stale value. Several seeds.
 *
 * CHAOS_SEEDS (default 3) and CHAOS_WRITES (total over all seeds, default 10,000) scale it.
 * Figures are printed per seed (docs/reliability.md records them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import { createClient, type LivebindClient, type LiveObservable, type LiveRows } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import { ChaosProxy, seededRandom } from './ChaosProxy.js';

const SEEDS = Number(process.env['CHAOS_SEEDS'] ?? 3);
const WRITES = Math.ceil(Number(process.env['CHAOS_WRITES'] ?? 10_000) / SEEDS);
const CLIENTS = 10;
const QUERIES_PER_CLIENT = 5;

interface Item {
  id: string;
  grp: number;
  v: number;
  note: string | null;
}

/** The live queries: SQL, client-side order/limit, and how to compute the expected rows from a plain query. */
const QUERIES: { sql: string; orderBy?: string; limit?: number; user?: true }[] = [
  { sql: 'SELECT id, grp, v, note FROM chaos.items' },
  { sql: 'SELECT id, grp, v, note FROM chaos.items WHERE grp = 1' },
  // v is unique (random over 10^9), so order and limit have one right answer.
  { sql: 'SELECT id, v FROM chaos.items WHERE v > 500000000', orderBy: 'v', limit: 20 },
  { sql: 'SELECT id, grp, note FROM chaos.items WHERE grp IN (2, 3) AND note LIKE \'n%\'' },
  { sql: 'SELECT id, v, note FROM chaos.todos', user: true },
];

let server: DevServer;
let admin: LivebindClient;

beforeAll(async () => {
  server = await startDevServer({
    quiet: true,
    authRateLimitPerSec: 0,
    users: [
      { user: 'admin', password: 'admin-pass', role: 'dba' },
      ...Array.from({ length: CLIENTS }, (_, i) => ({ user: `c${i}`, password: `c${i}-pass`, role: 'user' as const })),
    ],
  });
  admin = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'admin-pass' } });
  await admin.execute('CREATE NAMESPACE IF NOT EXISTS chaos');
});
afterAll(async () => {
  await admin?.close();
  await server?.close();
});

function expectedRows(rows: Record<string, unknown>[], q: (typeof QUERIES)[number]): Record<string, unknown>[] {
  let out = [...rows].sort((a, b) => Number(a['id']) - Number(b['id']));
  if (q.orderBy !== undefined) {
    const col = q.orderBy;
    out = out.sort((a, b) => Number(a[col]) - Number(b[col]) || Number(a['id']) - Number(b['id']));
  }
  return q.limit === undefined ? out : out.slice(0, q.limit);
}

/** Rows as a canonical multiset string per key (order-independent, duplicates visible). */
const canon = (rows: readonly Record<string, unknown>[]) =>
  rows.map((r) => JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k]]))).sort();

describe('live rows under a misbehaving network', () => {
  for (let s = 0; s < SEEDS; s++) {
    const seed = 1000 + s;
    it(`seed ${seed}: ${CLIENTS * QUERIES_PER_CLIENT} live queries converge after ${WRITES} writes through delays, cuts and half-closes`, async () => {
      const random = seededRandom(seed);
      const suffix = `s${seed}`;
      await admin.execute(`CREATE SHARED TABLE chaos.items_${suffix} (id BIGINT PRIMARY KEY, grp INT, v INT, note TEXT) WITH (ACCESS_LEVEL = 'PUBLIC')`);
      await admin.execute(`CREATE USER TABLE chaos.todos_${suffix} (id BIGINT PRIMARY KEY, v INT, note TEXT)`);
      const proxy = await ChaosProxy.start({ upstreamPort: server.port, seed });
      const clients: LivebindClient[] = [];
      const lives: { live: LiveObservable<LiveRows<Item>>; q: (typeof QUERIES)[number]; client: number; sql: string }[] = [];
      const subs: { unsubscribe(): void }[] = [];
      try {
        for (let c = 0; c < CLIENTS; c++) {
          const client = createClient({
            login: kalamdbLogin,
            sql: kalamdbSql,
            url: server.url,
            wsUrl: `ws://127.0.0.1:${proxy.port}/v1/ws`,
            auth: { user: `c${c}`, password: `c${c}-pass` },
            pingIntervalMs: 1000,
            connectTimeoutMs: 3000,
          });
          clients.push(client);
          for (const q of QUERIES) {
            const sql = q.sql.replace('chaos.items', `chaos.items_${suffix}`).replace('chaos.todos', `chaos.todos_${suffix}`);
            const live = client.liveRows<Item>(sql, {
              ...(q.orderBy === undefined ? {} : { orderBy: q.orderBy }),
              ...(q.limit === undefined ? {} : { limit: q.limit }),
            });
            subs.push(live.subscribe(() => {}));
            lives.push({ live, q, client: c, sql });
          }
        }
        // Random writes straight to the server (not through the proxy), 4 at a time.
        const writers = [admin, ...clients];
        let nextId = 1;
        const ids: number[] = [];
        const userIds = new Map<number, number[]>();
        const one = async (): Promise<void> => {
          const r = random();
          const onUser = random() < 0.25;
          if (onUser) {
            const c = Math.floor(random() * CLIENTS);
            const mine = userIds.get(c) ?? [];
            userIds.set(c, mine);
            const w = writers[c + 1]!;
            if (r < 0.5 || mine.length === 0) {
              const id = nextId++;
              mine.push(id);
              await w.execute(`INSERT INTO chaos.todos_${suffix} (id, v, note) VALUES ($1, $2, $3)`, [id, Math.floor(random() * 100), `t${id}`]);
            } else if (r < 0.8) {
              const id = mine[Math.floor(random() * mine.length)]!;
              await w.execute(`UPDATE chaos.todos_${suffix} SET v = $1 WHERE id = $2`, [Math.floor(random() * 100), id]);
            } else {
              const id = mine.splice(Math.floor(random() * mine.length), 1)[0]!;
              await w.execute(`DELETE FROM chaos.todos_${suffix} WHERE id = $1`, [id]);
            }
            return;
          }
          if (r < 0.45 || ids.length === 0) {
            const id = nextId++;
            ids.push(id);
            await admin.execute(`INSERT INTO chaos.items_${suffix} (id, grp, v, note) VALUES ($1, $2, $3, $4)`, [
              id,
              Math.floor(random() * 5),
              Math.floor(random() * 1e9),
              random() < 0.2 ? null : `${random() < 0.5 ? 'n' : 'm'}${id}`,
            ]);
          } else if (r < 0.85) {
            const id = ids[Math.floor(random() * ids.length)]!;
            // Moves rows in and out of every filter: grp, v and note all change.
            await admin.execute(`UPDATE chaos.items_${suffix} SET grp = $1, v = $2, note = $3 WHERE id = $4`, [
              Math.floor(random() * 5),
              Math.floor(random() * 1e9),
              random() < 0.2 ? null : `${random() < 0.5 ? 'n' : 'm'}${id}`,
              id,
            ]);
          } else {
            const id = ids.splice(Math.floor(random() * ids.length), 1)[0]!;
            await admin.execute(`DELETE FROM chaos.items_${suffix} WHERE id = $1`, [id]);
          }
        };
        const started = Date.now();
        let done = 0;
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (done < WRITES) {
              done++;
              await one();
            }
          }),
        );
        const writeMs = Date.now() - started;
        proxy.heal();
        const healed = Date.now();

        // Converge: every live query equals the server's answer to the same query, now.
        const expected = await Promise.all(
          lives.map(async (l) => canon(expectedRows(await clients[l.client]!.query<Record<string, unknown>>(l.sql), l.q))),
        );
        const deadline = Date.now() + 60_000;
        const mismatches = () =>
          lives
            .map((l, i) => ({ i, snap: l.live.getSnapshot() }))
            .filter(({ i, snap }) => snap.status !== 'ready' || JSON.stringify(canon(snap.rows as unknown as Record<string, unknown>[])) !== JSON.stringify(expected[i]));
        while (mismatches().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        const left = mismatches();
        const convergeMs = Date.now() - healed;
        console.log(
          `chaos seed ${seed}: ${WRITES} writes in ${writeMs} ms, ${proxy.stats.connections} connections, ${proxy.stats.cuts} cuts, ` +
            `${proxy.stats.halfCloses} half-closes, ${proxy.stats.delayedChunks} delayed chunks; converged ${convergeMs} ms after healing`,
        );
        expect(proxy.stats.cuts + proxy.stats.halfCloses, 'the proxy must actually break connections').toBeGreaterThan(0);
        expect(
          left.map(({ i, snap }) => `${lives[i]!.sql} [client ${lives[i]!.client}] ${snap.status} ${snap.error?.message ?? ''} rows ${snap.size} expected ${expected[i]!.length}`),
        ).toEqual([]);
        // No duplicates: a snapshot's size equals its distinct keys.
        for (const l of lives) {
          const snap = l.live.getSnapshot();
          expect(new Set(snap.rows.map((r) => r.id)).size).toBe(snap.size);
        }
      } finally {
        subs.forEach((x) => x.unsubscribe());
        await Promise.all(clients.map((c) => c.close()));
        await proxy.close();
      }
    }, 240_000);
  }
});
