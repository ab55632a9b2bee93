/**
 * Bounded work on /v1/ws: no single message holds the event loop (and every other socket) for
 * long, and a client that stops reading cannot make the server buffer without limit.
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startWsHarness, type WsHarness } from './wsHarness.js';
import { WsTestClient } from './wsTestClient.js';

let h: WsHarness;
let token: string;
const alice = { id: 'alice', role: 'user' as const };

beforeAll(async () => {
  h = await startWsHarness({ outboundBufferLimitBytes: 1024 * 1024, outboundQueueLimit: 100_000, maxMessagesPerSec: 1000 });
  await h.sql(ROOT, 'CREATE NAMESPACE IF NOT EXISTS app');
  await h.sql(ROOT, "CREATE SHARED TABLE app.t (id BIGINT PRIMARY KEY, body TEXT) WITH (ACCESS_LEVEL = 'PUBLIC')");
  token = await h.token('alice');
});
afterAll(() => h.close());

describe('no message blocks the other sockets', () => {
  it('huge IN lists and deep nesting are refused with INVALID_SQL; the largest accepted parse runs off the event loop', async () => {
    const c = await WsTestClient.authed(h.url, token);
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    c.send({ type: 'subscribe', subscription: { id: 'in9k', sql: `SELECT id FROM app.t WHERE id IN (${Array.from({ length: 9000 }, (_, i) => i).join(',')})` } });
    c.send({ type: 'subscribe', subscription: { id: 'deep', sql: `SELECT id FROM app.t WHERE ${'('.repeat(20_000)}id = 1${')'.repeat(20_000)}` } });
    // Just under the length limit: the parser takes a few hundred ms, in its worker thread.
    const ids = Array.from({ length: 2000 }, (_, i) => 100_000 + i).join(',');
    c.send({ type: 'subscribe', subscription: { id: 'big', sql: `SELECT id FROM app.t WHERE id IN (${ids})` } });
    // Meanwhile another socket is served at once.
    const other = await WsTestClient.authed(h.url, token);
    const started = Date.now();
    other.send({ type: 'subscribe', subscription: { id: 'small', sql: 'SELECT id FROM app.t WHERE id = 1' } });
    const errors = [await c.next((m) => m.type === 'error' && m.subscription_id === 'in9k'), await c.next((m) => m.type === 'error' && m.subscription_id === 'deep')];
    for (const e of errors) expect(e).toMatchObject({ type: 'error', code: 'INVALID_SQL' });
    expect(JSON.stringify(errors)).toMatch(/longer than|deeper than/);
    expect(await c.next((m) => m.subscription_id === 'big')).toMatchObject({ type: 'subscription_ack' });
    expect(await other.next((m) => m.subscription_id === 'small')).toMatchObject({ type: 'subscription_ack' });
    const otherMs = Date.now() - started;
    delay.disable();
    // The parser ran beside the event loop: its longest stall stays far below the parse time.
    // (A parse of this SQL on the event loop takes ~400 ms; PGlite still runs the small load there.)
    expect(delay.max / 1e6).toBeLessThan(300);
    expect(otherMs).toBeLessThan(5000);
    c.close();
    other.close();
  });
});

describe('outbound bytes are bounded', () => {
  it('a client that stops reading is closed with 1013 once the buffered bytes pass the limit, long before the message limit', async () => {
    const c = await WsTestClient.authed(h.url, token);
    const before = h.ws.subscriptionCount();
    c.send({ type: 'subscribe', subscription: { id: 'firehose', sql: 'SELECT id, body FROM app.t' } });
    await c.next();
    const raw = (c.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    let written = 0;
    for (let batch = 0; batch < 60 && h.ws.subscriptionCount() > before; batch++) {
      const values = Array.from({ length: 10 }, (_, i) => `(${10_000 + batch * 10 + i}, '${randomBytes(48_000).toString('base64')}')`);
      await h.sql(alice, `INSERT INTO app.t (id, body) VALUES ${values.join(', ')}`);
      written += 10 * 64_000;
    }
    // Closed by bytes: 600 messages at most were sent, far under outboundQueueLimit (100,000).
    expect(h.ws.subscriptionCount()).toBe(before);
    expect(written).toBeLessThan(60 * 10 * 64_000);
    raw.resume();
    expect(await c.closed).toEqual({ code: 1013, reason: 'Notification queue overflow' });
  });
});
