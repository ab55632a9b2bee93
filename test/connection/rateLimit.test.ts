// Outbound pacing and the server's per-connection message rate (docs/SPEC.md §1.4, §1.5; K§5.4).
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { FakeSocket } from './fakeSocket.js';
import { ack, harness, page } from './clientHarness.js';
import type { LiveObservable, LiveRows } from '../../src/types.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const flush = () => vi.advanceTimersByTimeAsync(0);

/** A fake socket that records when each frame left (fake Date.now). */
class TimedSocket extends FakeSocket {
  times: number[] = [];
  override send(data: string): void {
    super.send(data);
    this.times.push(Date.now());
  }
}

/** Most frames sent in any rolling window of `ms`. */
function peak(times: readonly number[], ms = 1000): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const subscribes = (s: FakeSocket) => s.messages.filter((m) => m['type'] === 'subscribe');

function many(h: ReturnType<typeof harness>, n: number): LiveObservable<LiveRows<Record<string, unknown>>>[] {
  const lives: LiveObservable<LiveRows<Record<string, unknown>>>[] = [];
  for (let i = 1; i <= n; i++) {
    const live = h.client.liveRows(`SELECT * FROM app.t${i}`);
    live.subscribe(() => {});
    lives.push(live);
  }
  return lives;
}

describe('pacing (SPEC §1.4)', () => {
  test('70 queued subscribes go out at most 45 per rolling second, in order, pings included', async () => {
    const h = harness({ WebSocket: TimedSocket });
    many(h, 70);
    await flush();
    const socket = FakeSocket.last as TimedSocket;
    socket.accept();
    expect(socket.sent).toHaveLength(45); // authenticate + 44 subscribes
    await vi.advanceTimersByTimeAsync(999);
    expect(socket.sent).toHaveLength(45);
    await vi.advanceTimersByTimeAsync(1);
    expect(subscribes(socket)).toHaveLength(70);
    expect(subscribes(socket).map((m) => (m['subscription'] as { id: string }).id)).toEqual(
      Array.from({ length: 70 }, (_, i) => `lb-${i + 1}`),
    );
    // Every ack with pages asks for next_batch: those are paced too, with the pings.
    for (let i = 1; i <= 70; i++) socket.deliver(ack(`lb-${i}`, { hasMore: true }));
    for (let i = 1; i <= 70; i++) socket.deliver(page(`lb-${i}`, [{ id: '1', body: 'a', _seq: String(i) }], { hasMore: true }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(socket.messages.filter((m) => m['type'] === 'next_batch')).toHaveLength(70);
    expect(socket.sent.filter((f) => f === '{"type":"ping"}').length).toBeGreaterThan(0);
    expect(peak(socket.times)).toBeLessThanOrEqual(45);
  });

  test('maxMessagesPerSecond sets the window; a released query whose subscribe is still queued sends nothing', async () => {
    const h = harness({ maxMessagesPerSecond: 3 });
    const subs = [1, 2, 3, 4].map((i) => h.client.liveRows(`SELECT * FROM app.t${i}`).subscribe(() => {}));
    await flush();
    const socket = FakeSocket.last;
    socket.accept();
    expect(subscribes(socket)).toHaveLength(2); // authenticate took the first slot
    subs[3]!.unsubscribe();
    await vi.advanceTimersByTimeAsync(50); // release grace
    await vi.advanceTimersByTimeAsync(2000);
    expect(subscribes(socket)).toHaveLength(3);
    expect(socket.messages.some((m) => m['type'] === 'unsubscribe')).toBe(false);
  });

  test('maxMessagesPerSecond must be a positive integer', () => {
    expect(() => harness({ maxMessagesPerSecond: 0 })).toThrow(/maxMessagesPerSecond/);
  });
});

describe('rate_limit errors (SPEC §1.5)', () => {
  test('a rate_limit error halves the pace and reconnects; every subscription resumes, none stays loading', async () => {
    const h = harness({ WebSocket: TimedSocket });
    const lives = many(h, 70);
    await flush();
    const first = FakeSocket.last;
    first.accept();
    // A server configured for fewer messages dropped one of the subscribes.
    for (let i = 1; i <= 30; i++) first.deliver(ack(`lb-${i}`));
    first.deliver({ type: 'error', subscription_id: 'rate_limit', code: 'RATE_LIMIT_EXCEEDED', message: 'Too many messages' });
    first.deliver({ type: 'error', subscription_id: 'rate_limit', code: 'RATE_LIMIT_EXCEEDED', message: 'Too many messages' });
    const state = h.client.status$.getSnapshot();
    expect(state.status).toBe('reconnecting');
    expect(state.lastError).toMatchObject({ kind: 'protocol', name: 'ProtocolError', code: 'RATE_LIMIT_EXCEEDED' });
    expect(first.closed).toBeDefined();
    expect(lives[0]!.getSnapshot().status).toBe('reconnecting');

    await vi.advanceTimersByTimeAsync(500);
    const second = FakeSocket.last as TimedSocket;
    expect(second).not.toBe(first);
    second.accept();
    expect(second.sent).toHaveLength(22); // halved once (two errors on one socket count once)
    await vi.advanceTimersByTimeAsync(4000);
    expect(subscribes(second).map((m) => (m['subscription'] as { id: string }).id)).toEqual(
      Array.from({ length: 70 }, (_, i) => `lb-${i + 1}`),
    );
    expect(peak(second.times)).toBeLessThanOrEqual(22);
    for (let i = 1; i <= 70; i++) second.deliver(ack(`lb-${i}`));
    for (let i = 1; i <= 70; i++) second.deliver(page(`lb-${i}`, [], { hasMore: false }));
    expect(lives.every((l) => l.getSnapshot().status === 'ready')).toBe(true);
    expect(h.client.status$.getSnapshot()).toMatchObject({ status: 'open', lastError: undefined });
  });

  test('the pace never drops below one message per second', async () => {
    const h = harness({ maxMessagesPerSecond: 2 });
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    for (let round = 0; round < 3; round++) {
      FakeSocket.last.accept();
      FakeSocket.last.deliver({ type: 'error', subscription_id: 'rate_limit', code: 'RATE_LIMIT_EXCEEDED', message: 'Too many messages' });
      await vi.advanceTimersByTimeAsync(500);
    }
    const socket = FakeSocket.last;
    socket.accept();
    expect(socket.sent).toHaveLength(1); // authenticate
    await vi.advanceTimersByTimeAsync(1000);
    expect(subscribes(socket)).toHaveLength(1);
  });
});
