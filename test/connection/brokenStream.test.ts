// Frames the client cannot use, and errors with synthetic ids: never a stranded subscription
// (docs/SPEC.md §1.5, §2.1; K§5.3, §5.4, §6.2).
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { FakeSocket } from './fakeSocket.js';
import { ack, change, harness, page } from './clientHarness.js';
import type { LiveRows } from '../../src/types.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const flush = () => vi.advanceTimersByTimeAsync(0);

// These tests are about the checkpoint resume (`from`), which the fake server does not announce.
async function readyQuery(overrides = {}) {
  const h = harness({ resume: 'seq', ...overrides });
  const live = h.client.liveRows<{ id: string; body: string | null }>('SELECT id, body FROM app.t');
  live.subscribe(() => {});
  await flush();
  const socket = FakeSocket.last;
  socket.accept();
  socket.deliver(ack('lb-1'));
  socket.deliver(page('lb-1', [{ id: '1', body: 'a', _seq: '10' }], { hasMore: false }));
  expect(live.getSnapshot().status).toBe('ready');
  return { h, live, socket };
}

const subscribeOf = (s: FakeSocket, id: string) =>
  s.messages.find((m) => m['type'] === 'subscribe' && (m['subscription'] as { id: string }).id === id)?.['subscription'] as
    | { id: string; options?: Record<string, unknown> }
    | undefined;

describe('undecodable frames break the stream (SPEC §1.5)', () => {
  const bad: [string, (s: FakeSocket) => void][] = [
    ['invalid JSON', (s) => s.deliver('{"type":"change","subscription_id":"lb-1",')],
    ['bad gzip', (s) => s.deliverBinary(new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4, 5]))],
    ['a frame without a type', (s) => s.deliver({ subscription_id: 'lb-1', rows: [] })],
    ['a change of an unknown change_type', (s) => s.deliver({ type: 'change', subscription_id: 'lb-1', change_type: 'upsert', rows: [] })],
  ];
  test.each(bad)('%s: ProtocolError on status$, socket dropped, resume from the checkpoint before it', async (_name, send) => {
    const { h, live, socket } = await readyQuery();
    send(socket);
    await flush();
    expect(h.client.status$.getSnapshot()).toMatchObject({
      status: 'reconnecting',
      lastError: { kind: 'protocol', name: 'ProtocolError', code: 'INVALID_FRAME' },
    });
    expect(socket.closed).toBeDefined();
    // A frame after the lost one must not move the checkpoint past it.
    socket.deliver(change('lb-1', 'insert', [{ id: '3', body: 'c', _seq: '30' }]));
    expect(live.getSnapshot().size).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    const next = FakeSocket.last;
    expect(next).not.toBe(socket);
    next.accept();
    expect(subscribeOf(next, 'lb-1')?.options).toEqual({ batch_size: 10000, from: 10 });
    next.deliver(ack('lb-1'));
    next.deliver(page('lb-1', [{ id: '2', body: 'b', _seq: '20' }, { id: '3', body: 'c', _seq: '30' }], { hasMore: false }));
    expect(live.getSnapshot()).toMatchObject({ status: 'ready', size: 3 });
  });

  test('a well-formed message of an unknown type is ignored (forward compatibility)', async () => {
    const { h, socket } = await readyQuery();
    socket.deliver({ type: 'server_notice', text: 'hello' });
    socket.deliverBinary(new Uint8Array(gzipSync(JSON.stringify({ type: 'future_thing', n: 1 }))));
    await flush();
    expect(h.client.status$.getSnapshot()).toMatchObject({ status: 'open', lastError: undefined });
    expect(socket.closed).toBeUndefined();
  });

  test('a bad frame while authenticating is a failed attempt, not a crash', async () => {
    const h = harness();
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    FakeSocket.last.open();
    FakeSocket.last.deliver('not json');
    expect(h.client.status$.getSnapshot()).toMatchObject({ status: 'reconnecting', lastError: { code: 'INVALID_FRAME' } });
  });
});

describe('frame size limit (SPEC §2.1)', () => {
  test('a subscribe over the 1 MiB default fails that query locally with a SubscriptionError naming the limit', async () => {
    const h = harness({ resume: 'seq' });
    const big = h.client.liveRows(`SELECT * FROM app.t WHERE body = '${'x'.repeat(1024 * 1024)}'`);
    const small = h.client.liveRows('SELECT * FROM app.t');
    big.subscribe(() => {});
    small.subscribe(() => {});
    await flush();
    const socket = FakeSocket.last;
    socket.accept();
    const snap: LiveRows<Record<string, unknown>> = big.getSnapshot();
    expect(snap.status).toBe('error');
    expect(snap.error).toMatchObject({ kind: 'subscription', name: 'SubscriptionError', code: 'MESSAGE_TOO_LARGE' });
    expect(snap.error?.message).toContain('1048576 bytes');
    expect(subscribeOf(socket, 'lb-1')).toBeUndefined();
    expect(subscribeOf(socket, 'lb-2')).toBeDefined();
    expect(h.client.status$.getSnapshot().status).toBe('open');
  });

  test('the limit counts UTF-8 bytes and is an option', async () => {
    const h = harness({ maxMessageBytes: 200 });
    const ascii = h.client.liveRows(`SELECT * FROM app.t WHERE body = '${'x'.repeat(60)}'`);
    const wide = h.client.liveRows(`SELECT * FROM app.t WHERE body = '${'é'.repeat(60)}'`); // 120 bytes of text
    ascii.subscribe(() => {});
    wide.subscribe(() => {});
    await flush();
    expect(ascii.getSnapshot().status).toBe('loading');
    expect(wide.getSnapshot().error).toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    expect(wide.getSnapshot().error?.message).toContain('200 bytes');
  });

  test('MESSAGE_TOO_LARGE from a server with a lower limit: ProtocolError, reconnect, the culprit fails locally, others resume', async () => {
    const h = harness({ resume: 'seq' });
    const big = h.client.liveRows(`SELECT * FROM app.t WHERE body = '${'x'.repeat(5000)}'`);
    const small = h.client.liveRows('SELECT * FROM app.t');
    big.subscribe(() => {});
    small.subscribe(() => {});
    await flush();
    const first = FakeSocket.last;
    first.accept();
    first.deliver(ack('lb-2'));
    first.deliver(page('lb-2', [{ id: '1', body: 'a', _seq: '7' }], { hasMore: false }));
    first.deliver({ type: 'error', subscription_id: 'protocol', code: 'MESSAGE_TOO_LARGE', message: 'Message too large: 5090 bytes (max 4096)' });
    expect(h.client.status$.getSnapshot()).toMatchObject({
      status: 'reconnecting',
      lastError: { kind: 'protocol', code: 'MESSAGE_TOO_LARGE' },
    });
    await vi.advanceTimersByTimeAsync(500);
    const second = FakeSocket.last;
    second.accept();
    expect(big.getSnapshot().status).toBe('error');
    expect(big.getSnapshot().error).toMatchObject({ kind: 'subscription', code: 'MESSAGE_TOO_LARGE' });
    expect(subscribeOf(second, 'lb-1')).toBeUndefined();
    expect(subscribeOf(second, 'lb-2')?.options).toEqual({ batch_size: 10000, from: 7 });
    second.deliver(ack('lb-2'));
    second.deliver(page('lb-2', [], { hasMore: false }));
    expect(small.getSnapshot()).toMatchObject({ status: 'ready', size: 1 });
  });

  test('other protocol-id errors (UNSUPPORTED_DATA, PROTOCOL) surface as ProtocolError and resume via reconnect', async () => {
    for (const code of ['UNSUPPORTED_DATA', 'PROTOCOL']) {
      const { h, live, socket } = await readyQuery();
      socket.deliver({ type: 'error', subscription_id: 'protocol', code, message: 'Binary not supported' });
      expect(h.client.status$.getSnapshot()).toMatchObject({ status: 'reconnecting', lastError: { kind: 'protocol', code } });
      await vi.advanceTimersByTimeAsync(500);
      FakeSocket.last.accept();
      expect(subscribeOf(FakeSocket.last, 'lb-1')?.options).toEqual({ batch_size: 10000, from: 10 });
      expect(live.getSnapshot().status).toBe('reconnecting');
      await h.client.close();
    }
  });
});

describe('a server that keeps breaking the stream (SPEC §1.5, fault streak)', () => {
  /** Waits (fake time, 100 ms steps) until the client opens its next socket; returns the wait. */
  async function untilNextSocket(): Promise<number> {
    const count = FakeSocket.instances.length;
    let waited = 0;
    while (FakeSocket.instances.length === count && waited < 120_000) {
      await vi.advanceTimersByTimeAsync(100);
      waited += 100;
    }
    return waited;
  }

  test('bad frames right after auth_success back off like failed attempts; a stable socket ends the streak', async () => {
    const h = harness({ reconnect: { maxDelayMs: 30000 } }); // random() = 0.5: each delay is half its bound (1 s, 2 s, 4 s …)
    h.client.liveRows('SELECT id, body FROM app.t').subscribe(() => {});
    await flush();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      FakeSocket.last.accept();
      FakeSocket.last.deliver('not json');
      delays.push(await untilNextSocket());
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000]);
    expect(h.client.status$.getSnapshot().lastError?.code).toBe('INVALID_FRAME');

    // Healthy for 30 s: the next fault is retried at the first delay again.
    FakeSocket.last.accept();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(h.client.status$.getSnapshot().status).toBe('open');
    FakeSocket.last.deliver('not json');
    expect(await untilNextSocket()).toBe(500);
  });
});
