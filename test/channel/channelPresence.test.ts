// Presence through a channel: presence$ snapshots, events with the grace period, track() as desired
// state (re-track after rejoin, coalescing, budget), buffered-diff diagnostics (SPEC "Channels").
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { PresenceWireMeta, PresenceWireState } from '../../src/channel/ChannelPort.js';
import type { PresenceEvent, PresenceSnapshot } from '../../src/channel/types.js';
import { ChannelError, ConnectionError } from '../../src/errors.js';
import { channelHarness } from './fakePort.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type M = Record<string, unknown>;
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
const meta = (ref: string, extra: M = {}, prev?: string): PresenceWireMeta => ({ phx_ref: ref, ...(prev ? { phx_ref_prev: prev } : {}), ...extra });
const state = (entries: Record<string, PresenceWireMeta[]>): PresenceWireState => Object.fromEntries(Object.entries(entries).map(([k, metas]) => [k, { metas }]));
const keys = (s: PresenceSnapshot<M>) => s.members.map((m) => `${m.key}:${m.connections.map((c) => c.ref).join('+')}`);
const summary = (events: PresenceEvent<M>[]) =>
  events.map((e) =>
    e.type === 'join'
      ? `join ${e.key} ${e.joined.map((c) => c.ref).join(',')}`
      : e.type === 'leave'
        ? `leave ${e.key} ${e.left.map((c) => c.ref).join(',')}`
        : `update ${e.key} ${e.updates.map((u) => `${u.previous.ref}>${u.current.ref}`).join(',')}`,
  );

function joinedWithPresence(overrides: Parameters<typeof channelHarness>[0] = {}) {
  const h = channelHarness(overrides);
  const ch = h.registry.channel('room');
  const snapshots: PresenceSnapshot<M>[] = [];
  const events: PresenceEvent<M>[] = [];
  ch.presence$.subscribe((s) => snapshots.push(s));
  ch.presenceEvents$.subscribe((e) => events.push(e));
  const port = h.port();
  const ref = port.acceptJoin();
  return { h, ch, port, ref, snapshots, events };
}

describe('presence$ and events', () => {
  test('state then diffs; snapshots are new objects per change; update is one event', () => {
    const { ch, port, ref, snapshots, events } = joinedWithPresence();
    expect(ch.presence$.getSnapshot().synced).toBe(false);
    port.sink.presenceState(state({ u1: [meta('a', { s: 1 })], u2: [meta('b'), meta('c')] }), ref);
    const s1 = ch.presence$.getSnapshot();
    expect(s1.synced).toBe(true);
    expect(keys(s1)).toEqual(['u1:a', 'u2:b+c']);
    expect(s1.get('u2')!.connections).toHaveLength(2); // one user, two tabs
    port.sink.presenceDiff({ joins: state({ u1: [meta('a2', { s: 2 }, 'a')] }), leaves: state({ u1: [meta('a', { s: 1 })] }) }, ref);
    expect(summary(events)).toEqual(['join u1 a', 'join u2 b,c', 'update u1 a>a2']);
    const s2 = ch.presence$.getSnapshot();
    expect(s2).not.toBe(s1);
    expect(s2.get('u2')).toBe(s1.get('u2')); // unchanged member keeps identity
    expect(s2.get('u1')!.meta).toEqual({ s: 2 });
    expect(s1.get('u1')!.meta).toEqual({ s: 1 }); // old snapshot untouched
    expect(snapshots.at(-1)).toBe(s2);
  });

  test('a connection that drops and returns within the grace period is an update, not leave + join', async () => {
    const { port, ref, ch, events } = joinedWithPresence({ presenceGraceMs: 2000 });
    port.sink.presenceState(state({ u1: [meta('a')], u2: [meta('b')] }), ref);
    events.length = 0;
    port.sink.presenceDiff({ joins: {}, leaves: state({ u2: [meta('b')] }) }, ref);
    expect(keys(ch.presence$.getSnapshot())).toEqual(['u1:a', 'u2:b']); // still shown
    await advance(1500);
    port.sink.presenceDiff({ joins: state({ u2: [meta('b2')] }), leaves: {} }, ref);
    expect(summary(events)).toEqual(['update u2 b>b2']);
    expect(keys(ch.presence$.getSnapshot())).toEqual(['u1:a', 'u2:b2']);
    // One that stays away leaves when its grace period ends.
    port.sink.presenceDiff({ joins: {}, leaves: state({ u1: [meta('a')] }) }, ref);
    await advance(1999);
    expect(keys(ch.presence$.getSnapshot())).toEqual(['u1:a', 'u2:b2']);
    await advance(1);
    expect(summary(events)).toEqual(['update u2 b>b2', 'leave u1 a']);
    expect(keys(ch.presence$.getSnapshot())).toEqual(['u2:b2']);
  });

  test('our own reconnect: others stay (no flap); the new state after rejoin settles it', async () => {
    const { port, ref, ch, events } = joinedWithPresence({ presenceGraceMs: 3000 });
    port.sink.presenceState(state({ u1: [meta('a')], u2: [meta('b')] }), ref);
    events.length = 0;
    port.sink.socketClosed(new ConnectionError('lost', { code: 'SOCKET_CLOSED' }));
    expect(ch.presence$.getSnapshot().synced).toBe(false);
    expect(keys(ch.presence$.getSnapshot())).toEqual(['u1:a', 'u2:b']);
    port.sink.socketOpened();
    const ref2 = port.acceptJoin();
    // u2 dropped too while we were away and came back with a new ref; u1 is gone.
    port.sink.presenceState(state({ u2: [meta('b9')] }), ref2);
    expect(ch.presence$.getSnapshot().synced).toBe(true);
    expect(summary(events)).toEqual(['update u2 b>b9']); // u2 reconnected: one update; u1's leave is held
    expect(keys(ch.presence$.getSnapshot())).toEqual(['u1:a', 'u2:b9']);
    await advance(3000);
    expect(summary(events)).toEqual(['update u2 b>b9', 'leave u1 a']);
    expect(keys(ch.presence$.getSnapshot())).toEqual(['u2:b9']);
  });

  test('graceMs 0 reports leaves at once', () => {
    const { port, ref, events } = joinedWithPresence({ presenceGraceMs: 0 });
    port.sink.presenceState(state({ u1: [meta('a')] }), ref);
    port.sink.presenceDiff({ joins: {}, leaves: state({ u1: [meta('a')] }) }, ref);
    expect(summary(events)).toEqual(['join u1 a', 'leave u1 a']);
  });

  test('diffs that stay buffered without a state give a typed diagnostic', async () => {
    const { h, port, ref } = joinedWithPresence({ bufferedDiffWarnMs: 5000 });
    port.sink.presenceDiff({ joins: state({ u1: [meta('a')] }), leaves: {} }, ref);
    await advance(4999);
    expect(h.diagnostics).toEqual([]);
    await advance(1);
    expect(h.diagnostics).toEqual([expect.objectContaining({ code: 'PRESENCE_DIFFS_WITHOUT_STATE', topic: 'room' })]);
  });

  test('the state arriving in time cancels the diagnostic', async () => {
    const { h, port, ref, ch } = joinedWithPresence({ bufferedDiffWarnMs: 5000 });
    port.sink.presenceDiff({ joins: state({ u1: [meta('a')] }), leaves: {} }, ref);
    port.sink.presenceState({}, ref);
    await advance(10_000);
    expect(h.diagnostics).toEqual([]);
    expect(keys(ch.presence$.getSnapshot())).toEqual(['u1:a']);
  });
});

describe('track() as desired state', () => {
  test('track joins an idle channel with presence on, sends once joined, resolves on the ack', async () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    let done = false;
    void ch.track({ name: 'ann' }).then(() => (done = true));
    const port = h.port();
    expect(port.joins[0]!.config.presence.enabled).toBe(true);
    expect(port.pushes).toHaveLength(0);
    port.acceptJoin();
    expect(port.open().map((p) => p.message)).toEqual([{ kind: 'track', meta: { name: 'ann' } }]);
    await advance(0);
    expect(done).toBe(false);
    port.ackAll();
    await advance(0);
    expect(done).toBe(true);
  });

  test('re-sent after every rejoin (latest meta)', () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    void ch.track({ v: 1 });
    const port = h.port();
    port.acceptJoin();
    port.ackAll();
    void ch.track({ v: 2 });
    port.ackAll();
    port.sink.socketClosed(new ConnectionError('lost', { code: 'SOCKET_CLOSED' }));
    port.sink.socketOpened();
    port.acceptJoin();
    expect(port.open().map((p) => p.message)).toEqual([{ kind: 'track', meta: { v: 2 } }]);
    expect(port.open()[0]!.joinRef).toBe(port.joinRef);
  });

  test('coalesced: calls while one push is in flight collapse into the latest', async () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    const results: string[] = [];
    void ch.track({ v: 1 }).then(() => results.push('v1'));
    const port = h.port();
    port.acceptJoin();
    void ch.track({ v: 2 }).then(() => results.push('v2'));
    void ch.track({ v: 3 }).then(() => results.push('v3'));
    expect(port.open()).toHaveLength(1);
    port.ackAll();
    expect(port.open().map((p) => p.message)).toEqual([{ kind: 'track', meta: { v: 3 } }]);
    port.ackAll();
    await advance(0);
    expect(results).toEqual(['v1', 'v2', 'v3']);
    expect(port.pushes).toHaveLength(2);
  });

  test('stays within the presence budget (5 per 30 s): the 6th update waits for the window', async () => {
    const h = channelHarness({ presenceBudget: { count: 5, windowMs: 30_000 } });
    const ch = h.registry.channel('room');
    const port = h.port;
    void ch.track({ v: 0 });
    port().acceptJoin();
    for (let v = 1; v <= 4; v++) {
      port().ackAll();
      void ch.track({ v });
    }
    port().ackAll();
    expect(port().pushes).toHaveLength(5);
    await advance(1000);
    void ch.track({ v: 5 });
    void ch.track({ v: 6 });
    expect(port().pushes).toHaveLength(5);
    await advance(28_999);
    expect(port().pushes).toHaveLength(5);
    await advance(1);
    expect(port().pushes).toHaveLength(6);
    expect(port().pushes[5]!.message).toEqual({ kind: 'track', meta: { v: 6 } });
  });

  test('an identical re-track sends nothing (no budget spent) and resolves', async () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    void ch.track({ v: 1 });
    const port = h.port();
    port.acceptJoin();
    port.ackAll();
    await expect(ch.track({ v: 1 })).resolves.toBeUndefined();
    expect(port.pushes).toHaveLength(1);
  });

  test('untrack sends untrack and releases the channel (leave after grace)', async () => {
    const h = channelHarness({ graceMs: 50 });
    const ch = h.registry.channel('room');
    void ch.track({ v: 1 });
    const port = h.port();
    port.acceptJoin();
    port.ackAll();
    const untracked = ch.untrack();
    expect(port.open().map((p) => p.message)).toEqual([{ kind: 'untrack' }]);
    port.ackAll();
    await expect(untracked).resolves.toBeUndefined();
    await advance(50);
    expect(port.leaves).toBe(1);
    await expect(ch.untrack()).resolves.toBeUndefined(); // nothing tracked: at once
  });

  test('a rejected track rejects with its ChannelError and is not retried in a loop', async () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    const p = ch.track({ big: 'x' });
    const port = h.port();
    port.acceptJoin();
    port.open()[0]!.done(new ChannelError('too large', { code: 'PAYLOAD_TOO_LARGE', topic: 'room' }));
    await expect(p).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await advance(60_000);
    expect(port.pushes).toHaveLength(1);
  });

  test('an unacknowledged track push rejects TIMED_OUT (from the push) and is re-sent on the next join', async () => {
    const h = channelHarness({ pushTimeoutMs: 5000 });
    const ch = h.registry.channel('room');
    const p = ch.track({ v: 1 });
    await advance(20_000); // not joined yet: the caller waits, no timeout runs
    const port = h.port();
    port.acceptJoin();
    const rejected = expect(p).rejects.toMatchObject({ code: 'TIMED_OUT' });
    await advance(5000);
    await rejected;
    expect(port.open()).toEqual([]);
    port.sink.errored(new ChannelError('crash', { code: 'CHANNEL_ERROR', topic: 'room' }));
    await advance(1000);
    port.acceptJoin();
    expect(port.open().map((x) => x.message)).toEqual([{ kind: 'track', meta: { v: 1 } }]);
  });

  test('a kill rejects waiting callers with the kill error; the meta is tracked again after rejoin()', async () => {
    const h = channelHarness();
    const ch = h.registry.channel('room');
    const p = ch.track({ v: 1 });
    const port = h.port();
    port.acceptJoin();
    const kill = new ChannelError('limit', { code: 'PRESENCE_RATE_LIMITED', topic: 'room' });
    port.sink.closed('killed', kill);
    await expect(p).rejects.toBe(kill);
    ch.rejoin();
    port.acceptJoin();
    expect(port.open().map((x) => x.message)).toEqual([{ kind: 'track', meta: { v: 1 } }]);
  });
});
