// Channel state machine with a fake port and fake timers (docs/SPEC.md "Channels" §state machine).
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ChannelRegistry } from '../../src/channel/ChannelRegistry.js';
import { resolveChannelRuntime } from '../../src/channel/channelRuntime.js';
import type { ChannelBroadcast, ChannelState } from '../../src/channel/types.js';
import { ChannelError, ConnectionError, isLivebindError } from '../../src/errors.js';
import { channelHarness } from './fakePort.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
const refused = (topic = 'room') => new ChannelError('refused', { code: 'JOIN_REFUSED', topic, reason: 'Unknown Error on Channel' });

function statuses(h: ReturnType<typeof channelHarness>, topic = 'room'): ChannelState[] {
  const seen: ChannelState[] = [];
  h.registry.channel(topic).status$.subscribe((s) => seen.push(s));
  return seen;
}

describe('sharing and lazy join', () => {
  test('creating a handle joins nothing; the first subscriber joins; the same handle per topic', async () => {
    const h = channelHarness();
    const a = h.registry.channel('room');
    expect(h.registry.channel('room')).toBe(a);
    expect(a.status$.getSnapshot().status).toBe('idle');
    expect(h.ports).toHaveLength(0);
    a.status$.subscribe(() => {});
    expect(h.port().joins).toHaveLength(1);
    expect(h.port().joins[0]!.config).toEqual({ broadcast: { ack: true, self: false }, presence: { key: '', enabled: false }, private: false });
    expect(a.status$.getSnapshot().status).toBe('joining');
    h.port().acceptJoin();
    expect(a.status$.getSnapshot()).toEqual({ status: 'joined', error: undefined, attempt: 0 });
  });

  test('conflicting options throw UsageError; omitted options share the existing channel', () => {
    const h = channelHarness();
    const a = h.registry.channel('room', { broadcast: { self: true } });
    a.status$.subscribe(() => {});
    expect(h.registry.channel('room')).toBe(a);
    expect(h.registry.channel('room', { broadcast: { self: true, ack: true } })).toBe(a); // same after defaults
    let error: unknown;
    try {
      h.registry.channel('room', { broadcast: { self: false } });
    } catch (e) {
      error = e;
    }
    expect(isLivebindError(error) && error.kind === 'usage' && error.code === 'CHANNEL_OPTIONS_CONFLICT').toBe(true);
    expect(() => h.registry.channel('room', { private: 'yes' as unknown as boolean })).toThrow(/boolean/);
  });

  test('without a channel-capable driver, channel() throws UnsupportedError at the call', () => {
    const registry = new ChannelRegistry(undefined, resolveChannelRuntime(), 'KalamDB');
    expect(() => registry.channel('room')).toThrow(expect.objectContaining({ kind: 'unsupported', capability: 'channel' }) as Error);
  });

  test('the last unsubscribe leaves after the grace period; a resubscribe within it leaves nothing (StrictMode)', async () => {
    const h = channelHarness({ graceMs: 50 });
    const ch = h.registry.channel('room');
    const sub = ch.presence$.subscribe(() => {});
    h.port().acceptJoin();
    sub.unsubscribe();
    await advance(20);
    const again = ch.presence$.subscribe(() => {});
    await advance(200);
    expect(h.port().leaves).toBe(0);
    expect(h.port().joins).toHaveLength(1);
    again.unsubscribe();
    await advance(49);
    expect(h.port().leaves).toBe(0);
    await advance(2);
    expect(h.port().leaves).toBe(1);
    expect(ch.status$.getSnapshot().status).toBe('idle');
    // Used again: joins again through the same port.
    ch.status$.subscribe(() => {});
    expect(h.ports).toHaveLength(1);
    expect(h.port().joins).toHaveLength(2);
  });

  test('presence is enabled by a presence listener; added while joined it rejoins (no leave first)', async () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    ch.broadcast$('cursor').subscribe(() => {});
    h.port().acceptJoin();
    expect(h.port().joins[0]!.config.presence.enabled).toBe(false);
    ch.presence$.subscribe(() => {});
    expect(h.port().joins).toHaveLength(2);
    expect(h.port().joins[1]!.config.presence.enabled).toBe(true);
    expect(h.port().leaves).toBe(0);
    expect(ch.status$.getSnapshot().status).toBe('joining');
    h.port().acceptJoin();
    expect(ch.status$.getSnapshot().status).toBe('joined');
  });

  test('a reply to a superseded join ref is ignored', () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    ch.status$.subscribe(() => {});
    const first = h.port().joinRef!;
    ch.presence$.subscribe(() => {}); // still joining: the join with presence happens after the reply
    h.port().sink.joined('stale-ref');
    expect(ch.status$.getSnapshot().status).toBe('joining');
    h.port().sink.joined(first);
    // joined without presence while presence is wanted → rejoins at once with it on
    expect(h.port().joins.map((j) => j.config.presence.enabled)).toEqual([false, true]);
    h.port().acceptJoin();
    expect(ch.status$.getSnapshot().status).toBe('joined');
  });
});

describe('rejoin (SPEC: errored retries, closed does not)', () => {
  test('join errors rejoin after 1000, 2000, 5000, then 10 000 ms; never a leave before a rejoin', async () => {
    const h = channelHarness();
    const seen = statuses(h);
    const port = h.port();
    const times: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) {
      port.sink.joinError(refused());
      const before = port.joins.length;
      while (port.joins.length === before) await advance(100);
      times.push(Date.now() - t0);
    }
    const gaps = times.map((t, i) => t - (times[i - 1] ?? 0));
    expect(gaps).toEqual([1000, 2000, 5000, 10000, 10000]);
    expect(port.leaves).toBe(0);
    expect(seen.filter((s) => s.status === 'errored').map((s) => s.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.find((s) => s.status === 'errored')!.error).toMatchObject({ code: 'JOIN_REFUSED', reason: 'Unknown Error on Channel' });
    port.acceptJoin();
    expect(seen.at(-1)).toEqual({ status: 'joined', error: undefined, attempt: 0 });
  });

  test('an unanswered join times out (JOIN_TIMED_OUT) and rejoins after 1000 ms', async () => {
    const h = channelHarness({ joinTimeoutMs: 10_000 });
    const seen = statuses(h);
    await advance(9_999);
    expect(seen.at(-1)!.status).toBe('joining');
    await advance(1);
    expect(seen.at(-1)).toMatchObject({ status: 'errored', attempt: 1, error: { code: 'JOIN_TIMED_OUT' } });
    await advance(1000);
    expect(h.port().joins).toHaveLength(2);
    expect(h.port().leaves).toBe(0);
  });

  test('socket lost: errored without a timer; the reopened socket rejoins at once', async () => {
    const h = channelHarness();
    const seen = statuses(h);
    h.port().acceptJoin();
    const lost = new ConnectionError('socket closed: 1006', { code: 'SOCKET_CLOSED', closeCode: 1006 });
    h.port().sink.socketClosed(lost);
    expect(seen.at(-1)).toMatchObject({ status: 'errored', error: lost });
    await advance(60_000);
    expect(h.port().joins).toHaveLength(1);
    h.port().sink.socketOpened();
    expect(h.port().joins).toHaveLength(2);
    expect(seen.at(-1)!.status).toBe('joining');
    h.port().acceptJoin();
    expect(seen.at(-1)!.status).toBe('joined');
  });

  test('a channel error (phx_error) while connected rejoins on the backoff', async () => {
    const h = channelHarness();
    statuses(h);
    h.port().acceptJoin();
    h.port().sink.errored(new ChannelError('crash', { code: 'CHANNEL_ERROR', topic: 'room' }));
    await advance(999);
    expect(h.port().joins).toHaveLength(1);
    await advance(1);
    expect(h.port().joins).toHaveLength(2);
  });

  test('repeated failures while errored keep one rejoin timer', async () => {
    const h = channelHarness();
    statuses(h);
    h.port().sink.joinError(refused());
    h.port().sink.errored(new ChannelError('crash', { code: 'CHANNEL_ERROR', topic: 'room' }));
    await advance(10_000);
    expect(h.port().joins).toHaveLength(2); // one rejoin (after 2000 ms), not two
  });

  test('a runtime kill closes the channel for good (distinct status, no rejoin) until rejoin()', async () => {
    const h = channelHarness();
    const seen = statuses(h);
    h.port().acceptJoin();
    const kill = new ChannelError('too many', { code: 'RATE_LIMITED', topic: 'room', reason: 'Too many messages per second' });
    h.port().sink.closed('killed', kill);
    expect(seen.at(-1)).toEqual({ status: 'closed', error: kill, attempt: 0 });
    await advance(120_000);
    expect(h.port().joins).toHaveLength(1);
    h.port().sink.socketOpened();
    expect(h.port().joins).toHaveLength(1);
    h.registry.channel('room').rejoin();
    expect(h.port().joins).toHaveLength(2);
    h.port().acceptJoin();
    expect(seen.at(-1)!.status).toBe('joined');
  });

  test('a token-expiry kill refreshes and rejoins at once, then backs off when it repeats, then stays closed', async () => {
    const h = channelHarness();
    const seen = statuses(h);
    const port = h.port();
    port.acceptJoin();
    const expired = () => new ChannelError('expired', { code: 'TOKEN_EXPIRED', topic: 'room', reason: 'Token has expired 3 seconds ago' });
    port.sink.closed('killed', expired());
    expect(seen.at(-1)).toMatchObject({ status: 'errored', error: { code: 'TOKEN_EXPIRED' } });
    await advance(0);
    expect(port.joins).toHaveLength(2);
    expect(port.joins[1]!.refreshToken).toBe(true);
    port.acceptJoin();
    port.sink.closed('killed', expired());
    await advance(999);
    expect(port.joins).toHaveLength(2);
    await advance(1);
    expect(port.joins).toHaveLength(3);
    port.acceptJoin();
    port.sink.closed('killed', expired());
    await advance(2000);
    expect(port.joins).toHaveLength(4);
    port.acceptJoin();
    port.sink.closed('killed', expired());
    await advance(60_000);
    expect(port.joins).toHaveLength(4);
    expect(seen.at(-1)).toMatchObject({ status: 'closed', error: { code: 'TOKEN_EXPIRED' } });
  });

  test('an ordinary server close while in use rejoins on the backoff', async () => {
    const h = channelHarness();
    const seen = statuses(h);
    h.port().acceptJoin();
    h.port().sink.closed('stopped');
    expect(seen.at(-1)).toMatchObject({ status: 'errored', error: { code: 'CHANNEL_ERROR' } });
    await advance(1000);
    expect(h.port().joins).toHaveLength(2);
  });
});

describe('registry lifetime', () => {
  test('closeAll leaves every channel and completes its observables; channel() then throws', () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    let completed = false;
    ch.status$.subscribe({ complete: () => (completed = true) });
    h.port().acceptJoin();
    h.registry.closeAll();
    expect(completed).toBe(true);
    expect(h.port().leaves).toBe(1);
    expect(() => h.registry.channel('room')).toThrow(expect.objectContaining({ code: 'CLIENT_CLOSED' }) as Error);
  });

  test('an idle channel with other options is replaced; an unused entry is evicted after its TTL', async () => {
    const h = channelHarness();
    const a = h.registry.channel('room', { broadcast: { self: true } });
    const b = h.registry.channel('room', { broadcast: { self: false } });
    expect(b).not.toBe(a);
    expect(h.registry.channel('room')).toBe(b);
    await advance(60_000);
    expect(h.registry.channel('room')).not.toBe(b);
  });
});

describe('broadcast$', () => {
  test('case-insensitive event match; "*" and no event get everything; copies are frozen', () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    const cursor: ChannelBroadcast[] = [];
    const all: ChannelBroadcast[] = [];
    ch.broadcast$('Cursor').subscribe((m) => cursor.push(m));
    ch.broadcast$('*').subscribe((m) => all.push(m));
    expect(ch.broadcast$()).toBe(ch.broadcast$('*'));
    h.port().acceptJoin();
    h.port().sink.broadcast({ event: 'CURSOR', payload: { x: 1 } });
    h.port().sink.broadcast({ event: 'chat', payload: 'hi', meta: { id: '7' } });
    expect(cursor.map((m) => m.payload)).toEqual([{ x: 1 }]);
    expect(all.map((m) => m.event)).toEqual(['CURSOR', 'chat']);
    expect(all[1]!.meta).toEqual({ id: '7' });
    expect(Object.isFrozen(all[0])).toBe(true);
    expect(ch.broadcast$('cursor').getSnapshot()).toBe(cursor[0]);
  });
});
