// Connection lifecycle through createClient with a fake socket and fake timers (docs/SPEC.md §1).
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { FakeSocket } from './fakeSocket.js';
import { ack, harness } from './clientHarness.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const flush = () => vi.advanceTimersByTimeAsync(0);

describe('lazy connect and authentication (SPEC §1.1)', () => {
  test('no socket until the first live subscriber; getSnapshot starts nothing', async () => {
    const h = harness();
    const live = h.client.liveRows('SELECT * FROM app.t');
    expect(live.getSnapshot().status).toBe('loading');
    await flush();
    expect(FakeSocket.instances).toHaveLength(0);
    expect(h.client.status$.getSnapshot().status).toBe('idle');
    live.subscribe(() => {});
    await flush();
    expect(FakeSocket.instances).toHaveLength(1);
    expect(FakeSocket.last.url).toBe('ws://db.test:8080/v1/ws');
    expect(h.states.map((s) => s.status)).toEqual(['idle', 'connecting']);
  });

  test('authenticates with a message, then flushes the queued subscribe', async () => {
    const h = harness();
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    const socket = FakeSocket.last;
    socket.open();
    expect(socket.messages).toEqual([
      { type: 'authenticate', method: 'jwt', token: 'token-1', protocol: { serialization: 'json', compression: 'gzip' } },
    ]);
    expect(h.client.status$.getSnapshot().status).toBe('authenticating');
    socket.deliver({ type: 'auth_success', user: 'alice', role: 'user', protocol: { serialization: 'json', compression: 'gzip' } });
    expect(h.client.status$.getSnapshot()).toEqual({ status: 'open', lastError: undefined, attempt: 0 });
    expect(socket.messages[1]).toEqual({ type: 'subscribe', subscription: { id: 'lb-1', sql: 'SELECT * FROM app.t', options: { batch_size: 10000 } } });
  });

  test('compress: false asks the server for plain frames and says so in authenticate', async () => {
    const h = harness({ compress: false });
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    expect(FakeSocket.last.url).toBe('ws://db.test:8080/v1/ws?compress=false');
    FakeSocket.last.open();
    expect(FakeSocket.last.messages[0]?.['protocol']).toEqual({ serialization: 'json', compression: 'none' });
  });
});

describe('keepalive (SPEC §1.2)', () => {
  test('sends {"type":"ping"} every 5 s while open, none before and after', async () => {
    const h = harness();
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    const socket = FakeSocket.last;
    socket.open();
    await vi.advanceTimersByTimeAsync(6000);
    expect(socket.sent.filter((f) => f === '{"type":"ping"}')).toHaveLength(0); // not authenticated yet
    socket.deliver({ type: 'auth_success', user: 'a', role: 'user' });
    await vi.advanceTimersByTimeAsync(15000);
    expect(socket.sent.filter((f) => f === '{"type":"ping"}')).toHaveLength(3);
    socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(400);
    expect(socket.sent.filter((f) => f === '{"type":"ping"}')).toHaveLength(3);
  });

  test('where Ping frames exist (ws in Node), a link with no Pong and no frames is declared dead', async () => {
    class PingSocket extends FakeSocket {
      pings = 0;
      pong: (() => void) | undefined;
      ping(): void {
        this.pings++;
      }
      on(_event: 'pong', fn: () => void): void {
        this.pong = fn;
      }
    }
    const h = harness({ WebSocket: PingSocket });
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    const socket = FakeSocket.last as PingSocket;
    socket.accept();
    await vi.advanceTimersByTimeAsync(10000);
    expect(socket.pings).toBe(2);
    socket.pong?.(); // alive
    await vi.advanceTimersByTimeAsync(10000);
    expect(h.client.status$.getSnapshot().status).toBe('open');
    await vi.advanceTimersByTimeAsync(5000); // third silent interval
    expect(h.client.status$.getSnapshot()).toMatchObject({ status: 'reconnecting' });
    expect(h.client.status$.getSnapshot().lastError?.code).toBe('PING_TIMEOUT');
    expect(socket.closed).toBeDefined();
  });

  test('without Ping frames (browsers) silence alone never closes the socket', async () => {
    const h = harness();
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    FakeSocket.last.accept();
    await vi.advanceTimersByTimeAsync(120000);
    expect(h.client.status$.getSnapshot().status).toBe('open');
  });

  test('pingIntervalMs: 0 disables pings', async () => {
    const h = harness({ pingIntervalMs: 0 });
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    FakeSocket.last.accept();
    await vi.advanceTimersByTimeAsync(60000);
    expect(FakeSocket.last.sent.some((f) => f.includes('ping'))).toBe(false);
  });
});

describe('reconnect (SPEC §1.3)', () => {
  test('backoff 1 s, 2 s, 4 s … with jitter, fresh token each time, reset after success', async () => {
    // A 30 s cap to see the doubling (the default caps at 2.5 s: backoff.test.ts).
    const h = harness({ random: () => 0.5, reconnect: { maxDelayMs: 30000 } });
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    FakeSocket.last.accept();
    expect(h.tokenCalls).toBe(1);

    const expected = [500, 1000, 2000, 4000, 8000, 15000, 15000];
    for (const [i, delay] of expected.entries()) {
      FakeSocket.last.serverClose(1006, 'abnormal');
      const before = FakeSocket.instances.length;
      expect(h.client.status$.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: i + 1 });
      expect(h.client.status$.getSnapshot().lastError?.code).toBe('SOCKET_CLOSED');
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(FakeSocket.instances.length).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(FakeSocket.instances.length).toBe(before + 1);
      expect(h.tokenCalls).toBe(i + 2); // the provider is asked on every reconnect, never cached
    }
    FakeSocket.last.accept();
    expect(h.client.status$.getSnapshot()).toEqual({ status: 'open', lastError: undefined, attempt: 0 });
    FakeSocket.last.serverClose(1000, 'Heartbeat timeout');
    await vi.advanceTimersByTimeAsync(500);
    FakeSocket.last.open();
    expect(FakeSocket.last.sent[0]).toContain('"token":"token-9"');
  });

  test('the reconnect delay never exceeds the capped exponential bound (full jitter)', async () => {
    const h = harness({ random: () => 0.999 });
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    for (let attempt = 0; attempt < 8; attempt++) {
      const before = FakeSocket.instances.length;
      FakeSocket.last.serverClose(1006);
      await vi.advanceTimersByTimeAsync(Math.min(2500, 1000 * 2 ** attempt));
      expect(FakeSocket.instances.length).toBe(before + 1);
    }
  });

  test('a connect attempt that hangs times out and retries', async () => {
    harness({ connectTimeoutMs: 10000 }).client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    const first = FakeSocket.last;
    await vi.advanceTimersByTimeAsync(10000);
    expect(first.closed).toBeDefined();
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSocket.instances).toHaveLength(2);
  });

  test('credentials that never arrive (hung login or provider) time out and retry too', async () => {
    let calls = 0;
    const h = harness({
      connectTimeoutMs: 10000,
      auth: () => (++calls === 1 ? new Promise<string>(() => {}) : 'ok-token'),
    });
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    expect(FakeSocket.instances).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10000);
    expect(h.client.status$.getSnapshot()).toMatchObject({ status: 'reconnecting', lastError: { code: 'CONNECT_TIMEOUT' } });
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toBe(2);
    FakeSocket.last.accept();
    expect(h.client.status$.getSnapshot().status).toBe('open');
  });

  test('1008 asks for fresh credentials; three auth failures in a row stop with an AuthError', async () => {
    const h = harness();
    const live = h.client.liveRows('SELECT * FROM app.t');
    live.subscribe(() => {});
    await flush();
    for (let i = 0; i < 3; i++) {
      FakeSocket.last.open();
      FakeSocket.last.deliver({ type: 'auth_error', message: 'Invalid credentials' });
      FakeSocket.last.serverClose(1008, 'Authentication failed');
      if (i < 2) await vi.advanceTimersByTimeAsync([500, 1000][i]!);
    }
    await vi.advanceTimersByTimeAsync(60000);
    expect(h.tokenCalls).toBe(3);
    expect(FakeSocket.instances).toHaveLength(3);
    const state = h.client.status$.getSnapshot();
    expect(state.status).toBe('closed');
    expect(state.lastError?.kind).toBe('auth');
    expect(state.lastError?.message).not.toContain('token-');
    expect(live.getSnapshot().status).toBe('error');
    expect(live.getSnapshot().error?.kind).toBe('auth');
  });

  test('a live query started after authentication gave up ends in status error at once (not loading for ever)', async () => {
    const h = harness();
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    for (let i = 0; i < 3; i++) {
      FakeSocket.last.open();
      FakeSocket.last.serverClose(1008, 'Authentication failed');
      if (i < 2) await vi.advanceTimersByTimeAsync([500, 1000][i]!);
    }
    expect(h.client.status$.getSnapshot().status).toBe('closed');
    const later = h.client.liveRows('SELECT * FROM app.other');
    later.subscribe(() => {});
    expect(later.getSnapshot().status).toBe('error');
    expect(later.getSnapshot().error?.kind).toBe('auth');
    let error: unknown;
    h.client.changes('SELECT * FROM app.other').subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toMatchObject({ kind: 'auth' });
  });

  test('a provider that throws counts as an auth failure, then recovers', async () => {
    let calls = 0;
    const h = harness({
      auth: () => {
        calls++;
        if (calls === 1) throw new Error('offline');
        return 'ok-token';
      },
    });
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    await flush();
    expect(FakeSocket.instances).toHaveLength(0);
    expect(h.client.status$.getSnapshot().lastError?.code).toBe('AUTH_PROVIDER_FAILED');
    await vi.advanceTimersByTimeAsync(500);
    FakeSocket.last.accept();
    expect(FakeSocket.last.sent[0]).toContain('ok-token');
    expect(h.client.status$.getSnapshot().status).toBe('open');
  });

  test('close() stops everything: no reconnect, observables complete', async () => {
    const h = harness();
    let completed = 0;
    h.client.liveRows('SELECT * FROM app.t').subscribe({ complete: () => completed++ });
    h.client.status$.subscribe({ complete: () => completed++ });
    await flush();
    FakeSocket.last.accept();
    await h.client.close();
    expect(FakeSocket.last.closed?.code).toBe(1000);
    expect(h.client.status$.getSnapshot().status).toBe('closed');
    expect(completed).toBe(2);
    await vi.advanceTimersByTimeAsync(60000);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  test('close() from a status listener as the socket drops: no reconnect timer survives it', async () => {
    const h = harness();
    h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
    h.client.status$.subscribe(({ status }) => {
      if (status === 'reconnecting') void h.client.close();
    });
    await flush();
    FakeSocket.last.accept();
    FakeSocket.last.serverClose(1006);
    await flush();
    expect(h.client.status$.getSnapshot().status).toBe('closed');
    await vi.advanceTimersByTimeAsync(60000);
    expect(FakeSocket.instances).toHaveLength(1);
  });
});

describe('frames (SPEC §1.4)', () => {
  test('gzip binary frames are decoded in order with text frames', async () => {
    const { gzipSync } = await import('node:zlib');
    const h = harness();
    const live = h.client.liveRows('SELECT * FROM app.t');
    live.subscribe(() => {});
    await flush();
    const socket = FakeSocket.last;
    socket.accept();
    socket.deliverBinary(new Uint8Array(gzipSync(ack('lb-1', { hasMore: false }))));
    socket.deliver(`{"type":"initial_data_batch","subscription_id":"lb-1","rows":[{"id":"1","body":"x","_seq":"5"}],"batch_control":{"batch_num":0,"has_more":false,"status":"ready","last_seq_id":5}}`);
    expect(live.getSnapshot().status).toBe('ready');
    expect(live.getSnapshot().rows).toEqual([{ id: '1', body: 'x' }]);
  });
});
