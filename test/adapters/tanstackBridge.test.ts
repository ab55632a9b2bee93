// The livebind/tanstack-query bridge with a plain QueryObserver over a hand-driven live source:
// one subscription per query hash, hydration, isFetching, reconnect, errors, keepSubscribedMs vs gcTime.
import { dehydrate, hydrate, QueryClient, QueryObserver } from '@tanstack/query-core';
import { afterEach, expect, test, vi } from 'vitest';
import { connectLiveQueries, createLiveQueryOptions, liveQueryOptions } from '../../adapters/tanstack-query/index.js';
import { placeholderRows } from '../../src/index.js';
import { SubscriptionError } from '../../src/errors.js';
import type { LivebindClient, LiveRows, LiveStatus } from '../../src/types.js';

interface Row {
  readonly id: number;
  readonly label: string;
}

/** A client whose liveRows() sources the test drives; counts subscribers per SQL. */
function fakeClient() {
  const sources = new Map<string, { snapshot: LiveRows<Row>; listeners: Set<() => void>; starts: number }>();
  const source = (sql: string) => {
    let s = sources.get(sql);
    if (s === undefined) sources.set(sql, (s = { snapshot: placeholderRows<Row>([], 'id'), listeners: new Set(), starts: 0 }));
    return s;
  };
  const client = {
    liveRows: (sql: string) => {
      const s = source(sql);
      return {
        getSnapshot: () => s.snapshot,
        subscribe: (listener: () => void) => {
          if (s.listeners.size === 0) s.starts++;
          s.listeners.add(listener);
          listener();
          return () => void s.listeners.delete(listener);
        },
      };
    },
  } as unknown as Pick<LivebindClient, 'liveRows'>;
  return {
    client,
    subscribers: (sql: string) => source(sql).listeners.size,
    /** Times the source went from no listener to one (what starts a server subscription). */
    starts: (sql: string) => source(sql).starts,
    emit(sql: string, status: LiveStatus, rows: readonly Row[], error?: Error) {
      const s = source(sql);
      s.snapshot = { ...placeholderRows(rows, 'id'), rows, status, error: error as never };
      for (const l of [...s.listeners]) l();
    },
  };
}

const clients: QueryClient[] = [];
const newQueryClient = () => {
  const qc = new QueryClient();
  clients.push(qc);
  return qc;
};
afterEach(() => {
  for (const qc of clients.splice(0)) qc.clear();
  vi.useRealTimers();
});

test('two observers of one query share one live subscription; data follows pushes; isFetching settles', async () => {
  const f = fakeClient();
  const qc = newQueryClient();
  const options = liveQueryOptions<Row>(f.client, 'q1');
  const a = new QueryObserver(qc, options);
  const b = new QueryObserver(qc, options);
  const seen: unknown[] = [];
  const unA = a.subscribe((r) => seen.push(r.data));
  const unB = b.subscribe(() => {});
  expect(f.starts('q1')).toBe(1);
  expect(a.getCurrentResult().isFetching).toBe(true);
  f.emit('q1', 'ready', [{ id: 1, label: 'a' }]);
  await vi.waitFor(() => expect(a.getCurrentResult().isFetching).toBe(false));
  expect(a.getCurrentResult().data).toEqual([{ id: 1, label: 'a' }]);
  expect(f.subscribers('q1')).toBe(1);
  f.emit('q1', 'ready', [{ id: 1, label: 'b' }]);
  expect(f.starts('q1')).toBe(1);
  expect(b.getCurrentResult().data).toEqual([{ id: 1, label: 'b' }]);
  expect(b.getCurrentResult().isFetching).toBe(false);
  unA();
  unB();
  await vi.waitFor(() => expect(f.subscribers('q1')).toBe(0));
  expect(qc.getQueryData(options.queryKey)).toEqual([{ id: 1, label: 'b' }]); // still cached (gcTime)
});

test('after a reconnect the server rows replace the cached data', async () => {
  const f = fakeClient();
  const qc = newQueryClient();
  const o = new QueryObserver(qc, liveQueryOptions<Row>(f.client, 'q2'));
  const un = o.subscribe(() => {});
  f.emit('q2', 'ready', [{ id: 1, label: 'a' }, { id: 2, label: 'b' }]);
  await vi.waitFor(() => expect(o.getCurrentResult().status).toBe('success'));
  f.emit('q2', 'reconnecting', [{ id: 1, label: 'a' }, { id: 2, label: 'b' }]);
  f.emit('q2', 'ready', [{ id: 2, label: 'B' }]);
  expect(o.getCurrentResult().data).toEqual([{ id: 2, label: 'B' }]);
  await vi.waitFor(() => expect(o.getCurrentResult().isFetching).toBe(false));
  expect(o.getCurrentResult().data).toEqual([{ id: 2, label: 'B' }]);
  un();
});

test('rows pushed while the first fetch resolves are not overwritten by the fetch result', async () => {
  const f = fakeClient();
  const qc = newQueryClient();
  const o = new QueryObserver(qc, liveQueryOptions<Row>(f.client, 'q6'));
  const un = o.subscribe(() => {});
  f.emit('q6', 'ready', [{ id: 1, label: 'first' }]);
  f.emit('q6', 'ready', [{ id: 1, label: 'second' }]);
  await vi.waitFor(() => expect(o.getCurrentResult().isFetching).toBe(false));
  expect(o.getCurrentResult().data).toEqual([{ id: 1, label: 'second' }]);
  un();
});

test('a hydrated query attaches when its first observer arrives, without a fetch', async () => {
  const f = fakeClient();
  const server = newQueryClient();
  const options = liveQueryOptions<Row>(f.client, 'q3');
  server.setQueryData(options.queryKey, [{ id: 1, label: 'from SSR' }]);
  const browser = newQueryClient();
  hydrate(browser, dehydrate(server));
  const disconnect = connectLiveQueries(browser);
  const o = new QueryObserver(browser, options);
  const un = o.subscribe(() => {});
  expect(o.getCurrentResult().data).toEqual([{ id: 1, label: 'from SSR' }]);
  expect(o.getCurrentResult().isFetching).toBe(false);
  expect(f.subscribers('q3')).toBe(1);
  f.emit('q3', 'ready', [{ id: 1, label: 'live' }]);
  expect(o.getCurrentResult().data).toEqual([{ id: 1, label: 'live' }]);
  un();
  disconnect();
});

test('a live error becomes the query error, not a fetch that never ends', async () => {
  const f = fakeClient();
  const qc = newQueryClient();
  const o = new QueryObserver(qc, liveQueryOptions<Row>(f.client, 'q4'));
  const un = o.subscribe(() => {});
  const error = new SubscriptionError('boom', { code: 'LIVE_QUERY_FAILED', sql: 'q4' });
  f.emit('q4', 'error', [], error);
  await vi.waitFor(() => expect(o.getCurrentResult().status).toBe('error'));
  expect(o.getCurrentResult().error).toBe(error);
  expect(o.getCurrentResult().isFetching).toBe(false);
  un();
});

test('keepSubscribedMs keeps the live subscription after the last observer, independently of gcTime', async () => {
  vi.useFakeTimers();
  const f = fakeClient();
  const qc = newQueryClient();
  const options = { ...liveQueryOptions<Row>(f.client, 'q5', [], { keepSubscribedMs: 1000 }), gcTime: 60_000 };
  const o = new QueryObserver(qc, options);
  const un = o.subscribe(() => {});
  f.emit('q5', 'ready', [{ id: 1, label: 'a' }]);
  un();
  await vi.advanceTimersByTimeAsync(999);
  expect(f.subscribers('q5')).toBe(1);
  // A new observer inside the window reuses it.
  const un2 = new QueryObserver(qc, options).subscribe(() => {});
  un2();
  await vi.advanceTimersByTimeAsync(1000);
  expect(f.subscribers('q5')).toBe(0);
  expect(qc.getQueryData(options.queryKey)).toEqual([{ id: 1, label: 'a' }]);
});

test('keys: the scope names the client, and equal scopes give equal keys for different client objects (server and browser)', () => {
  const [server, browser] = [fakeClient(), fakeClient()];
  expect(liveQueryOptions(server.client, 'q', [1], { orderBy: 'id' }).queryKey).toEqual(['livebind', 'default', 'q', '{"orderBy":"id","params":[1]}']);
  expect(liveQueryOptions(server.client, 'q', [1], { scope: 'user:1' }).queryKey).toEqual(liveQueryOptions(browser.client, 'q', [1], { scope: 'user:1' }).queryKey);
  expect(liveQueryOptions(server.client, 'q', [], { scope: 'user:1' }).queryKey).not.toEqual(liveQueryOptions(server.client, 'q', [], { scope: 'user:2' }).queryKey);
  expect(createLiveQueryOptions(server.client, { scope: 'eu', orderBy: 'id' })('q', [], { limit: 5 }).queryKey).toEqual(['livebind', 'eu', 'q', '{"limit":5,"orderBy":"id"}']);
  expect(() => liveQueryOptions(server.client, 'q', [], { scope: 42 as unknown as string })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
});

test('dehydrate() carries no livebind client: the browser attaches its own client to the hydrated query', async () => {
  const [serverSide, browserSide] = [fakeClient(), fakeClient()];
  const server = newQueryClient();
  const o = new QueryObserver(server, liveQueryOptions<Row>(serverSide.client, 'q7'));
  const un = o.subscribe(() => {});
  serverSide.emit('q7', 'ready', [{ id: 1, label: 'from SSR' }]);
  await vi.waitFor(() => expect(o.getCurrentResult().isFetching).toBe(false));
  const state = dehydrate(server);
  un();
  expect(state.queries).toHaveLength(1);
  expect(state.queries[0]!.meta).toBeUndefined();
  const wire = JSON.parse(JSON.stringify(state)) as typeof state;
  const browser = newQueryClient();
  hydrate(browser, wire);
  const disconnect = connectLiveQueries(browser);
  const b = new QueryObserver(browser, liveQueryOptions<Row>(browserSide.client, 'q7'));
  const unB = b.subscribe(() => {});
  expect(b.getCurrentResult().data).toEqual([{ id: 1, label: 'from SSR' }]);
  expect(browserSide.subscribers('q7')).toBe(1);
  browserSide.emit('q7', 'ready', [{ id: 1, label: 'live' }]);
  expect(b.getCurrentResult().data).toEqual([{ id: 1, label: 'live' }]);
  unB();
  disconnect();
});

test('an observer switched to another client in an owned scope gets the conflict error, not the old rows', async () => {
  const [a, b] = [fakeClient(), fakeClient()];
  const qc = newQueryClient();
  const o = new QueryObserver(qc, liveQueryOptions<Row>(a.client, 'q8'));
  const un = o.subscribe(() => {});
  a.emit('q8', 'ready', [{ id: 1, label: 'a' }]);
  await vi.waitFor(() => expect(o.getCurrentResult().data).toEqual([{ id: 1, label: 'a' }]));
  o.setOptions(liveQueryOptions<Row>(b.client, 'q8'));
  await vi.waitFor(() => expect(o.getCurrentResult().status).toBe('error'));
  expect(o.getCurrentResult().error).toMatchObject({ code: 'LIVE_QUERY_SCOPE_CONFLICT' });
  expect(o.getCurrentResult().data).toBeUndefined();
  expect(a.subscribers('q8')).toBe(0);
  expect(b.subscribers('q8')).toBe(0);
  // Back to the owner: live again.
  o.setOptions(liveQueryOptions<Row>(a.client, 'q8'));
  await vi.waitFor(() => expect(o.getCurrentResult().data).toEqual([{ id: 1, label: 'a' }]));
  expect(o.getCurrentResult().status).toBe('success');
  un();
});

test('an in-flight fetch of the owner does not write rows while another client observes the query', async () => {
  const [a, b] = [fakeClient(), fakeClient()];
  const qc = newQueryClient();
  const oa = new QueryObserver(qc, liveQueryOptions<Row>(a.client, 'q9'));
  const seenByB: unknown[] = [];
  const unA = oa.subscribe(() => {});
  const ob = new QueryObserver(qc, liveQueryOptions<Row>(b.client, 'q9'));
  const unB = ob.subscribe((r) => seenByB.push(r.data));
  a.emit('q9', 'ready', [{ id: 1, label: 'a' }]);
  await vi.waitFor(() => expect(ob.getCurrentResult().status).toBe('error'));
  await new Promise((r) => setTimeout(r, 10));
  expect(ob.getCurrentResult().error).toMatchObject({ code: 'LIVE_QUERY_SCOPE_CONFLICT' });
  expect(seenByB.filter((d) => d !== undefined)).toEqual([]);
  // The other client leaves: the owner's observer goes live again.
  unB();
  a.emit('q9', 'ready', [{ id: 1, label: 'a2' }]);
  await vi.waitFor(() => expect(oa.getCurrentResult().data).toEqual([{ id: 1, label: 'a2' }]));
  unA();
});
