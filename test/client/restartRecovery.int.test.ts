/**
 * A server restart (same port, same --data dir) under 20 clients with live queries: every client
 * reconnects on its own, with the default options, and converges to the rows written while it was
 * away. The time from the server accepting connections again to the last client converging is
 * printed (docs/reliability.md records it); the goal is under 3 s, asserted loosely here because
 * the machine is shared.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import { createClient, type LivebindClient } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';

const CLIENTS = 20;
// One user per client: the server allows 10 subscriptions per user (KalamDB's default).
const users = [
  { user: 'admin', password: 'admin-pass', role: 'dba' as const },
  ...Array.from({ length: CLIENTS }, (_, i) => ({ user: `u${i}`, password: `u${i}-pass`, role: 'user' as const })),
];
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => undefined);
});

test(`${CLIENTS} clients with live queries converge after a server restart`, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'livebind-restart-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  let server: DevServer = await startDevServer({ quiet: true, dataDir: dir, reuseTemplate: false, users });
  const port = server.port;
  cleanup.push(() => server.close());
  const admin = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'admin-pass' } });
  cleanup.push(() => admin.close());
  await admin.execute('CREATE NAMESPACE IF NOT EXISTS rr');
  await admin.execute("CREATE SHARED TABLE rr.items (id BIGINT PRIMARY KEY, v TEXT) WITH (ACCESS_LEVEL = 'PUBLIC')");
  await admin.execute("INSERT INTO rr.items (id, v) VALUES (1, 'before')");

  const clients: LivebindClient[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    // 21 logins at once meet the login rate limit (20/s): the clients back off on 429, as they must.
    const c = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: `u${i}`, password: `u${i}-pass` } });
    clients.push(c);
    cleanup.push(() => c.close());
  }
  const live = clients.map((c) => c.liveRows<{ id: string; v: string }>('SELECT id, v FROM rr.items', { orderBy: 'id' }));
  const subs = live.map((l) => l.subscribe(() => {}));
  cleanup.push(async () => subs.forEach((s) => s.unsubscribe()));
  /** Resolves once every client's snapshot is ready with exactly these values (polled: 20 snapshots, cheap). */
  const converged = async (want: string): Promise<void> => {
    const deadline = Date.now() + 30_000;
    const done = () => live.every((l) => {
      const s = l.getSnapshot();
      return s.status === 'ready' && s.rows.map((r) => r.v).join(',') === want;
    });
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`not converged to ${want}: ${[...new Set(live.map((l) => `${l.getSnapshot().status} ${l.getSnapshot().error?.code ?? ''} ${l.getSnapshot().error?.message ?? ''}`))].join(' / ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await converged('before');

  await server.close();
  // Down for a while: every client backs off a few times.
  await new Promise((r) => setTimeout(r, 3000));
  server = await startDevServer({ quiet: true, dataDir: dir, reuseTemplate: false, users, port });
  const back = Date.now();
  await admin.execute("INSERT INTO rr.items (id, v) VALUES (2, 'after')");
  await converged('before,after');
  const ms = Date.now() - back;
  console.log(`restart recovery: ${CLIENTS} clients converged ${ms} ms after the server accepted connections again`);
  expect(ms).toBeLessThan(10_000);
});
