// The protocol seam through createDriverClient with a fake protocol and a fake socket
// (docs/SPEC.md §1, §7): what the neutral Connection does for any protocol.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createDriverClient } from '../../src/createDriverClient.js';
import type { DriverClientOptions } from '../../src/createDriverClient.js';
import { ConnectionError } from '../../src/errors.js';
import type { ConnectionState } from '../../src/types.js';
import { FakeSocket } from './fakeSocket.js';
import { fakeDriver } from './fakeDriver.js';
import type { FakeDriverOptions } from './fakeDriver.js';

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

const flush = () => vi.advanceTimersByTimeAsync(0);

async function connected(driverOptions: FakeDriverOptions = {}, client: { anonymous?: boolean } = {}) {
  const protocol = fakeDriver(driverOptions);
  let n = 0;
  const states: ConnectionState[] = [];
  const common: Omit<DriverClientOptions, 'driver'> = { WebSocket: FakeSocket, random: () => 0.5 };
  const c = createDriverClient(
    client.anonymous === true ? { ...common, driver: protocol.factory } : { ...common, driver: protocol.factory, auth: () => `token-${++n}` },
  );
  c.status$.subscribe((s) => states.push(s));
  c.liveRows('anything').subscribe(() => {});
  await flush();
  return { c, protocol, states, socket: FakeSocket.last };
}

describe('a protocol without a handshake (SPEC §7)', () => {
  test('goes straight from connecting to open; the token reaches the session; queued frames flush', async () => {
    const { protocol, states, socket } = await connected();
    expect(socket.url).toBe('ws://fake.test/socket');
    protocol.context!.connection.send('queued-1');
    protocol.context!.connection.send('queued-2');
    expect(socket.sent).toEqual([]);
    socket.open();
    expect(states.map((s) => s.status)).toEqual(['idle', 'connecting', 'open']);
    expect(protocol.session.tokens).toEqual(['token-1']);
    expect(socket.sent).toEqual(['queued-1', 'queued-2']);
  });

  test('a handshake protocol sits in authenticating until the session calls opened()', async () => {
    const { protocol, states, socket } = await connected({ handshake: true });
    protocol.context!.connection.send('after-open');
    socket.open();
    expect(socket.sent).toEqual(['hello token-1']);
    expect(states.map((s) => s.status)).toEqual(['idle', 'connecting', 'authenticating']);
    protocol.session.link.opened();
    expect(states.map((s) => s.status)).toEqual(['idle', 'connecting', 'authenticating', 'open']);
    expect(socket.sent).toEqual(['hello token-1', 'after-open']);
  });
});

describe('frames both ways (SPEC §1.4)', () => {
  test('text reaches the session as a string, binary raw as bytes, in arrival order', async () => {
    const { protocol, socket } = await connected();
    socket.open();
    socket.deliver('text-1');
    socket.deliverBinary(new Uint8Array([1, 2, 3]));
    const [text, bytes] = protocol.session.received;
    expect(text).toBe('text-1');
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...(bytes as Uint8Array)]).toEqual([1, 2, 3]);
  });

  test('a session promise (asynchronous decode) holds later frames until it settles', async () => {
    const { protocol, socket } = await connected();
    socket.open();
    let release!: () => void;
    protocol.session.hold = new Promise<void>((r) => (release = r));
    socket.deliver('slow');
    socket.deliver('fast-1');
    socket.deliver('fast-2');
    await flush();
    expect(protocol.session.received).toEqual([]);
    release();
    await flush();
    expect(protocol.session.received).toEqual(['slow', 'fast-1', 'fast-2']);
  });

  test('a rejected session promise breaks the link (ProtocolError INVALID_FRAME) and reconnects', async () => {
    const { c, protocol, socket } = await connected();
    socket.open();
    protocol.session.hold = Promise.reject(new Error('bad bytes'));
    socket.deliverBinary(new Uint8Array([9]));
    await flush();
    expect(c.status$.getSnapshot()).toMatchObject({ status: 'reconnecting', lastError: { kind: 'protocol', code: 'INVALID_FRAME' } });
    expect(socket.closed).toBeDefined();
    expect(protocol.session.closedCalls).toBe(1);
  });

  test('binary frames go out as bytes; without perSecond nothing is paced', async () => {
    const { protocol, socket } = await connected();
    socket.open();
    const sent: unknown[] = [];
    socket.send = (data: string | Uint8Array) => void sent.push(data);
    for (let i = 0; i < 100; i++) protocol.session.link.send(i === 0 ? new Uint8Array([7]) : `f${i}`);
    expect(sent).toHaveLength(100);
    expect(sent[0]).toBeInstanceOf(Uint8Array);
  });

  test('perSecond paces every frame the sessions send', async () => {
    const { protocol, socket } = await connected({ perSecond: 10 });
    socket.open();
    for (let i = 0; i < 25; i++) protocol.session.link.send(`f${i}`);
    expect(socket.sent).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.sent).toHaveLength(20);
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.sent).toHaveLength(25);
  });
});

describe('heartbeat, dead links and stale links (SPEC §1.2, §7)', () => {
  test("the session's heartbeat frame goes out every heartbeatMs while open", async () => {
    const { protocol, socket } = await connected({ heartbeatMs: 1000 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(socket.sent).toEqual([]);
    socket.open();
    await vi.advanceTimersByTimeAsync(3000);
    expect(socket.sent).toEqual(['hb-1', 'hb-2', 'hb-3']);
    expect(protocol.session.heartbeats).toBe(3);
  });

  test('link.dead() reconnects with that error; the old link is then ignored; closed() comes once per socket', async () => {
    const { c, protocol, socket } = await connected();
    socket.open();
    const first = protocol.session;
    first.link.dead(new ConnectionError('No heartbeat reply; reconnecting.', { code: 'HEARTBEAT_TIMEOUT' }));
    expect(c.status$.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: 1, lastError: { code: 'HEARTBEAT_TIMEOUT' } });
    expect(first.closedCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    FakeSocket.last.open();
    expect(protocol.sessions).toHaveLength(2);
    expect(protocol.session.tokens).toEqual(['token-2']);
    // A late call of the first socket's session touches nothing.
    first.link.send('stale');
    first.link.dead(new ConnectionError('late', { code: 'HEARTBEAT_TIMEOUT' }));
    first.link.slowDown();
    expect(c.status$.getSnapshot().status).toBe('open');
    expect(FakeSocket.last.sent).toEqual([]);
    expect(first.closedCalls).toBe(1);
    await c.close();
    expect(protocol.session.closedCalls).toBe(1);
  });

  test('link.rejected() drops the socket at once and asks for a fresh token; the third failure stops the client', async () => {
    const { c, protocol, socket } = await connected({ handshake: true });
    const { AuthError } = await import('../../src/errors.js');
    socket.open();
    protocol.session.link.rejected(new AuthError('refused', { code: 'AUTH_FAILED' }));
    expect(socket.closed).toBeDefined();
    expect(c.status$.getSnapshot()).toMatchObject({ status: 'reconnecting', lastError: { code: 'AUTH_FAILED' } });
    for (const delay of [500, 1000]) {
      await vi.advanceTimersByTimeAsync(delay);
      FakeSocket.last.open();
      protocol.session.link.rejected(new AuthError('refused', { code: 'AUTH_FAILED' }));
    }
    expect(c.status$.getSnapshot()).toMatchObject({ status: 'closed', lastError: { kind: 'auth' } });
    expect(protocol.stopped).toHaveLength(1);
    expect(protocol.stopped[0]?.kind).toBe('auth');
  });

  test('a new token from the auth option reaches the open session (tokenChanged)', async () => {
    const { protocol, socket } = await connected();
    socket.open();
    await protocol.context!.token('expired'); // the provider is asked again and answers token-2
    expect(protocol.session.tokens).toEqual(['token-1', 'token-2']);
  });
});

describe('capabilities a backend lacks (SPEC §7)', () => {
  test('query/execute reject, liveRows/changes/channel throw UnsupportedError at the call', async () => {
    const protocol = fakeDriver({ without: ['liveFeed', 'sql'] });
    const c = createDriverClient({ driver: protocol.factory, auth: { token: 't' }, WebSocket: FakeSocket });
    const unsupported = (capability: string) => expect.objectContaining({ kind: 'unsupported', code: 'UNSUPPORTED', capability });
    await expect(c.query('SELECT 1')).rejects.toEqual(unsupported('sql'));
    await expect(c.execute('DELETE FROM t')).rejects.toEqual(unsupported('sql'));
    expect(() => c.liveRows('SELECT 1')).toThrow(unsupported('liveRows'));
    expect(() => c.changes('SELECT 1')).toThrow(unsupported('liveRows'));
    expect(() => c.channel('room:1')).toThrow(unsupported('channel'));
    await flush();
    expect(FakeSocket.instances).toHaveLength(0);
  });

  test('SQL comes from the driver', async () => {
    const protocol = fakeDriver();
    const c = createDriverClient({ driver: protocol.factory, auth: { token: 't' }, WebSocket: FakeSocket });
    expect(await c.query('SELECT 1')).toEqual([{ text: 'SELECT 1' }]);
    expect(await c.execute('DELETE FROM t')).toBe(1);
  });

  test('auth: required unless the driver has an anonymous token; password login only with login calls', async () => {
    expect(() => createDriverClient({ driver: fakeDriver().factory })).toThrow(expect.objectContaining({ kind: 'usage', code: 'INVALID_OPTION' }));
    expect(() => createDriverClient({ driver: fakeDriver({ without: ['login'] }).factory, auth: { user: 'u', password: 'p' } })).toThrow(
      expect.objectContaining({ kind: 'usage', code: 'INVALID_OPTION' }),
    );
    const { protocol, socket } = await connected({ anonymousToken: 'anon-key' }, { anonymous: true });
    socket.open();
    expect(protocol.session.tokens).toEqual(['anon-key']);
  });

  test('a value that is not a driver is a UsageError', () => {
    expect(() => createDriverClient({ driver: {} as never })).toThrow(expect.objectContaining({ kind: 'usage', code: 'INVALID_OPTION' }));
  });
});
