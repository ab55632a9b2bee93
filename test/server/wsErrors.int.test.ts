import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startWsHarness, type WsHarness } from './wsHarness.js';
import { WsTestClient } from './wsTestClient.js';

let h: WsHarness;
let token: string;
const alice = { id: 'alice', role: 'user' as const };

beforeAll(async () => {
  h = await startWsHarness({
    maxMessageBytes: 4096,
    maxMessagesPerSec: 20,
    maxSubscriptionsPerConnection: 3,
    maxSubscriptionsPerUser: 4,
    heldBackLimit: 5,
    outboundQueueLimit: 50,
    idleTimeoutMs: 1500,
    heartbeatIntervalMs: 100,
  });
  await h.sql(ROOT, 'CREATE NAMESPACE IF NOT EXISTS app');
  await h.sql(ROOT, 'CREATE USER TABLE app.t (id BIGINT PRIMARY KEY, body TEXT)');
  await h.sql(ROOT, "CREATE SHARED TABLE app.private (id INT PRIMARY KEY) WITH (ACCESS_LEVEL='PRIVATE')");
  token = await h.token('alice');
});
afterAll(async () => {
  await h?.close();
});

describe('invalid input closes with 1011 (§5.3)', () => {
  it.each([
    ['malformed JSON', '{"type":'],
    ['unknown type', '{"type":"explode"}'],
    ['missing field', '{"type":"subscribe"}'],
    ['wrong field type', '{"type":"subscribe","subscription":{"id":"a","sql":5}}'],
    ['SeqId as a string', '{"type":"next_batch","subscription_id":"a","last_seq_id":"12"}'],
  ])('%s', async (_name, frame) => {
    const c = await WsTestClient.authed(h.url, token);
    c.send(frame);
    const closed = await c.closed;
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(/^Invalid message: /);
  });
});

describe('errors that keep the connection (§5.3, §5.4, §6.5)', () => {
  it('binary frame → UNSUPPORTED_DATA; oversized → MESSAGE_TOO_LARGE', async () => {
    const c = await WsTestClient.authed(h.url, token);
    c.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await c.next()).toEqual({ type: 'error', subscription_id: 'protocol', code: 'UNSUPPORTED_DATA', message: 'Binary not supported' });
    c.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(5000) }));
    expect(await c.next()).toMatchObject({ type: 'error', subscription_id: 'protocol', code: 'MESSAGE_TOO_LARGE' });
    c.send({ type: 'subscribe', subscription: { id: 'ok', sql: 'SELECT id FROM app.t' } });
    expect((await c.next()).type).toBe('subscription_ack');
    c.close();
  });

  it('subscription errors: INVALID_SQL, NOT_FOUND, UNAUTHORIZED, INVALID_SUBSCRIPTION_ID', async () => {
    const c = await WsTestClient.authed(h.url, token);
    const sub = (id: string, sql: string) => c.send({ type: 'subscribe', subscription: { id, sql, options: {} } });
    sub('a', 'SELECT id FROM app.t ORDER BY id');
    expect(await c.next()).toMatchObject({ type: 'error', subscription_id: 'a', code: 'INVALID_SQL' });
    sub('b', "SELECT id FROM app.t WHERE upper(body) = 'X'");
    expect(await c.next()).toMatchObject({ type: 'error', subscription_id: 'b', code: 'INVALID_SQL' });
    sub('c', 'SELECT id FROM app.nope');
    expect(await c.next()).toEqual({ type: 'error', subscription_id: 'c', code: 'NOT_FOUND', message: 'Not found: Table not found: app.nope' });
    sub('d', 'SELECT id FROM app.private');
    expect(await c.next()).toMatchObject({ type: 'error', subscription_id: 'd', code: 'UNAUTHORIZED' });
    sub('  ', 'SELECT id FROM app.t');
    expect(await c.next()).toMatchObject({ type: 'error', subscription_id: 'invalid_subscription', code: 'INVALID_SUBSCRIPTION_ID' });
    expect(h.ws.subscriptionCount()).toBe(0);
    c.close();
  });

  it('rate limit → RATE_LIMIT_EXCEEDED, connection stays', async () => {
    const c = await WsTestClient.authed(h.url, token);
    for (let i = 0; i < 25; i++) c.send({ type: 'ping' });
    expect(await c.next()).toEqual({ type: 'error', subscription_id: 'rate_limit', code: 'RATE_LIMIT_EXCEEDED', message: 'Too many messages' });
    expect(c.closeInfo).toBeUndefined();
    c.close();
  });

  it('per-connection and per-user subscription limits', async () => {
    const c = await WsTestClient.authed(h.url, token);
    for (const id of ['1', '2', '3', '4']) c.send({ type: 'subscribe', subscription: { id, sql: 'SELECT id FROM app.t' } });
    for (let i = 0; i < 3; i++) expect((await c.next()).type).toBe('subscription_ack');
    expect(await c.next()).toMatchObject({ type: 'error', subscription_id: '4', code: 'UNSUPPORTED', message: 'Maximum subscriptions (3) per connection exceeded' });
    c.send({ type: 'subscribe', subscription: { id: '1', sql: 'SELECT body FROM app.t' } }); // replacing is not a new one
    expect((await c.next()).type).toBe('subscription_ack');
    const d = await WsTestClient.authed(h.url, token);
    d.send({ type: 'subscribe', subscription: { id: 'x', sql: 'SELECT id FROM app.t' } });
    expect((await d.next()).type).toBe('subscription_ack');
    d.send({ type: 'subscribe', subscription: { id: 'y', sql: 'SELECT id FROM app.t' } });
    expect(await d.next()).toMatchObject({ type: 'error', subscription_id: 'y', code: 'SUBSCRIPTION_LIMIT_EXCEEDED', message: 'Maximum subscriptions reached' });
    c.close();
    d.close();
    await c.until(() => h.ws.subscriptionCount() === 0);
  });
});

describe('no silent loss: 1013 (§12.3.3)', () => {
  it('a held-back buffer overflow during a load closes with 1013', async () => {
    await h.sql(alice, "INSERT INTO app.t (id, body) VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    const c = await WsTestClient.authed(h.url, token);
    c.send({ type: 'subscribe', subscription: { id: 'slow', sql: 'SELECT id FROM app.t', options: { batch_size: 1 } } });
    await c.next((m) => m.type === 'initial_data_batch');
    for (let i = 10; i < 16; i++) await h.sql(alice, `INSERT INTO app.t (id, body) VALUES (${i}, 'x')`);
    expect(await c.closed).toEqual({ code: 1013, reason: 'Notification queue overflow' });
  });

  it('an outbound queue overflow (client not reading) closes with 1013', async () => {
    const c = await WsTestClient.authed(h.url, token);
    c.send({ type: 'subscribe', subscription: { id: 'firehose', sql: 'SELECT id, body FROM app.t' } });
    await c.next();
    const raw = (c.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    for (let batch = 0; batch < 20 && h.ws.connectionCount() > 0 && h.ws.subscriptionCount() > 0; batch++) {
      const values = Array.from({ length: 10 }, (_, i) => `(${1000 + batch * 10 + i}, '${randomBytes(48_000).toString('base64')}')`);
      await h.sql(alice, `INSERT INTO app.t (id, body) VALUES ${values.join(', ')}`);
    }
    expect(h.ws.subscriptionCount()).toBe(0);
    raw.resume();
    expect(await c.closed).toEqual({ code: 1013, reason: 'Notification queue overflow' });
  });
});

describe('heartbeat (§8.1)', () => {
  it('closes silent connections with 1000, keeps pinging ones', async () => {
    const silent = await WsTestClient.authed(h.url, token);
    const alive = await WsTestClient.authed(h.url, token);
    const pinger = setInterval(() => alive.send({ type: 'ping' }), 200);
    try {
      expect(await silent.closed).toEqual({ code: 1000, reason: 'Heartbeat timeout' });
      expect(alive.closeInfo).toBeUndefined();
      expect(alive.pending()).toEqual([]);
    } finally {
      clearInterval(pinger);
      alive.close();
    }
  });
});

describe('frames (§5.3)', () => {
  it('messages ≥ 512 bytes arrive gzipped in binary frames; ?compress=false sends text', async () => {
    const big = 'y'.repeat(2000);
    const c = await WsTestClient.authed(h.url, token);
    const plain = await WsTestClient.authed(`${h.url}?compress=false`, token);
    for (const x of [c, plain]) {
      x.send({ type: 'subscribe', subscription: { id: 'g', sql: 'SELECT id, body FROM app.t WHERE id = 5000' } });
      await x.next();
    }
    await h.sql(alice, `INSERT INTO app.t (id, body) VALUES (5000, '${big}')`);
    await c.next();
    await plain.next();
    const zipped = c.received[c.received.length - 1]!;
    const text = plain.received[plain.received.length - 1]!;
    expect(zipped.binary).toBe(true);
    expect(text.binary).toBe(false);
    expect(zipped.msg).toEqual(text.msg);
    expect(zipped.msg.rows?.[0]?.['body']).toBe(big);
    const small = c.received[0]!;
    expect(small.binary).toBe(false);
    c.close();
    plain.close();
  });
});

describe('shutdown', () => {
  it('closes every socket with 1001 "Server shutting down"', async () => {
    const own = await startWsHarness();
    const t = await own.token('alice');
    const a = await WsTestClient.authed(own.url, t);
    const b = await WsTestClient.connect(own.url);
    await own.close();
    expect(await a.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(await b.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
  });
});
