// livebind/tanstack-query with two real clients (two users of one dev server, a USER table, the
// same SQL) in ONE QueryClient: scopes keep their rows apart; without scopes the second client
// gets a UsageError instead of the first client's rows.
import { QueryClient, QueryObserver, type QueryObserverResult } from '@tanstack/query-core';
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { createLiveQueryOptions, liveQueryOptions } from '../../adapters/tanstack-query/index.js';
import { startDevServer, type DevServer } from '../../server/testing.js';
import { createClient, isLivebindError, type WebSocketConstructor } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import type { LivebindClient } from '../../src/types.js';

interface Note {
  readonly id: number;
  readonly body: string;
}

const PASSWORD = 'scope-pass';
const SQL = 'SELECT id, body FROM scopes.notes';
let server: DevServer;
const clients: LivebindClient[] = [];
const queryClients: QueryClient[] = [];
const unsubscribes: (() => void)[] = [];

const clientOf = (user: string): LivebindClient => {
  const c = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user, password: PASSWORD }, WebSocket: NodeWebSocket as unknown as WebSocketConstructor });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  server = await startDevServer({
    users: [
      { user: 'admin', password: PASSWORD, role: 'dba' },
      { user: 'alice', password: PASSWORD, role: 'user' },
      { user: 'bob', password: PASSWORD, role: 'user' },
    ],
  });
  const admin = clientOf('admin');
  await admin.execute('CREATE NAMESPACE scopes');
  await admin.execute('CREATE USER TABLE scopes.notes (id INT PRIMARY KEY, body TEXT)');
  // The same primary keys for both users: only the per-user rows tell them apart.
  await clientOf('alice').execute("INSERT INTO scopes.notes (id, body) VALUES (1, 'alice one'), (2, 'alice two')");
  await clientOf('bob').execute("INSERT INTO scopes.notes (id, body) VALUES (1, 'bob one')");
}, 60_000);
afterEach(() => {
  for (const u of unsubscribes.splice(0)) u();
  for (const qc of queryClients.splice(0)) qc.clear();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.close();
});

/** An observer of `options` in `qc`, with every result it reported. */
function observe<Row>(qc: QueryClient, options: ReturnType<typeof liveQueryOptions<Row>>) {
  const observer = new QueryObserver(qc, options);
  const seen: QueryObserverResult<readonly Row[]>[] = [];
  unsubscribes.push(observer.subscribe((r) => seen.push(r)));
  return { observer, seen, current: () => observer.getCurrentResult() };
}

const newQueryClient = (): QueryClient => {
  const qc = new QueryClient();
  queryClients.push(qc);
  return qc;
};
const bodies = (rows: readonly Note[] | undefined): string[] => (rows ?? []).map((r) => r.body).sort();

test('two users with their own scopes in one QueryClient each see their own rows, live', async () => {
  const qc = newQueryClient();
  const [alice, bob] = [clientOf('alice'), clientOf('bob')];
  const a = observe(qc, liveQueryOptions<Note>(alice, SQL, [], { scope: 'user:alice', orderBy: 'id' }));
  const b = observe(qc, createLiveQueryOptions(bob, { scope: 'user:bob' })<Note>(SQL, [], { orderBy: 'id' }));
  await vi.waitFor(() => expect(bodies(a.current().data)).toEqual(['alice one', 'alice two']), { timeout: 10_000 });
  await vi.waitFor(() => expect(bodies(b.current().data)).toEqual(['bob one']), { timeout: 10_000 });
  expect(qc.getQueryCache().getAll().map((q) => q.queryKey[1]).sort()).toEqual(['user:alice', 'user:bob']);

  await bob.execute("INSERT INTO scopes.notes (id, body) VALUES (3, 'bob three')");
  await vi.waitFor(() => expect(bodies(b.current().data)).toEqual(['bob one', 'bob three']), { timeout: 10_000 });
  expect(bodies(a.current().data)).toEqual(['alice one', 'alice two']);
  await bob.execute('DELETE FROM scopes.notes WHERE id = 3');
  for (const r of b.seen) for (const body of bodies(r.data)) expect(body).toMatch(/^bob /);
  for (const r of a.seen) for (const body of bodies(r.data)) expect(body).toMatch(/^alice /);
});

test('two clients in the default scope: the second gets LIVE_QUERY_SCOPE_CONFLICT, never the first one\'s rows', async () => {
  const qc = newQueryClient();
  const [alice, bob] = [clientOf('alice'), clientOf('bob')];
  const a = observe(qc, liveQueryOptions<Note>(alice, SQL, [], { orderBy: 'id' }));
  await vi.waitFor(() => expect(bodies(a.current().data)).toEqual(['alice one', 'alice two']), { timeout: 10_000 });
  // The same query (same key) from another client, and another query of the same scope.
  const same = observe(qc, liveQueryOptions<Note>(bob, SQL, [], { orderBy: 'id' }));
  const other = observe(qc, liveQueryOptions<Note>(bob, `${SQL} WHERE id > $1`, [0]));
  for (const o of [same, other]) {
    await vi.waitFor(() => expect(o.current().status).toBe('error'), { timeout: 10_000 });
    const error = o.current().error;
    expect(isLivebindError(error) && error.kind === 'usage' && error.code === 'LIVE_QUERY_SCOPE_CONFLICT').toBe(true);
    expect(String((error as Error).message)).toMatch(/scope: 'user:42'/);
    expect(o.current().data).toBeUndefined();
    for (const r of o.seen) expect(bodies(r.data).filter((body) => body.startsWith('alice'))).toEqual([]);
  }
});

test('after the old client\'s queries are removed, a new client can take over the scope (a new login)', async () => {
  const qc = newQueryClient();
  const a = observe(qc, liveQueryOptions<Note>(clientOf('alice'), SQL, [], { orderBy: 'id' }));
  await vi.waitFor(() => expect(bodies(a.current().data)).toEqual(['alice one', 'alice two']), { timeout: 10_000 });
  unsubscribes.splice(0).forEach((u) => u());
  qc.removeQueries({ queryKey: ['livebind', 'default'] });
  const b = observe(qc, liveQueryOptions<Note>(clientOf('bob'), SQL, [], { orderBy: 'id' }));
  await vi.waitFor(() => expect(bodies(b.current().data)).toEqual(['bob one']), { timeout: 10_000 });
  for (const r of b.seen) expect(r.error).toBeNull();
});
