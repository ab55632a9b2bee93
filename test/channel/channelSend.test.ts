// send() delivery policies and failures (docs/SPEC.md "Channels" §send), fake port + fake timers.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ChannelError, ConnectionError } from '../../src/errors.js';
import { channelHarness } from './fakePort.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

function settledState<T>(p: Promise<T>): { value?: T; error?: unknown; done: boolean } {
  const s: { value?: T; error?: unknown; done: boolean } = { done: false };
  p.then(
    (v) => Object.assign(s, { value: v, done: true }),
    (e: unknown) => Object.assign(s, { error: e, done: true }),
  );
  return s;
}

describe("delivery: 'ack' (default)", () => {
  test('joins an idle channel, pushes once joined, resolves acked on the ack', async () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    const r = settledState(ch.send('chat', { text: 'hi' }));
    const port = h.port();
    expect(port.joins).toHaveLength(1);
    expect(port.pushes).toHaveLength(0);
    port.acceptJoin();
    expect(port.open().map((p) => [p.message, p.options])).toEqual([[{ kind: 'broadcast', event: 'chat', payload: { text: 'hi' } }, { ack: true }]]);
    port.ackAll();
    await advance(0);
    expect(r).toEqual({ done: true, value: { delivered: 'acked' } });
  });

  test('not joined within the timeout: NOT_JOINED; joined but no ack: TIMED_OUT (push cancelled)', async () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    const a = settledState(ch.send('chat', 1, { timeoutMs: 3000 }));
    await advance(3000);
    expect(a.error).toMatchObject({ kind: 'channel', code: 'NOT_JOINED', topic: 'room' });
    const port = h.port();
    port.acceptJoin();
    const b = settledState(ch.send('chat', 2, { timeoutMs: 3000 }));
    await advance(2999);
    expect(b.done).toBe(false);
    await advance(1);
    expect(b.error).toMatchObject({ code: 'TIMED_OUT' });
    expect(port.pushes[0]!.cancelled).toBe(true);
  });

  test('server errors reject with their code (PAYLOAD_TOO_LARGE, RATE_LIMITED); a lost socket rejects NOT_JOINED', async () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    ch.status$.subscribe(() => {});
    const port = h.port();
    port.acceptJoin();
    const big = settledState(ch.send('chat', 'x'.repeat(10)));
    const fast = settledState(ch.send('chat', 'y'));
    const lost = settledState(ch.send('chat', 'z'));
    port.pushes[0]!.done(new ChannelError('too large', { code: 'PAYLOAD_TOO_LARGE', topic: 'room', reason: 'payload_size_exceeded' }));
    port.pushes[1]!.done(new ChannelError('slow down', { code: 'RATE_LIMITED', topic: 'room' }));
    port.sink.socketClosed(new ConnectionError('lost', { code: 'SOCKET_CLOSED' }));
    await advance(0);
    expect(big.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', reason: 'payload_size_exceeded' });
    expect(fast.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(lost.error).toMatchObject({ code: 'NOT_JOINED' });
  });

  test("needs acknowledged broadcasts: on a channel opened with ack false it throws UsageError", () => {
    const h = channelHarness();
    const ch = h.registry.channel('room', { broadcast: { ack: false } });
    expect(() => ch.send('chat', 1)).toThrow(expect.objectContaining({ kind: 'usage' }) as Error);
    expect(() => ch.send('', 1, { delivery: 'drop' })).toThrow(expect.objectContaining({ kind: 'usage' }) as Error);
    expect(() => ch.send('chat', 1, { delivery: 'later' as 'drop' })).toThrow(/delivery/);
  });
});

describe("delivery: 'queue'", () => {
  test('held while not joined, sent in order once joined', async () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    ch.status$.subscribe(() => {});
    const port = h.port();
    port.acceptJoin();
    port.sink.socketClosed(new ConnectionError('lost', { code: 'SOCKET_CLOSED' }));
    const results = [1, 2, 3].map((n) => settledState(ch.send('n', n, { delivery: 'queue' })));
    expect(port.pushes).toHaveLength(0);
    port.sink.socketOpened();
    port.acceptJoin();
    expect(port.open().map((p) => p.message.kind === 'broadcast' && p.message.payload)).toEqual([1, 2, 3]);
    port.ackAll();
    await advance(0);
    expect(results.map((r) => r.value)).toEqual([{ delivered: 'acked' }, { delivered: 'acked' }, { delivered: 'acked' }]);
  });

  test('bounded: the oldest is rejected QUEUE_FULL; an expired one NOT_JOINED', async () => {
    const h = channelHarness({ queueMax: 2, queueTtlMs: 5000 });
    const ch = h.registry.channel('room');
    const first = settledState(ch.send('n', 1, { delivery: 'queue' }));
    await advance(1000);
    const second = settledState(ch.send('n', 2, { delivery: 'queue' }));
    await advance(1000);
    const third = settledState(ch.send('n', 3, { delivery: 'queue' }));
    await advance(0);
    expect(first.error).toMatchObject({ code: 'QUEUE_FULL' });
    await advance(3999);
    expect(second).toEqual({ done: false });
    await advance(1);
    expect(second.error).toMatchObject({ code: 'NOT_JOINED' });
    expect(third.done).toBe(false);
    h.port().acceptJoin();
    expect(h.port().open().map((p) => p.message.kind === 'broadcast' && p.message.payload)).toEqual([3]);
  });
});

describe("delivery: 'drop'", () => {
  test('not joined: resolves dropped at once; joined: pushed without ack, resolves sent', async () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    await expect(ch.send('cursor', { x: 1 }, { delivery: 'drop' })).resolves.toEqual({ delivered: 'dropped' });
    const port = h.port();
    expect(port.joins).toHaveLength(1); // the drop started the join
    ch.status$.subscribe(() => {});
    port.acceptJoin();
    const sent = settledState(ch.send('cursor', { x: 2 }, { delivery: 'drop' }));
    expect(port.open().map((p) => p.options)).toEqual([{ ack: false }]);
    port.ackAll();
    await advance(0);
    expect(sent.value).toEqual({ delivered: 'sent' });
  });
});

describe('sends and the channel lifetime', () => {
  test('a pending send holds the channel; once settled the channel leaves after the grace period', async () => {
    const h = channelHarness({ graceMs: 50 });
    const ch = h.registry.channel('room');
    void ch.send('chat', 1);
    const port = h.port();
    port.acceptJoin();
    await advance(500);
    expect(port.leaves).toBe(0);
    port.ackAll();
    await advance(50);
    expect(port.leaves).toBe(1);
    expect(ch.status$.getSnapshot().status).toBe('idle');
  });

  test('a kill rejects queued sends with the kill error', async () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    ch.status$.subscribe(() => {});
    const port = h.port();
    port.acceptJoin();
    port.sink.socketClosed(new ConnectionError('lost', { code: 'SOCKET_CLOSED' }));
    const queued = settledState(ch.send('n', 1, { delivery: 'queue' }));
    port.sink.socketOpened();
    const kill = new ChannelError('unauthorized', { code: 'UNAUTHORIZED', topic: 'room' });
    port.sink.closed('killed', kill);
    await advance(0);
    expect(queued.error).toBe(kill);
  });
});
