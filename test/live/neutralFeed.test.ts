// liveRows()/changes() over a protocol-neutral feed (docs/SPEC.md §3, §7): the shapes a Supabase
// postgres_changes stream produces (whole new rows, `old` with only the primary key, deletes with
// only the key, no cursor) go through the same live queries as KalamDB's.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createDriverClient } from '../../src/createDriverClient.js';
import { liveChanges } from '../../src/live/liveChanges.js';
import type { Row } from '../../src/protocol/driver.js';
import type { ChangeEvent, LiveRows } from '../../src/types.js';
import { FakeSocket } from '../connection/fakeSocket.js';
import { fakeDriver } from '../connection/fakeDriver.js';

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

const columns = [{ name: 'id', pk: true, type: 'int8' }, { name: 'body' }, { name: 'done' }];

function setup() {
  const protocol = fakeDriver();
  const client = createDriverClient({ driver: protocol.factory, auth: { token: 't' }, WebSocket: FakeSocket, changes: liveChanges });
  return { protocol, client };
}

describe('a feed without cursors (Supabase postgres_changes shapes)', () => {
  test('liveRows: load, whole-row update, key move by `old`, delete by key only; seq stays undefined', () => {
    const { protocol, client } = setup();
    const live = client.liveRows<Row>('SELECT * FROM todos WHERE done = $1', { params: [false], orderBy: 'id' });
    live.subscribe(() => {});
    const feed = protocol.feeds[0]!;
    expect(feed.spec).toMatchObject({ text: 'SELECT * FROM todos WHERE done = $1', params: [false], sql: 'SELECT * FROM todos WHERE done = FALSE', load: true });
    feed.sink.onColumns(columns, 'initial');
    feed.sink.onPage([{ id: 1, body: 'a', done: false }, { id: 2, body: 'b', done: false }], true, 'initial');
    const loaded = live.getSnapshot();
    expect(loaded).toMatchObject({ status: 'ready', size: 2, seq: undefined });
    const untouched = loaded.get('2');

    feed.sink.onChange({ type: 'update', row: { id: 1, body: 'A', done: false }, nulled: [], old: { id: 1 }, cursor: undefined });
    feed.sink.onChange({ type: 'update', row: { id: 3, body: 'b', done: false }, nulled: [], old: { id: 2 }, cursor: undefined });
    feed.sink.onChange({ type: 'insert', row: { id: 4, body: 'd', done: false }, cursor: undefined });
    feed.sink.onChange({ type: 'delete', row: { id: 1 }, cursor: undefined });
    const s = live.getSnapshot();
    expect(s.rows).toEqual([
      { id: 3, body: 'b', done: false },
      { id: 4, body: 'd', done: false },
    ]);
    expect(s.seq).toBeUndefined();
    expect(untouched).toEqual({ id: 2, body: 'b', done: false });
  });

  test('liveRows: an update with the key unchanged keeps other rows identical; a row arriving as an update is inserted', () => {
    const { protocol, client } = setup();
    const live = client.liveRows<Row>('SELECT * FROM todos');
    live.subscribe(() => {});
    const feed = protocol.feeds[0]!;
    feed.sink.onColumns(columns, 'initial');
    feed.sink.onPage([{ id: 1, body: 'a', done: false }, { id: 2, body: 'b', done: false }], true, 'initial');
    const before = live.getSnapshot();
    feed.sink.onChange({ type: 'update', row: { id: 9, body: 'new', done: true }, nulled: [], old: { id: 9 }, cursor: undefined });
    const after = live.getSnapshot();
    expect(after.size).toBe(3);
    expect(after.get('1')).toBe(before.get('1'));
    expect(after.get('9')).toEqual({ id: 9, body: 'new', done: true });
  });

  test('changes(): events carry seq undefined, oldRow = what the protocol sent; updates merge with a running liveRows row', () => {
    const { protocol, client } = setup();
    const rows = client.liveRows<Row>('SELECT * FROM todos');
    rows.subscribe(() => {});
    const events: ChangeEvent<Row>[] = [];
    client.changes<Row>('SELECT * FROM todos').subscribe((e) => events.push(e));
    const [rowsFeed, changesFeed] = protocol.feeds;
    expect(changesFeed!.spec.load).toBe(false);
    rowsFeed!.sink.onColumns(columns, 'initial');
    rowsFeed!.sink.onPage([{ id: 1, body: 'a', done: false, extra: 'kept' }], true, 'initial');
    changesFeed!.sink.onColumns(columns, 'initial');
    changesFeed!.sink.onReady();

    changesFeed!.sink.onChange({ type: 'insert', row: { id: 2, body: 'b', done: false }, cursor: undefined });
    changesFeed!.sink.onChange({ type: 'update', row: { id: 1, body: 'A', done: true }, nulled: [], old: { id: 1 }, cursor: undefined });
    changesFeed!.sink.onChange({ type: 'delete', row: { id: 2 }, cursor: undefined });
    expect(events).toEqual([
      { type: 'insert', row: { id: 2, body: 'b', done: false }, oldRow: undefined, seq: undefined },
      { type: 'update', row: { id: 1, body: 'A', done: true, extra: 'kept' }, oldRow: { id: 1 }, seq: undefined },
      { type: 'delete', row: { id: 2 }, oldRow: { id: 2 }, seq: undefined },
    ]);
  });

  test('a reconnect: onReconnecting, then a reload replaces the rows at its last page (unchanged rows keep identity)', () => {
    const { protocol, client } = setup();
    const live = client.liveRows<Row>('SELECT * FROM todos');
    const seen: LiveRows<Row>[] = [];
    live.subscribe((s) => seen.push(s));
    const feed = protocol.feeds[0]!;
    feed.sink.onColumns(columns, 'initial');
    feed.sink.onPage([{ id: 1, body: 'a', done: false }, { id: 2, body: 'b', done: false }], true, 'initial');
    const kept = live.getSnapshot().get('1');
    feed.sink.onReconnecting();
    expect(live.getSnapshot().status).toBe('reconnecting');
    feed.sink.onColumns(columns, 'reload');
    feed.sink.onPage([{ id: 1, body: 'a', done: false }], false, 'reload');
    expect(live.getSnapshot().size).toBe(2); // rows stay until the reload completes
    feed.sink.onPage([{ id: 3, body: 'c', done: false }], true, 'reload');
    const s = live.getSnapshot();
    expect(s.status).toBe('ready');
    expect(s.rows.map((r) => r['id'])).toEqual([1, 3]);
    expect(s.get('1')).toBe(kept);
  });

  test('a cursor, where the protocol has one, is the snapshot seq and the event seq', () => {
    const { protocol, client } = setup();
    const live = client.liveRows<Row>('SELECT * FROM todos');
    live.subscribe(() => {});
    const events: ChangeEvent<Row>[] = [];
    client.changes<Row>('SELECT * FROM todos').subscribe((e) => events.push(e));
    const [rowsFeed, changesFeed] = protocol.feeds;
    rowsFeed!.sink.onColumns(columns, 'initial');
    rowsFeed!.cursor = 41n;
    rowsFeed!.sink.onPage([{ id: 1, body: 'a', done: false }], true, 'initial');
    expect(live.getSnapshot().seq).toBe(41n);
    changesFeed!.sink.onChange({ type: 'insert', row: { id: 2 }, cursor: 42n });
    changesFeed!.sink.onPage([{ id: 3 }], true, 'resume', [43n]);
    expect(events.map((e) => e.seq)).toEqual([42n, 43n]);
  });
});
