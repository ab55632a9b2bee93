// The per-socket Phoenix session and the channel port, with a recording link and fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChannelConfig, ChannelSink } from '../../../src/channel/ChannelPort.js';
import type { ChannelError, LivebindError } from '../../../src/errors.js';
import { supabaseDriver } from '../../../src/protocol/supabase/supabaseDriver.js';
import type { SupabaseDriver } from '../../../src/protocol/supabase/supabaseDriver.js';
import { FakeConnection, flush, testDriver } from './fakePhoenix.js';

const config: ChannelConfig = { broadcast: { ack: true, self: false }, presence: { key: 'u1', enabled: true }, private: false };

function jwt(expSeconds: number, tag = 'a'): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none' })}.${b64({ exp: expSeconds, sub: tag })}.sig`;
}

interface Recorded {
  events: string[];
  sink: ChannelSink;
  errors: LivebindError[];
}

function recordingSink(onOpen?: () => void): Recorded {
  const events: string[] = [];
  const errors: LivebindError[] = [];
  const sink: ChannelSink = {
    joined: (ref) => events.push(`joined ${ref}`),
    joinError: (e) => (errors.push(e), events.push(`joinError ${e.code}`)),
    errored: (e) => (errors.push(e), events.push(`errored ${e.code}`)),
    socketClosed: (e) => (errors.push(e), events.push(`socketClosed ${e.code}`)),
    socketOpened: () => (events.push('socketOpened'), onOpen?.()),
    closed: (reason, kill?: ChannelError) => events.push(`closed ${kill?.code ?? reason}`),
    presenceState: (state, ref) => events.push(`state ${ref} ${Object.keys(state).join(',')}`),
    presenceDiff: (diff, ref) => events.push(`diff ${ref} +${Object.keys(diff.joins).join(',')} -${Object.keys(diff.leaves).join(',')}`),
    broadcast: (m) => events.push(`broadcast ${m.event} ${JSON.stringify(m.payload)}`),
    system: (m) => events.push(`system ${m.extension} ${m.status}`),
  };
  return { events, sink, errors };
}

let driver: SupabaseDriver;
let conn: FakeConnection;
let now = 1_000_000;

beforeEach(() => {
  vi.useFakeTimers();
  now = 1_000_000;
  driver = testDriver({ now: () => now }).driver;
  conn = new FakeConnection(driver);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('socket', () => {
  it('builds the socket URL with apikey then vsn (§1)', () => {
    expect(driver.socketUrl()).toBe('ws://127.0.0.1:1/realtime/v1/websocket?apikey=anon&vsn=2.0.0');
    expect(testDriver({ url: 'https://x.supabase.co/', apikey: 'k y', vsn: '1.0.0' }).driver.socketUrl()).toBe('wss://x.supabase.co/realtime/v1/websocket?apikey=k%20y&vsn=1.0.0');
  });

  it('opens at once: no handshake frame, the token goes in each join', () => {
    const link = conn.open();
    expect(link.opens).toBe(1);
    expect(link.sent).toEqual([]);
  });

  it('heartbeats on topic phoenix; an unanswered one marks the link dead', () => {
    const link = conn.open();
    const first = conn.session!.heartbeat();
    expect(first).toBe('[null,"1","phoenix","heartbeat",{}]');
    conn.deliver([null, '1', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
    const second = conn.session!.heartbeat();
    expect(second).toBe('[null,"2","phoenix","heartbeat",{}]');
    expect(link.deadWith).toBeUndefined();
    expect(conn.session!.heartbeat()).toBeUndefined();
    expect(link.deadWith).toMatchObject({ kind: 'connection', code: 'HEARTBEAT_TIMEOUT' });
  });

  it('a stale heartbeat reply from the previous socket does not satisfy the new one (§7 #12)', () => {
    conn.open();
    conn.session!.heartbeat(); // ref 1, never answered
    conn.drop();
    const link = conn.open();
    conn.session!.heartbeat(); // ref 2
    conn.deliver([null, '1', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
    conn.session!.heartbeat();
    expect(link.deadWith).toMatchObject({ code: 'HEARTBEAT_TIMEOUT' });
  });

  it('malformed frames break the link with a typed ProtocolError and never throw', () => {
    for (const frame of ['{nope', '[1,2]', new Uint8Array([4, 200, 0, 0, 1]), new Uint8Array([9])]) {
      const link = conn.open();
      expect(() => conn.deliver(frame)).not.toThrow();
      expect(link.brokenWith).toMatchObject({ kind: 'protocol', code: 'MALFORMED_FRAME' });
      conn.drop();
    }
  });
});

describe('channel port', () => {
  it('joins with the full config, reports joined, routes presence, broadcast and system', async () => {
    const link = conn.open();
    const rec = recordingSink();
    const port = driver.channel('room1', config, rec.sink);
    port.join({ config, refreshToken: false });
    await flush();
    const join = link.last('phx_join')!;
    expect(join.slice(0, 4)).toEqual([port.joinRef, port.joinRef, 'realtime:room1', 'phx_join']);
    expect(join[4]).toEqual({ config: { broadcast: { ack: true, self: false }, presence: { key: 'u1', enabled: true }, postgres_changes: [], private: false }, access_token: 'anon', version: 'livebind/0.1.0' }); // without auth the apikey is the token, as in supabase-js
    const ref = port.joinRef!;
    conn.deliver([ref, ref, 'realtime:room1', 'phx_reply', { status: 'ok', response: { postgres_changes: [] } }]);
    conn.deliver([ref, null, 'realtime:room1', 'presence_state', { u1: { metas: [{ phx_ref: 'F1', x: 1 }] }, bad: { metas: 'no' } }]);
    conn.deliver([null, null, 'realtime:room1', 'presence_diff', { joins: { u2: { metas: [{ phx_ref: 'F2' }] } }, leaves: {} }]);
    conn.deliver([null, null, 'realtime:room1', 'broadcast', { type: 'broadcast', event: 'cursor', payload: { x: 1 } }]);
    conn.deliver(new Uint8Array([4, 14, 2, 0, 0, ...new TextEncoder().encode('realtime:room1ev'), 1, 2]));
    conn.deliver([ref, null, 'realtime:room1', 'system', { extension: 'system', status: 'ok', message: 'hi' }]);
    conn.deliver([null, null, 'realtime:other', 'broadcast', { type: 'broadcast', event: 'x', payload: {} }]);
    expect(rec.events).toEqual([
      `joined ${ref}`,
      `state ${ref} u1`,
      `diff ${ref} +u2 -`,
      'broadcast cursor {"x":1}',
      'broadcast ev {"0":1,"1":2}',
      'system system ok',
    ]);
  });

  it('drops messages and replies of a superseded join ref (stale join_ref)', async () => {
    const link = conn.open();
    const rec = recordingSink();
    const port = driver.channel('room1', config, rec.sink);
    port.join({ config, refreshToken: false });
    await flush();
    const old = port.joinRef!;
    port.join({ config, refreshToken: false });
    await flush();
    const current = port.joinRef!;
    expect(current).not.toBe(old);
    expect(link.messages.filter((m) => m[3] === 'phx_leave')).toEqual([]); // no leave before a rejoin (§7 #12)
    conn.deliver([old, old, 'realtime:room1', 'phx_reply', { status: 'ok', response: {} }]);
    conn.deliver([old, null, 'realtime:room1', 'presence_state', { a: { metas: [{ phx_ref: 'F' }] } }]);
    conn.deliver([old, old, 'realtime:room1', 'phx_close', {}]);
    expect(rec.events).toEqual([]);
    conn.deliver([current, current, 'realtime:room1', 'phx_reply', { status: 'ok', response: {} }]);
    conn.deliver([current, null, 'realtime:room1', 'presence_state', { b: { metas: [{ phx_ref: 'G' }] } }]);
    expect(rec.events).toEqual([`joined ${current}`, `state ${current} b`]);
  });

  it('refs are never reused across sockets and replies pending on a dropped socket are forgotten', async () => {
    conn.open();
    const rec = recordingSink();
    const port = driver.channel('room1', config, rec.sink);
    port.join({ config, refreshToken: false });
    await flush();
    const first = port.joinRef!;
    expect(conn.session!.pendingReplies).toBe(1);
    conn.drop();
    conn.open();
    port.join({ config, refreshToken: false });
    await flush();
    expect(Number(port.joinRef)).toBeGreaterThan(Number(first));
    expect(conn.session!.pendingReplies).toBe(1);
    conn.deliver([first, first, 'realtime:room1', 'phx_reply', { status: 'ok', response: {} }]);
    expect(rec.events.filter((e) => e.startsWith('joined'))).toEqual([]);
  });

  it('push: acked broadcast, track and untrack replies; refused while not joined', async () => {
    const link = conn.open();
    const rec = recordingSink();
    const port = driver.channel('room1', config, rec.sink);
    const results: string[] = [];
    port.push({ kind: 'broadcast', event: 'e', payload: 1 }, { ack: true }, (e) => results.push(e?.code ?? 'ok'));
    port.join({ config, refreshToken: false });
    await flush();
    const ref = port.joinRef!;
    conn.deliver([ref, ref, 'realtime:room1', 'phx_reply', { status: 'ok', response: {} }]);
    port.push({ kind: 'broadcast', event: 'e', payload: { a: 1 } }, { ack: true }, (e) => results.push(e?.code ?? 'ok'));
    const kind3 = link.sent.at(-1) as Uint8Array;
    expect(kind3[0]).toBe(3);
    const pushRef = new TextDecoder().decode(kind3.subarray(7 + kind3[1]!, 7 + kind3[1]! + kind3[2]!));
    conn.deliver([ref, pushRef, 'realtime:room1', 'phx_reply', { status: 'error', response: 'payload_size_exceeded' }]);
    port.push({ kind: 'track', meta: { online: true } }, { ack: true }, (e) => results.push(e?.code ?? 'ok'));
    const track = link.last('presence')!;
    expect(track[4]).toEqual({ type: 'presence', event: 'track', payload: { online: true } });
    conn.deliver([ref, track[1], 'realtime:room1', 'phx_reply', { status: 'ok', response: {} }]);
    const cancel = port.push({ kind: 'untrack' }, { ack: true }, (e) => results.push(e?.code ?? 'ok'));
    cancel();
    conn.deliver([ref, link.last('presence')![1], 'realtime:room1', 'phx_reply', { status: 'ok', response: {} }]);
    expect(results).toEqual(['NOT_JOINED', 'PAYLOAD_TOO_LARGE', 'ok']);
  });

  it('a system error then phx_close is a kill with a code; phx_error errors the channel', async () => {
    conn.open();
    const rec = recordingSink();
    const port = driver.channel('room1', config, rec.sink);
    port.join({ config, refreshToken: false });
    await flush();
    const ref = port.joinRef!;
    conn.deliver([ref, ref, 'realtime:room1', 'phx_reply', { status: 'ok', response: {} }]);
    conn.deliver([ref, null, 'realtime:room1', 'system', { extension: 'system', status: 'error', message: 'Token has expired 3 seconds ago' }]);
    conn.deliver([ref, ref, 'realtime:room1', 'phx_close', {}]);
    port.join({ config, refreshToken: false });
    await flush();
    const ref2 = port.joinRef!;
    conn.deliver([ref2, ref2, 'realtime:room1', 'phx_reply', { status: 'error', response: { reason: 'ClientJoinRateLimitReached: Too many joins per second' } }]);
    conn.deliver([ref2, ref2, 'realtime:room1', 'phx_error', { reason: 'channel_crash' }]);
    expect(rec.events.slice(1)).toEqual(['system system error', 'closed TOKEN_EXPIRED', 'joinError RATE_LIMITED', 'errored CHANNEL_ERROR']);
  });

  it('a socket that closes tells the channel; the next socket opens it again (rejoin at once)', async () => {
    conn.open();
    let port: ReturnType<SupabaseDriver['channel']> | undefined;
    const rec = recordingSink(() => port?.join({ config, refreshToken: false }));
    port = driver.channel('room1', config, rec.sink);
    port.join({ config, refreshToken: false });
    await flush();
    const ref = port.joinRef!;
    conn.deliver([ref, ref, 'realtime:room1', 'phx_reply', { status: 'ok', response: {} }]);
    conn.session!.heartbeat();
    conn.session!.heartbeat(); // unanswered → dead
    expect(conn.link!.deadWith).toBeDefined();
    conn.drop();
    const link = conn.open();
    await flush();
    const rejoin = link.last('phx_join')!;
    expect(rejoin[0]).not.toBe(ref);
    conn.deliver([rejoin[0], rejoin[0], 'realtime:room1', 'phx_reply', { status: 'ok', response: {} }]);
    expect(rec.events).toEqual([`joined ${ref}`, 'socketClosed HEARTBEAT_TIMEOUT', 'socketOpened', `joined ${rejoin[0]}`]);
  });
});

describe('tokens (§3.5, §7 #3)', () => {
  it('joins carry the token, refreshed tokens are pushed as access_token to joined channels, expired ones never sent', async () => {
    now = 1_000_000_000;
    const fresh = jwt(now / 1000 + 3600, 'fresh');
    const expired = jwt(now / 1000 - 10, 'old');
    const provider = vi.fn(async () => fresh);
    driver = testDriver({ now: () => now, token: provider }).driver;
    conn = new FakeConnection(driver);
    const link = conn.open(expired);
    const rec = recordingSink();
    const joined = driver.channel('room1', config, rec.sink);
    const joining = driver.channel('room2', config, recordingSink().sink);
    joined.join({ config, refreshToken: false });
    await flush(10);
    expect(provider).toHaveBeenCalledTimes(1); // the held token was expired: refreshed before the join
    expect(link.last('phx_join')![4]['access_token']).toBe(fresh);
    conn.deliver([joined.joinRef!, joined.joinRef!, 'realtime:room1', 'phx_reply', { status: 'ok', response: {} }]);
    joining.join({ config, refreshToken: false });
    await flush(10);
    const newer = jwt(now / 1000 + 7200, 'newer');
    conn.session!.tokenChanged!(newer);
    const pushes = link.messages.filter((m) => m[3] === 'access_token');
    expect(pushes).toEqual([[joined.joinRef!, expect.any(String), 'realtime:room1', 'access_token', { access_token: newer }]]);
    conn.session!.tokenChanged!(expired);
    expect(link.messages.filter((m) => m[3] === 'access_token')).toHaveLength(1);
  });

  it('refreshes before exp while a channel is joined', async () => {
    now = 1_000_000_000;
    const soon = jwt(now / 1000 + 120, 'soon');
    const later = jwt(now / 1000 + 3600, 'later');
    const provider = vi.fn(async () => later);
    driver = testDriver({ now: () => now, tokenMarginMs: 30_000, token: provider }).driver;
    conn = new FakeConnection(driver);
    const link = conn.open(soon);
    const port = driver.channel('room1', config, recordingSink().sink);
    port.join({ config, refreshToken: false });
    await flush(10);
    expect(link.last('phx_join')![4]['access_token']).toBe(soon);
    conn.deliver([port.joinRef!, port.joinRef!, 'realtime:room1', 'phx_reply', { status: 'ok', response: {} }]);
    now += 89_000;
    vi.advanceTimersByTime(89_000);
    await flush(10);
    expect(provider).not.toHaveBeenCalled();
    now += 2_000;
    vi.advanceTimersByTime(2_000);
    await flush(10);
    expect(provider).toHaveBeenCalledTimes(1);
    expect(link.last('access_token')![4]).toEqual({ access_token: later });
  });

  it('a provider that returns an expired token fails the join with TOKEN_EXPIRED instead of sending it', async () => {
    now = 1_000_000_000;
    const expired = jwt(now / 1000 - 10);
    driver = testDriver({ now: () => now, token: async () => expired }).driver;
    conn = new FakeConnection(driver);
    const link = conn.open(expired);
    const rec = recordingSink();
    driver.channel('room1', config, rec.sink).join({ config, refreshToken: false });
    await flush(10);
    expect(link.last('phx_join')).toBeUndefined();
    expect(rec.events).toContain('joinError TOKEN_EXPIRED');
  });
});

describe('driver', () => {
  it('query/execute are unsupported, with what to use instead', async () => {
    await expect(driver.sql()).rejects.toMatchObject({ kind: 'unsupported', message: expect.stringContaining('client.liveRows(') });
  });
  it('validates its options', () => {
    expect(() => supabaseDriver({ url: 'ws://x', apikey: 'k' })).toThrow(/http\(s\) URL/);
    expect(() => supabaseDriver({ url: 'http://x', apikey: '' })).toThrow(/apikey is required/);
    expect(() => supabaseDriver({ url: 'http://x', apikey: 'k', vsn: '3.0.0' as '2.0.0' })).toThrow(/vsn/);
  });
});
