// createClient({ driver }) with the KalamDB driver from `livebind/kalamdb` behaves like the
// default createClient({ url, auth }) (docs/SPEC.md §7); KalamDB has no channels.
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createClient } from '../../src/index.js';
import { kalamdbDriver } from '../../src/kalamdb.js';
import { FakeSocket } from '../connection/fakeSocket.js';
import { ack, page } from '../connection/clientHarness.js';

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

const binaryDecoder = (bytes: Uint8Array): string => new TextDecoder().decode(bytes[0] === 0x1f ? gunzipSync(bytes) : bytes);

describe('createClient({ driver: kalamdbDriver(...) })', () => {
  test('authenticates, subscribes and materializes like the default form', async () => {
    const client = createClient({
      driver: kalamdbDriver({ url: 'http://db.test:8080', compress: false, binaryDecoder, pingIntervalMs: 0 }),
      auth: { token: 'tok' },
      WebSocket: FakeSocket,
    });
    const live = client.liveRows<{ id: string; body: string | null }>('SELECT * FROM app.t');
    live.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(0);
    const socket = FakeSocket.last;
    expect(socket.url).toBe('ws://db.test:8080/v1/ws?compress=false');
    socket.accept();
    expect(socket.messages.map((m) => m['type'])).toEqual(['authenticate', 'subscribe']);
    expect(socket.messages[0]).toMatchObject({ token: 'tok', protocol: { compression: 'none' } });
    socket.deliver(ack('lb-1', { hasMore: true }));
    socket.deliver(page('lb-1', [{ id: '1', body: 'x', _seq: '7' }], { hasMore: false }));
    expect(live.getSnapshot()).toMatchObject({ status: 'ready', size: 1, seq: 7n });
    expect(live.getSnapshot().rows).toEqual([{ id: '1', body: 'x' }]);
    await client.close();
  });

  test('one driver value serves two clients with separate state', async () => {
    const driver = kalamdbDriver({ url: 'http://db.test:8080', binaryDecoder });
    const a = createClient({ driver, auth: { token: 'a' }, WebSocket: FakeSocket });
    const b = createClient({ driver, auth: { token: 'b' }, WebSocket: FakeSocket });
    a.liveRows('SELECT 1 AS id').subscribe(() => {});
    b.liveRows('SELECT 2 AS id').subscribe(() => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSocket.instances).toHaveLength(2);
    for (const s of FakeSocket.instances) s.accept();
    const subscribes = FakeSocket.instances.map((s) => s.messages.find((m) => m['type'] === 'subscribe'));
    expect(subscribes.map((m) => (m?.['subscription'] as { id: string }).id)).toEqual(['lb-1', 'lb-1']);
    await Promise.all([a.close(), b.close()]);
  });

  test('bad KalamDB options fail at the driver call', () => {
    expect(() => kalamdbDriver({ url: '' })).toThrow(expect.objectContaining({ kind: 'usage', code: 'INVALID_OPTION' }));
    expect(() => kalamdbDriver({ url: 'http://x', maxMessagesPerSecond: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

describe('capabilities KalamDB lacks', () => {
  test('channel() throws UnsupportedError UNSUPPORTED at the call, and opens nothing', async () => {
    const client = createClient({ url: 'http://db.test:8080', auth: { token: 't' }, WebSocket: FakeSocket });
    expect(() => client.channel('room:1')).toThrow(expect.objectContaining({ kind: 'unsupported', code: 'UNSUPPORTED', capability: 'channel' }));
    expect(() => client.channel('room:1')).toThrow(/not available over kalamdb/);
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSocket.instances).toHaveLength(0);
  });

  test('an unknown protocol name is a UsageError that points at { driver }', () => {
    expect(() => createClient({ url: 'http://x', auth: { token: 't' }, protocol: 'supabase' as 'kalamdb' })).toThrow(/\{ driver \}/);
  });
});
