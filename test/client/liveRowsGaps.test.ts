// liveRows()/changes() edge cases through createClient with a fake socket (docs/SPEC.md §3.2, §3.3):
// results without a key, rows that first arrive as updates, stream-table TTL deletes, and the
// default resume mode ('auto': resume from `from` only where the server replays outage deletes).
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { ClientOptions } from '../../src/client.js';
import type { ChangeEvent, LiveRows } from '../../src/types.js';
import { FakeSocket } from '../connection/fakeSocket.js';
import { ack, change, harness, page } from '../connection/clientHarness.js';

type Row = Record<string, unknown>;
interface Field {
  name: string;
  data_type: string;
  index: number;
  flags?: string[];
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const flush = () => vi.advanceTimersByTimeAsync(0);
const frames = (socket: FakeSocket, type: string) => socket.messages.filter((m) => m['type'] === type);

function ackWith(id: string, fields: Field[]): string {
  return `{"type":"subscription_ack","subscription_id":"${id}","total_rows":0,"batch_control":{"batch_num":0,"has_more":false,"status":"ready","last_seq_id":null,"snapshot_end_seq":999999999999999999},"schema":${JSON.stringify(fields)}}`;
}

function pageOf(id: string, rows: Row[]): string {
  return `{"type":"initial_data_batch","subscription_id":"${id}","rows":${JSON.stringify(rows)},"batch_control":{"batch_num":0,"has_more":false,"status":"ready","last_seq_id":null,"snapshot_end_seq":999999999999999999}}`;
}

async function open(sql: string, options: Record<string, unknown> = {}, client: Partial<ClientOptions> = {}) {
  const h = harness(client);
  const live = h.client.liveRows<Row>(sql, options);
  const seen: LiveRows<Row>[] = [];
  live.subscribe((s: LiveRows<Row>) => seen.push(s));
  await flush();
  const socket = FakeSocket.last;
  socket.accept();
  return { h, live, seen, socket };
}

const text = (name: string, index: number, flags?: string[]): Field => ({ name, data_type: 'Text', index, ...(flags ? { flags } : {}) });

describe('rows never merge silently (no key)', () => {
  test('a result with no pk column, no id column and no key option ends in error KEY_REQUIRED instead of merging rows', async () => {
    const { live, socket } = await open('SELECT name, v FROM app.t');
    socket.deliver(ackWith('lb-1', [text('name', 0), { name: 'v', data_type: 'Int', index: 1 }]));
    socket.deliver(pageOf('lb-1', [{ name: 'a', v: 1, _seq: '1' }, { name: 'b', v: 2, _seq: '2' }, { name: 'c', v: 3, _seq: '3' }]));
    const s = live.getSnapshot();
    expect(s.status).toBe('error');
    expect(s.size).toBe(0);
    expect(s.error).toMatchObject({ kind: 'subscription', code: 'KEY_REQUIRED', subscriptionId: 'lb-1', sql: 'SELECT name, v FROM app.t' });
    expect(s.error?.message).toMatch(/"pk"/);
    expect(s.error?.message).toMatch(/"id"/);
    expect(s.error?.message).toMatch(/`key`/);
    expect(s.error?.message).toMatch(/name, v/);
    // the server subscription is released: nothing more is materialized for it
    expect(frames(socket, 'unsubscribe')).toEqual([{ type: 'unsubscribe', subscription_id: 'lb-1' }]);
  });

  test('the same result with key: "name" keeps all three rows', async () => {
    const { live, socket } = await open('SELECT name, v FROM app.t', { key: 'name' });
    socket.deliver(ackWith('lb-1', [text('name', 0), { name: 'v', data_type: 'Int', index: 1 }]));
    socket.deliver(pageOf('lb-1', [{ name: 'a', v: 1, _seq: '1' }, { name: 'b', v: 2, _seq: '2' }, { name: 'c', v: 3, _seq: '3' }]));
    expect(live.getSnapshot().status).toBe('ready');
    expect(live.getSnapshot().size).toBe(3);
  });

  test('a key option naming a column the result does not have is KEY_REQUIRED at the ack', async () => {
    const { live, socket } = await open('SELECT id, body FROM app.t', { key: 'uuid' });
    socket.deliver(ack('lb-1'));
    expect(live.getSnapshot().status).toBe('error');
    expect(live.getSnapshot().error).toMatchObject({ code: 'KEY_REQUIRED' });
    expect(live.getSnapshot().error?.message).toMatch(/"uuid"/);
  });

  test('a row whose key value is missing or null ends in error MISSING_KEY (no collision under one null key)', async () => {
    const missing = await open('SELECT id, body FROM app.t');
    missing.socket.deliver(ack('lb-1'));
    missing.socket.deliver(pageOf('lb-1', [{ id: '1', body: 'a', _seq: '1' }, { body: 'b', _seq: '2' }, { body: 'c', _seq: '3' }]));
    expect(missing.live.getSnapshot().status).toBe('error');
    expect(missing.live.getSnapshot().error).toMatchObject({ kind: 'subscription', code: 'MISSING_KEY' });
    expect(missing.live.getSnapshot().error?.message).toMatch(/"id"/);

    const nulled = await open('SELECT id, body FROM app.t', { key: 'body' });
    nulled.socket.deliver(ack('lb-1'));
    nulled.socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '1' }], { hasMore: false }));
    expect(nulled.live.getSnapshot().status).toBe('ready');
    nulled.socket.deliver(change('lb-1', 'insert', [{ id: '2', body: null, _seq: '2' }]));
    expect(nulled.live.getSnapshot().status).toBe('error');
    expect(nulled.live.getSnapshot().error).toMatchObject({ code: 'MISSING_KEY' });
    // rows already shown stay visible next to the error
    expect(nulled.live.getSnapshot().size).toBe(1);
  });
});

describe('a row that first arrives as an update equals a fresh SELECT', () => {
  const fields = [text('id', 0, ['pk', 'nn']), text('body', 1), text('note', 2)];

  test('null columns omitted by the update (§6.4) are filled with null', async () => {
    const { live, socket } = await open('SELECT id, body, note FROM app.t WHERE body = \'x\'');
    socket.deliver(ackWith('lb-1', fields));
    socket.deliver(pageOf('lb-1', [{ id: '1', body: 'x', note: 'n1', _seq: '1' }]));
    // row 2 moves into the filter (KalamDB sends it as an update); its note is NULL, so omitted
    socket.deliver(change('lb-1', 'update', [{ id: '2', body: 'x', _seq: '5' }], [{ id: '2', body: 'y', _seq: '4' }]));
    const s = live.getSnapshot();
    expect(s.get('2')).toStrictEqual({ id: '2', body: 'x', note: null });
    expect(Object.keys(s.get('2') ?? {})).toEqual(['id', 'body', 'note']);
    // a known row keeps the §6.4 merge result
    socket.deliver(change('lb-1', 'update', [{ id: '1', body: 'x', _seq: '6' }], [{ id: '1', note: 'n1', _seq: '1' }]));
    expect(live.getSnapshot().get('1')).toStrictEqual({ id: '1', body: 'x', note: null });
  });

  test('an unprojected primary key carried by update rows is not added to the row', async () => {
    const { live, socket } = await open('SELECT body, note FROM app.t', { key: 'body' });
    socket.deliver(ackWith('lb-1', [text('body', 0), text('note', 1)]));
    socket.deliver(pageOf('lb-1', [{ body: 'a', note: 'n', _seq: '1' }]));
    socket.deliver(change('lb-1', 'update', [{ id: '9', body: 'b', _seq: '3' }], [{ id: '9', body: 'z', note: 'q', _seq: '2' }]));
    expect(live.getSnapshot().get('b')).toStrictEqual({ body: 'b', note: null });
  });

  test('changes(): the update row without a liveRows version is the whole new row', async () => {
    const h = harness();
    const events: ChangeEvent<Row>[] = [];
    h.client.changes<Row>('SELECT id, body, note FROM app.t').subscribe((e: ChangeEvent<Row> | undefined) => e && events.push(e));
    await flush();
    FakeSocket.last.accept();
    FakeSocket.last.deliver(ackWith('lb-1', fields));
    FakeSocket.last.deliver(change('lb-1', 'update', [{ id: '2', body: 'x', _seq: '5' }], [{ id: '2', body: 'y', _seq: '4' }]));
    expect(events[0]?.row).toStrictEqual({ id: '2', body: 'x', note: null });
  });
});

describe('stream-table TTL deletes (old_values [{"row_id": …}], no _seq)', () => {
  const ttl = (id: string) => change(id, 'delete', undefined, [{ row_id: '2' }]);

  test('liveRows deletes the row whose one-column key equals row_id', async () => {
    const { live, socket } = await open('SELECT id, body FROM app.events');
    socket.deliver(ack('lb-1'));
    socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '10' }, { id: '2', body: 'b', _seq: '11' }], { hasMore: false }));
    socket.deliver(ttl('lb-1'));
    expect(live.getSnapshot().rows).toEqual([{ id: '1', body: 'a' }]);
    expect(live.getSnapshot().status).toBe('ready');
    expect(live.getSnapshot().seq).toBe(11n);
  });

  test('changes() emits an expired delete with seq undefined (never a made-up 0n) and the last known row', async () => {
    const h = harness();
    h.client.liveRows<Row>('SELECT id, body FROM app.events').subscribe(() => {});
    const events: ChangeEvent<Row>[] = [];
    h.client.changes<Row>('SELECT id, body FROM app.events').subscribe((e: ChangeEvent<Row> | undefined) => e && events.push(e));
    await flush();
    const socket = FakeSocket.last;
    socket.accept();
    socket.deliver(ack('lb-1'));
    socket.deliver(page('lb-1', [{ id: '2', body: 'b', _seq: '11' }], { hasMore: false }));
    socket.deliver(ack('lb-2'));
    socket.deliver(ttl('lb-2'));
    socket.deliver(change('lb-2', 'delete', undefined, [{ row_id: '7' }]));
    expect(events).toEqual([
      { type: 'delete', expired: true, rowId: '2', row: { id: '2', body: 'b' }, oldRow: undefined, seq: undefined },
      { type: 'delete', expired: true, rowId: '7', row: { id: '7' }, oldRow: undefined, seq: undefined },
    ]);
  });
});

describe("resume: 'auto' (default)", () => {
  async function loadedThenCut(client: Partial<ClientOptions> = {}) {
    const ctx = await open('SELECT id, body FROM app.t', {}, client);
    ctx.socket.deliver(ack('lb-1'));
    ctx.socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '10' }, { id: '2', body: 'b', _seq: '11' }], { hasMore: false }));
    const row1 = ctx.live.getSnapshot().get('1');
    ctx.socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    return { ...ctx, row1, next: FakeSocket.last };
  }

  test('against a server that does not replay deletes (KalamDB), a reconnect reloads and replaces the set', async () => {
    const { live, next, row1 } = await loadedThenCut();
    next.accept(); // plain KalamDB auth_success
    expect(frames(next, 'subscribe')).toEqual([{ type: 'subscribe', subscription: { id: 'lb-1', sql: 'SELECT id, body FROM app.t', options: { batch_size: 10000 } } }]);
    // row 2 was deleted during the outage: a reload no longer has it
    next.deliver(ack('lb-1'));
    next.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '10' }], { hasMore: false }));
    expect(live.getSnapshot().rows).toEqual([{ id: '1', body: 'a' }]);
    expect(live.getSnapshot().get('1')).toBe(row1);
    expect(live.getSnapshot().status).toBe('ready');
  });

  test('against a server that says it replays deletes (the dev server), a reconnect resumes from the checkpoint', async () => {
    const h = harness();
    const live = h.client.liveRows<Row>('SELECT id, body FROM app.t');
    live.subscribe(() => {});
    await flush();
    const socket = FakeSocket.last;
    socket.open();
    socket.deliver({ type: 'auth_success', user: 'alice', role: 'user', protocol: { serialization: 'json', compression: 'gzip' }, livebind: { resume_deletes: true } });
    socket.deliver(ack('lb-1'));
    socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '10' }, { id: '2', body: 'b', _seq: '11' }], { hasMore: false }));
    socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    FakeSocket.last.accept();
    expect(frames(FakeSocket.last, 'subscribe')).toEqual([
      { type: 'subscribe', subscription: { id: 'lb-1', sql: 'SELECT id, body FROM app.t', options: { batch_size: 10000, from: 11 } } },
    ]);
  });

  test('a socket lost in the middle of a resume resumes from the same checkpoint again (the moved-out deletes come after the pages)', async () => {
    const { next, live } = await loadedThenCut({ resume: 'seq' });
    next.accept();
    expect(frames(next, 'subscribe')[0]).toMatchObject({ subscription: { options: { batch_size: 10000, from: 11 } } });
    // The resume's first page carries a row changed at 30; the deletes of rows that left the result
    // since 11 would follow the last page, but the socket is lost before it.
    next.deliver(ack('lb-1', { hasMore: true, lastSeq: '30' }));
    next.deliver(page('lb-1', [{ id: '3', body: 'c', _seq: '30' }], { hasMore: true }));
    next.serverClose(1006);
    await vi.advanceTimersByTimeAsync(2500);
    FakeSocket.last.accept();
    // Still from 11: resuming from 30 would skip the deletes of rows that left the result in (11, 30].
    expect(frames(FakeSocket.last, 'subscribe')).toEqual([
      { type: 'subscribe', subscription: { id: 'lb-1', sql: 'SELECT id, body FROM app.t', options: { batch_size: 10000, from: 11 } } },
    ]);
    // The pages alone do not complete a resume: its deletes follow the last page. The first change
    // above the snapshot bound (35) proves they all arrived; only then does the checkpoint move.
    const bounded = (text: string) => text.replace(/"snapshot_end_seq":\d+/, '"snapshot_end_seq":35');
    FakeSocket.last.deliver(bounded(ack('lb-1', { hasMore: true, lastSeq: '30' })));
    FakeSocket.last.deliver(bounded(page('lb-1', [{ id: '3', body: 'c', _seq: '30' }], { hasMore: false })));
    FakeSocket.last.deliver(change('lb-1', 'delete', undefined, [{ id: '2', _seq: '33' }]));
    FakeSocket.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(2500);
    FakeSocket.last.accept();
    expect(frames(FakeSocket.last, 'subscribe')[0]).toMatchObject({ subscription: { options: { batch_size: 10000, from: 11 } } });
    FakeSocket.last.deliver(bounded(ack('lb-1', { hasMore: true, lastSeq: '30' })));
    FakeSocket.last.deliver(bounded(page('lb-1', [{ id: '3', body: 'c', _seq: '30' }], { hasMore: false })));
    FakeSocket.last.deliver(change('lb-1', 'delete', undefined, [{ id: '2', _seq: '33' }]));
    FakeSocket.last.deliver(change('lb-1', 'insert', [{ id: '4', body: 'd', _seq: '40' }]));
    FakeSocket.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(2500);
    FakeSocket.last.accept();
    expect(frames(FakeSocket.last, 'subscribe')[0]).toMatchObject({ subscription: { options: { batch_size: 10000, from: 40 } } });
    expect(live.getSnapshot().rows.map((r) => r.id).sort()).toEqual(['1', '3', '4']);
  });

  test("resume: 'seq' still forces checkpoint resume", async () => {
    const { next } = await loadedThenCut({ resume: 'seq' });
    next.accept();
    expect(frames(next, 'subscribe')).toEqual([{ type: 'subscribe', subscription: { id: 'lb-1', sql: 'SELECT id, body FROM app.t', options: { batch_size: 10000, from: 11 } } }]);
  });
});
