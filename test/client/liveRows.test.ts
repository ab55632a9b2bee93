// Subscriptions, paging, resume, sharing and materialization through createClient with a fake
// socket and fake timers (docs/SPEC.md §2, §3).
import { checkLiveSql } from '../../src/kalamdb.js';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { ChangeEvent, LiveRows, Store } from '../../src/types.js';
import { FakeSocket } from '../connection/fakeSocket.js';
import { ack, change, harness, page } from '../connection/clientHarness.js';

interface Row {
  id: string;
  body: string | null;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const flush = () => vi.advanceTimersByTimeAsync(0);

async function connected(sql = 'SELECT id, body FROM app.t', options = {}, client: Parameters<typeof harness>[0] = {}) {
  const h = harness(client);
  const live = h.client.liveRows<Row>(sql, options);
  const seen: LiveRows<Row>[] = [];
  const sub = live.subscribe((s: LiveRows<Row>) => seen.push(s));
  await flush();
  const socket = FakeSocket.last;
  socket.accept();
  return { h, live, seen, sub, socket };
}

const frames = (socket: FakeSocket, type: string) => socket.messages.filter((m) => m['type'] === type);

describe('initial load and paging (SPEC §2.2)', () => {
  test('first snapshot is loading; next_batch on every page with has_more, never on the ack; one emission per page', async () => {
    const { live, seen, socket } = await connected('SELECT id, body FROM app.t', { batchSize: 2 });
    expect(seen[0]?.status).toBe('loading');
    expect(frames(socket, 'subscribe')[0]).toEqual({
      type: 'subscribe',
      subscription: { id: 'lb-1', sql: 'SELECT id, body FROM app.t', options: { batch_size: 2 } },
    });
    socket.deliver(ack('lb-1', { hasMore: true, lastSeq: '305419896123400001' }));
    expect(frames(socket, 'next_batch')).toHaveLength(0);
    socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '305419896123400000' }, { id: '2', body: 'b', _seq: '305419896123400001' }], { hasMore: true }));
    expect(socket.sent.filter((f) => f.startsWith('{"type":"next_batch"'))).toEqual([
      '{"type":"next_batch","subscription_id":"lb-1","last_seq_id":305419896123400001}',
    ]);
    expect(seen).toHaveLength(2);
    expect(seen[1]?.status).toBe('loading');
    socket.deliver(page('lb-1', [{ id: '3', body: 'c', _seq: '305419896123400005' }], { hasMore: false, batchNum: 1 }));
    expect(frames(socket, 'next_batch')).toHaveLength(1);
    expect(seen).toHaveLength(3);
    const ready = live.getSnapshot();
    expect(ready.status).toBe('ready');
    expect(ready.rows).toEqual([{ id: '1', body: 'a' }, { id: '2', body: 'b' }, { id: '3', body: 'c' }]);
    expect(ready.seq).toBe(305419896123400005n);
    expect(live.getSnapshot()).toBe(ready);
  });

  test('a 100,000-row load in pages of 1000 completes with 100 emissions', async () => {
    const { live, seen, socket } = await connected();
    socket.deliver(ack('lb-1', { hasMore: true }));
    let seq = 1000n;
    for (let p = 0; p < 100; p++) {
      const rows = Array.from({ length: 1000 }, (_, i) => ({ id: String(p * 1000 + i), body: `b${i}`, _seq: String(++seq) }));
      socket.deliver(page('lb-1', rows, { hasMore: p < 99, batchNum: p }));
    }
    await vi.advanceTimersByTimeAsync(3000); // outbound frames are paced at 45/s (SPEC §1.4)
    expect(frames(socket, 'next_batch')).toHaveLength(99);
    expect(seen).toHaveLength(101);
    expect(live.getSnapshot().size).toBe(100_000);
    expect(live.getSnapshot().status).toBe('ready');
    expect(live.getSnapshot().get('99999')).toEqual({ id: '99999', body: 'b999' });
  });
});

describe('live changes (SPEC §3.2)', () => {
  async function ready() {
    const ctx = await connected();
    ctx.socket.deliver(ack('lb-1'));
    ctx.socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '10' }, { id: '2', body: 'b', _seq: '11' }], { hasMore: false }));
    return ctx;
  }

  test('insert, update (merge in place, nulls filled), delete', async () => {
    const { live, socket } = await ready();
    const before = live.getSnapshot();
    socket.deliver(change('lb-1', 'insert', [{ id: '3', body: 'c', _seq: '12' }]));
    expect(live.getSnapshot().rows.map((r) => r.id)).toEqual(['1', '2', '3']);
    expect(live.getSnapshot().get('1')).toBe(before.get('1'));
    // body set to NULL: omitted from rows, named in old_values
    socket.deliver(change('lb-1', 'update', [{ id: '1', _seq: '13' }], [{ id: '1', body: 'a', _seq: '10' }]));
    expect(live.getSnapshot().rows).toEqual([{ id: '1', body: null }, { id: '2', body: 'b' }, { id: '3', body: 'c' }]);
    socket.deliver(change('lb-1', 'delete', undefined, [{ id: '2', body: 'b', _seq: '14', _deleted: true }]));
    expect(live.getSnapshot().rows.map((r) => r.id)).toEqual(['1', '3']);
    expect(live.getSnapshot().seq).toBe(14n);
  });

  test('key values are normalized: numeric 1 and "1" are the same row', async () => {
    const { live, socket } = await ready();
    socket.deliver(change('lb-1', 'update', [{ id: 1, body: 'A', _seq: '15' }], [{ id: 1, body: 'a', _seq: '10' }]));
    expect(live.getSnapshot().size).toBe(2);
    expect(live.getSnapshot().get('1')?.body).toBe('A');
  });

  test('an update that changes the key moves the row (no duplicate under the old key)', async () => {
    const { live, socket } = await ready();
    // KalamDB-style: the primary key itself was updated (old_values carries the old key)
    socket.deliver(change('lb-1', 'update', [{ id: '5', body: 'a', _seq: '15' }], [{ id: '1', _seq: '10' }]));
    expect(live.getSnapshot().size).toBe(2);
    expect(live.getSnapshot().get('1')).toBeUndefined();
    expect(live.getSnapshot().get('5')).toEqual({ id: '5', body: 'a' });
    // an explicit key column that changed: merged with the row under the old key
    const byBody = await connected('SELECT id, body FROM app.t', { key: 'body' });
    byBody.socket.deliver(ack('lb-1'));
    byBody.socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '10' }, { id: '2', body: 'b', _seq: '11' }], { hasMore: false }));
    byBody.socket.deliver(change('lb-1', 'update', [{ id: '1', body: 'z', _seq: '12' }], [{ id: '1', body: 'a', _seq: '10' }]));
    expect(byBody.live.getSnapshot().size).toBe(2);
    expect(byBody.live.getSnapshot().get('a')).toBeUndefined();
    expect(byBody.live.getSnapshot().get('z')).toEqual({ id: '1', body: 'z' });
  });

  test('a change that does not alter the result emits nothing', async () => {
    const { seen, socket } = await ready();
    const n = seen.length;
    socket.deliver(change('lb-1', 'delete', undefined, [{ id: '99', body: 'x', _seq: '20' }]));
    socket.deliver(change('lb-1', 'insert', [{ id: '1', body: 'a', _seq: '21' }]));
    expect(seen).toHaveLength(n);
  });

  test('a rejected subscription ends in status error with the server code; others keep going', async () => {
    const { live, socket } = await connected();
    socket.deliver({ type: 'error', subscription_id: 'lb-1', code: 'INVALID_SQL', message: 'ORDER BY not supported' });
    expect(live.getSnapshot().status).toBe('error');
    expect(live.getSnapshot().error).toMatchObject({ kind: 'subscription', code: 'INVALID_SQL' });
    socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '1' }], { hasMore: false }));
    expect(live.getSnapshot().size).toBe(0);
  });

  test('messages for unknown subscription ids are ignored', async () => {
    const { seen, socket } = await ready();
    const n = seen.length;
    socket.deliver(change('lb-77', 'insert', [{ id: '5', body: 'x', _seq: '30' }]));
    socket.deliver({ type: 'error', subscription_id: 'lb-78', code: 'NOT_FOUND', message: 'Subscription not found' });
    expect(seen).toHaveLength(n);
    // Errors with synthetic ids (rate_limit, protocol) are connection-level: test/connection/brokenStream.test.ts, rateLimit.test.ts.
  });
});

describe('resume after reconnect (SPEC §2.3)', () => {
  // resume: 'seq' explicitly; the default 'auto' picks it only when auth_success announces resume deletes (liveRowsGaps.test.ts).
  test('resubscribes with the same id and from = highest _seq; pages upsert; replayed rows are dropped; deletes apply', async () => {
    const { live, socket, seen } = await connected('SELECT id, body FROM app.t', {}, { resume: 'seq' });
    socket.deliver(ack('lb-1'));
    socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '10' }, { id: '2', body: 'b', _seq: '11' }], { hasMore: false }));
    socket.deliver(change('lb-1', 'update', [{ id: '2', body: 'B', _seq: '305419896123456789' }], [{ id: '2', body: 'b', _seq: '11' }]));
    socket.serverClose(1006);
    expect(live.getSnapshot().status).toBe('reconnecting');
    expect(live.getSnapshot().size).toBe(2);
    await vi.advanceTimersByTimeAsync(500);
    const next = FakeSocket.last;
    expect(next).not.toBe(socket);
    next.accept();
    expect(next.sent[1]).toBe(
      '{"type":"subscribe","subscription":{"id":"lb-1","sql":"SELECT id, body FROM app.t","options":{"batch_size":10000,"from":305419896123456789}}}',
    );
    next.deliver(ack('lb-1', { lastSeq: null }));
    // outage: row 1 updated, row 3 inserted (load rows), a replayed old row (dropped), row 2 deleted
    next.deliver(
      page('lb-1', [{ id: '2', body: 'stale', _seq: '305419896123456789' }, { id: '1', body: 'A', _seq: '305419896123456790' }, { id: '3', body: 'c', _seq: '305419896123456791' }], { hasMore: false }),
    );
    next.deliver(change('lb-1', 'delete', undefined, [{ id: '2', body: 'B', _seq: '305419896123456792' }]));
    let s = live.getSnapshot();
    expect(s.status).toBe('ready');
    expect(s.rows).toEqual([{ id: '1', body: 'A' }, { id: '3', body: 'c' }]);
    // The checkpoint stays at `from` until the resume is known complete (SPEC §2.3) …
    expect(s.seq).toBe(305419896123456789n);
    // … which the first change above the snapshot bound (999999999999999999 here) proves.
    next.deliver(change('lb-1', 'insert', [{ id: '4', body: 'd', _seq: '1000000000000000001' }]));
    s = live.getSnapshot();
    expect(s.seq).toBe(1000000000000000001n);
    expect(seen.map((x) => x.status)).toContain('reconnecting');
  });

  test('a subscription still loading resumes from its last page without snapshot_end_seq', async () => {
    const { socket } = await connected('SELECT id, body FROM app.t', { batchSize: 1, lastRows: 5 }, { resume: 'seq' });
    socket.deliver(ack('lb-1', { hasMore: true, lastSeq: '7' }));
    socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '7' }], { hasMore: true }));
    socket.serverClose(1001, 'Server shutting down');
    await vi.advanceTimersByTimeAsync(500);
    FakeSocket.last.accept();
    expect(FakeSocket.last.messages[1]).toEqual({
      type: 'subscribe',
      subscription: { id: 'lb-1', sql: 'SELECT id, body FROM app.t', options: { batch_size: 1, from: 7 } },
    });
  });

  test('a socket lost between the ack and page 0 does not resume past page 0 (the ack only repeats its batch_control)', async () => {
    const { live, socket } = await connected('SELECT id, body FROM app.t', { batchSize: 2 });
    socket.deliver(ack('lb-1', { hasMore: true, lastSeq: '11' }));
    socket.serverClose(1006); // page 0 (rows _seq 10, 11) never handled
    await vi.advanceTimersByTimeAsync(500);
    const next = FakeSocket.last;
    next.accept();
    // no row was applied: the load restarts from the beginning (no `from`), so rows 10 and 11 are not skipped
    expect(next.messages[1]).toEqual({ type: 'subscribe', subscription: { id: 'lb-1', sql: 'SELECT id, body FROM app.t', options: { batch_size: 2 } } });
    next.deliver(ack('lb-1', { hasMore: false, lastSeq: '11' }));
    next.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '10' }, { id: '2', body: 'b', _seq: '11' }], { hasMore: false }));
    expect(live.getSnapshot().rows).toEqual([{ id: '1', body: 'a' }, { id: '2', body: 'b' }]);
  });

  test('a subscription that never got an ack is re-sent as it was, once', async () => {
    const h = harness();
    h.client.liveRows('SELECT * FROM app.t', { lastRows: 3 }).subscribe(() => {});
    await flush();
    FakeSocket.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    FakeSocket.last.accept();
    expect(frames(FakeSocket.last, 'subscribe')).toEqual([
      { type: 'subscribe', subscription: { id: 'lb-1', sql: 'SELECT * FROM app.t', options: { batch_size: 10000, last_rows: 3 } } },
    ]);
  });

  test("resume: 'reload' reloads and replaces the rows at the end of the load (no replayed deletes needed)", async () => {
    const h = harness({ resume: 'reload' });
    const live = h.client.liveRows<Row>('SELECT id, body FROM app.t');
    live.subscribe(() => {});
    await flush();
    FakeSocket.last.accept();
    FakeSocket.last.deliver(ack('lb-1'));
    FakeSocket.last.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '10' }, { id: '2', body: 'b', _seq: '11' }], { hasMore: false }));
    const row1 = live.getSnapshot().get('1');
    FakeSocket.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    FakeSocket.last.accept();
    expect(FakeSocket.last.messages[1]).toEqual({ type: 'subscribe', subscription: { id: 'lb-1', sql: 'SELECT id, body FROM app.t', options: { batch_size: 10000 } } });
    FakeSocket.last.deliver(ack('lb-1', { hasMore: true }));
    FakeSocket.last.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '10' }], { hasMore: true }));
    expect(live.getSnapshot().size).toBe(2); // old rows stay visible while reloading
    FakeSocket.last.deliver(page('lb-1', [{ id: '3', body: 'c', _seq: '12' }], { hasMore: false, batchNum: 1 }));
    expect(live.getSnapshot().rows).toEqual([{ id: '1', body: 'a' }, { id: '3', body: 'c' }]);
    expect(live.getSnapshot().get('1')).toBe(row1);
    expect(live.getSnapshot().status).toBe('ready');
  });
});

/** A liveRows query (grace 10 ms) that loaded rows 1 and 2 (_seq 10, 11), then lost its last subscriber and was released. */
async function loadTwoRowsThenRelease(client: Parameters<typeof harness>[0] = {}) {
  const h = harness({ releaseGraceMs: 10, ...client });
  const live = h.client.liveRows<Row>('SELECT id, body FROM app.t');
  const un = live.subscribe(() => {});
  await flush();
  const socket = FakeSocket.last;
  socket.accept();
  socket.deliver(ack('lb-1'));
  socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '10' }, { id: '2', body: 'b', _seq: '11' }], { hasMore: false }));
  const row1 = live.getSnapshot().get('1');
  un.unsubscribe();
  await vi.advanceTimersByTimeAsync(10);
  return { live, socket, row1 };
}

describe('sharing and release (SPEC §3.1)', () => {
  test('identical sql+options return the same observable and one server subscription', async () => {
    const h = harness();
    const a = h.client.liveRows('SELECT * FROM app.t WHERE room = $1', { params: ['x'], orderBy: 'id' });
    const b = h.client.liveRows('SELECT * FROM app.t WHERE room = $1', { params: ['x'], orderBy: 'id' });
    const c = h.client.liveRows('SELECT * FROM app.t WHERE room = $1', { params: ['y'], orderBy: 'id' });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    a.subscribe(() => {});
    b.subscribe(() => {});
    await flush();
    FakeSocket.last.accept();
    expect(frames(FakeSocket.last, 'subscribe')).toHaveLength(1);
    expect((frames(FakeSocket.last, 'subscribe')[0]?.['subscription'] as { sql: string }).sql).toBe("SELECT * FROM app.t WHERE room = 'x'");
  });

  test('equivalent orderBy forms share one observable; a bad orderBy is a UsageError', async () => {
    const h = harness();
    const sql = 'SELECT * FROM app.t';
    const a = h.client.liveRows(sql, { orderBy: 'id' });
    expect(h.client.liveRows(sql, { orderBy: { column: 'id' } })).toBe(a);
    expect(h.client.liveRows(sql, { orderBy: [{ nulls: 'last', direction: 'asc', column: 'id' }] })).toBe(a);
    expect(h.client.liveRows(sql, { orderBy: { column: 'id', direction: 'desc' } })).not.toBe(a);
    expect(() => h.client.liveRows(sql, { orderBy: { column: 'id', direction: 'up' as 'asc' } })).toThrow(
      expect.objectContaining({ kind: 'usage', code: 'INVALID_OPTION' }),
    );
    expect(() => h.client.liveRows(sql, { orderBy: '' })).toThrow(/needs a column name/);
    await h.client.close();
  });

  test('a never-subscribed observable is forgotten after unusedQueryTtlMs; a subscribed one stays shared', async () => {
    vi.useFakeTimers();
    try {
      const h = harness({ unusedQueryTtlMs: 1000 });
      const unused = h.client.liveRows('SELECT * FROM app.t WHERE room = $1', { params: ['a'] });
      const used = h.client.liveRows('SELECT * FROM app.t WHERE room = $1', { params: ['b'] });
      used.subscribe(() => {});
      vi.advanceTimersByTime(999);
      expect(h.client.liveRows('SELECT * FROM app.t WHERE room = $1', { params: ['a'] })).toBe(unused);
      vi.advanceTimersByTime(1);
      expect(h.client.liveRows('SELECT * FROM app.t WHERE room = $1', { params: ['a'] })).not.toBe(unused);
      expect(h.client.liveRows('SELECT * FROM app.t WHERE room = $1', { params: ['b'] })).toBe(used);
      const unusedChanges = h.client.changes('SELECT * FROM app.t');
      vi.advanceTimersByTime(1000);
      expect(h.client.changes('SELECT * FROM app.t')).not.toBe(unusedChanges);
      await h.client.close();
    } finally {
      vi.useRealTimers();
    }
  });

  test('the last unsubscribe releases after the grace period; a remount within it does not resubscribe', async () => {
    const h = harness({ releaseGraceMs: 50 });
    const live = h.client.liveRows('SELECT * FROM app.t');
    // The store contract: subscribe(listener) returns an unsubscribe function (what useSyncExternalStore needs).
    const store: Store<LiveRows<unknown>> = live;
    const un1 = store.subscribe(() => {});
    await flush();
    FakeSocket.last.accept();
    // StrictMode: unsubscribe + subscribe immediately
    un1();
    const un2 = live.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(100);
    expect(frames(FakeSocket.last, 'subscribe')).toHaveLength(1);
    expect(frames(FakeSocket.last, 'unsubscribe')).toHaveLength(0);
    un2.unsubscribe();
    await vi.advanceTimersByTimeAsync(49);
    expect(frames(FakeSocket.last, 'unsubscribe')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(frames(FakeSocket.last, 'unsubscribe')).toEqual([{ type: 'unsubscribe', subscription_id: 'lb-1' }]);
    // released: a new call gives a new observable and a new subscription id
    const again = h.client.liveRows('SELECT * FROM app.t');
    expect(again).not.toBe(live);
    again.subscribe(() => {});
    expect((frames(FakeSocket.last, 'subscribe')[1]?.['subscription'] as { id: string }).id).toBe('lb-2');
  });

  test('resubscribing a released observable reloads: old rows stay visible (status loading), then are replaced', async () => {
    const { live, socket, row1 } = await loadTwoRowsThenRelease();
    expect(frames(socket, 'unsubscribe')).toHaveLength(1);
    live.subscribe(() => {});
    expect(live.getSnapshot().status).toBe('loading');
    expect(live.getSnapshot().size).toBe(2);
    expect(frames(socket, 'subscribe')[1]).toEqual({ type: 'subscribe', subscription: { id: 'lb-2', sql: 'SELECT id, body FROM app.t', options: { batch_size: 10000 } } });
    socket.deliver(ack('lb-2'));
    socket.deliver(page('lb-2', [{ id: '1', body: 'a', _seq: '10' }], { hasMore: false }));
    expect(live.getSnapshot().status).toBe('ready');
    expect(live.getSnapshot().rows).toEqual([{ id: '1', body: 'a' }]);
    expect(live.getSnapshot().get('1')).toBe(row1);
  });

  test('a restart reload interrupted by a reconnect keeps its loaded pages and still replaces the rows', async () => {
    const { live, socket } = await loadTwoRowsThenRelease({ resume: 'seq' });
    // while released: row 1 updated, row 2 deleted
    live.subscribe(() => {});
    socket.deliver(ack('lb-2', { hasMore: true, lastSeq: '20' }));
    socket.deliver(page('lb-2', [{ id: '1', body: 'A', _seq: '20' }], { hasMore: true }));
    socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    const next = FakeSocket.last;
    next.accept();
    expect(next.messages[1]).toEqual({ type: 'subscribe', subscription: { id: 'lb-2', sql: 'SELECT id, body FROM app.t', options: { batch_size: 10000, from: 20 } } });
    next.deliver(ack('lb-2', { lastSeq: '21' }));
    next.deliver(page('lb-2', [{ id: '3', body: 'c', _seq: '21' }], { hasMore: false }));
    expect(live.getSnapshot().status).toBe('ready');
    expect(live.getSnapshot().rows).toEqual([{ id: '1', body: 'A' }, { id: '3', body: 'c' }]);
  });

  test('releasing while offline drops the queued subscribe instead of sending unsubscribe', async () => {
    const h = harness({ releaseGraceMs: 0 });
    const un = h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    un.unsubscribe();
    await vi.advanceTimersByTimeAsync(1);
    FakeSocket.last.accept();
    expect(FakeSocket.last.messages.map((m) => m['type'])).toEqual(['authenticate']);
  });
});

describe('changes() (SPEC §3.3)', () => {
  test('is opt-in: without `changes: liveChanges` the call throws a UsageError naming the import, and sends nothing', async () => {
    const h = harness({ changes: undefined });
    expect(() => h.client.changes('SELECT * FROM app.t')).toThrow(
      expect.objectContaining({ kind: 'usage', code: 'OPT_IN_REQUIRED', message: expect.stringContaining('import { liveChanges } from "livebind"') }),
    );
    expect(() => harness({ changes: {} as never })).toThrow(expect.objectContaining({ kind: 'usage', code: 'INVALID_OPTION' }));
    await flush();
    expect(FakeSocket.instances.every((s) => s.sent.length === 0)).toBe(true);
  });

  test('live-only subscription; update rows merge with a liveRows row of the same SQL', async () => {
    const h = harness();
    const live = h.client.liveRows<Row>('SELECT id, body FROM app.t');
    live.subscribe(() => {});
    const events: ChangeEvent<Row>[] = [];
    const changes$ = h.client.changes<Row>('SELECT id, body FROM app.t');
    changes$.subscribe((e: ChangeEvent<Row> | undefined) => {
      if (e) events.push(e);
    });
    expect(changes$.getSnapshot()).toBeUndefined();
    await flush();
    const socket = FakeSocket.last;
    socket.accept();
    expect(frames(socket, 'subscribe')[1]).toEqual({ type: 'subscribe', subscription: { id: 'lb-2', sql: 'SELECT id, body FROM app.t' } });
    socket.deliver(ack('lb-1'));
    socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '10' }], { hasMore: false }));
    socket.deliver(ack('lb-2'));
    socket.deliver(change('lb-2', 'insert', [{ id: '2', body: 'b', _seq: '11' }]));
    socket.deliver(change('lb-2', 'update', [{ id: '1', _seq: '12' }], [{ id: '1', body: 'a', _seq: '10' }]));
    socket.deliver(change('lb-2', 'delete', undefined, [{ id: '2', body: 'b', _seq: '13', _deleted: true }]));
    expect(events).toEqual([
      { type: 'insert', row: { id: '2', body: 'b' }, oldRow: undefined, seq: 11n },
      { type: 'update', row: { id: '1', body: null }, oldRow: { id: '1', body: 'a' }, seq: 12n },
      { type: 'delete', row: { id: '2', body: 'b' }, oldRow: { id: '2', body: 'b' }, seq: 13n },
    ]);
    expect(changes$.getSnapshot()).toBe(events[2]);
  });

  test('a rejected changes() subscription errors the observable', async () => {
    const h = harness();
    let error: unknown;
    h.client.changes('SELECT * FROM t').subscribe({ error: (e: unknown) => (error = e) });
    await flush();
    FakeSocket.last.accept();
    FakeSocket.last.deliver({ type: 'error', subscription_id: 'lb-1', code: 'INVALID_SQL', message: 'Query must use namespace.table format' });
    expect(error).toMatchObject({ kind: 'subscription', code: 'INVALID_SQL' });
  });
});

describe('strictLiveSql: checkLiveSql, opted into by import', () => {
  test('SQL KalamDB would silently mis-evaluate fails at once and sends nothing', async () => {
    const h = harness({ strictLiveSql: checkLiveSql });
    const live = h.client.liveRows('SELECT * FROM app.t WHERE body IS NULL');
    live.subscribe(() => {});
    expect(live.getSnapshot().status).toBe('error');
    expect(live.getSnapshot().error).toMatchObject({ kind: 'subscription', code: 'UNSUPPORTED_LIVE_SQL' });
    let error: unknown;
    h.client.changes('SELECT * FROM app.t WHERE id IN (1, 2)').subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toMatchObject({ code: 'UNSUPPORTED_LIVE_SQL' });
    await flush();
    expect(FakeSocket.instances).toHaveLength(0);
  });

  test('strictLiveSql: true (the old boolean) is refused with the import to use', () => {
    expect(() => harness({ strictLiveSql: true as unknown as typeof checkLiveSql })).toThrow(/import \{ checkLiveSql \} from "livebind\/kalamdb"/);
  });

  test('liveRows after close() is a UsageError', async () => {
    const h = harness();
    await h.client.close();
    expect(() => h.client.liveRows('SELECT * FROM app.t')).toThrow(/closed/);
  });
});

describe('orderBy must name a column of the result', () => {
  test('an unknown orderBy column ends the query with UNKNOWN_ORDER_COLUMN instead of silently keeping arrival order', async () => {
    const { live, socket } = await connected('SELECT id, body FROM app.t', { orderBy: 'created_at' });
    socket.deliver(ack('lb-1'));
    const snap = live.getSnapshot();
    expect(snap.status).toBe('error');
    expect(snap.error).toMatchObject({ kind: 'subscription', code: 'UNKNOWN_ORDER_COLUMN' });
    expect(snap.error?.message).toMatch(/"created_at": not in the result \(columns: id, body\)/);
    // The server subscription is released.
    expect(frames(socket, 'unsubscribe')).toHaveLength(1);
  });

  test('a known column orders as asked', async () => {
    const { live, socket } = await connected('SELECT id, body FROM app.t', { orderBy: { column: 'body', direction: 'desc' } });
    socket.deliver(ack('lb-1'));
    socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '1' }, { id: '2', body: 'b', _seq: '2' }], { hasMore: false }));
    expect(live.getSnapshot().rows.map((r) => r.body)).toEqual(['b', 'a']);
  });
});

describe('load progress', () => {
  test('a paged initial load exposes loaded / total (from total_rows) until its last page', async () => {
    const { live, socket, seen } = await connected('SELECT id, body FROM app.t', { batchSize: 2 });
    socket.deliver(ack('lb-1', { hasMore: true }).replace('"total_rows":0', '"total_rows":3'));
    socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '1' }, { id: '2', body: 'b', _seq: '2' }], { hasMore: true }));
    expect(live.getSnapshot().progress).toEqual({ loaded: 2, total: 3 });
    socket.deliver(page('lb-1', [{ id: '3', body: 'c', _seq: '3' }], { hasMore: false, batchNum: 1 }));
    expect(live.getSnapshot().progress).toBeUndefined();
    expect(live.getSnapshot().status).toBe('ready');
    expect(seen.some((s) => s.progress?.loaded === 2)).toBe(true);
  });
});
