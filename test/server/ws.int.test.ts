import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ROOT, startWsHarness, type WsHarness } from './wsHarness.js';
import { RowView, WsTestClient } from './wsTestClient.js';

let h: WsHarness;
let aliceToken: string;
const alice = { id: 'alice', role: 'user' as const };
const bob = { id: 'bob', role: 'user' as const };

beforeAll(async () => {
  h = await startWsHarness({ authTimeoutMs: 300 });
  await h.sql(ROOT, 'CREATE NAMESPACE IF NOT EXISTS app');
  await h.sql(ROOT, 'CREATE USER TABLE app.items (id BIGINT PRIMARY KEY, name TEXT, qty INT, note TEXT)');
  await h.sql(ROOT, "CREATE SHARED TABLE app.board (id INT PRIMARY KEY, msg TEXT) WITH (ACCESS_LEVEL='PUBLIC')");
  aliceToken = await h.token('alice');
});
afterAll(async () => {
  await h?.close();
});

describe('authentication (§5.2)', () => {
  it('message auth echoes the protocol; a missing protocol defaults to json/gzip', async () => {
    const c = await WsTestClient.connect(h.url);
    c.send({ type: 'authenticate', method: 'jwt', token: aliceToken });
    expect(await c.next()).toEqual({ type: 'auth_success', user: 'alice', role: 'user', protocol: { serialization: 'json', compression: 'gzip' }, livebind: { resume_deletes: true } });
    c.send({ type: 'authenticate', method: 'jwt', token: 'whatever', protocol: { serialization: 'json', compression: 'none' } });
    expect((await c.next()).type).toBe('auth_success');
    c.close();
  });

  it('a bad token gets auth_error and close 1008', async () => {
    const c = await WsTestClient.connect(h.url);
    c.send({ type: 'authenticate', method: 'jwt', token: 'not-a-jwt', protocol: { serialization: 'json', compression: 'gzip' } });
    expect(await c.next()).toEqual({ type: 'auth_error', message: 'Invalid credentials' });
    expect(await c.closed).toEqual({ code: 1008, reason: 'Authentication failed' });
  });

  it('times out without an authenticate message', async () => {
    const c = await WsTestClient.connect(h.url);
    const m = await c.next();
    expect(m.type).toBe('auth_error');
    expect(m.message).toContain('Authentication timeout');
    expect((await c.closed).code).toBe(1008);
  });

  it('header auth: good token → immediate auth_success, bad token → HTTP 401', async () => {
    const c = await WsTestClient.connect(h.url, { Authorization: `Bearer ${aliceToken}` });
    expect((await c.next()).type).toBe('auth_success');
    c.close();
    await expect(WsTestClient.connect(h.url, { Authorization: 'Bearer nope' })).rejects.toThrow('HTTP 401');
  });

  it('other paths get 404', async () => {
    const ws = new WebSocket(h.url.replace('/v1/ws', '/v1/other'));
    const status = await new Promise<number | undefined>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.once('error', () => resolve(undefined));
    });
    expect(status).toBe(404);
  });

  it('subscribe before auth → AUTH_REQUIRED', async () => {
    const c = await WsTestClient.connect(h.url);
    c.send({ type: 'subscribe', subscription: { id: 's', sql: 'SELECT * FROM app.items' } });
    expect(await c.next()).toMatchObject({ type: 'error', subscription_id: 'subscribe', code: 'AUTH_REQUIRED' });
    c.close();
  });
});

describe('live changes (§6.4, §7.6)', () => {
  it('delivers insert, update (changed columns only) and delete shapes; USER tables are isolated', async () => {
    const c = await WsTestClient.authed(h.url, aliceToken);
    c.send({ type: 'subscribe', subscription: { id: 'live', sql: 'SELECT id, name AS title, qty, note FROM app.items' } });
    const ack = await c.next();
    expect(ack).toMatchObject({ type: 'subscription_ack', subscription_id: 'live', total_rows: 0, batch_control: { status: 'ready', has_more: false } });
    expect(ack['schema']).toEqual([
      { name: 'id', data_type: 'BigInt', index: 0, flags: ['pk', 'nn'] },
      { name: 'title', data_type: 'Text', index: 1 },
      { name: 'qty', data_type: 'Int', index: 2 },
      { name: 'note', data_type: 'Text', index: 3 },
    ]);
    await h.sql(bob, "INSERT INTO app.items (id, name, qty) VALUES (1, 'bob-row', 1)");
    await h.sql(alice, "INSERT INTO app.items (id, name, qty, note) VALUES (1, 'pen', 2, 'blue')");
    const ins = await c.next();
    expect(ins).toMatchObject({ type: 'change', subscription_id: 'live', change_type: 'insert', rows: [{ id: '1', title: 'pen', qty: 2, note: 'blue' }] });
    const insSeq = ins.rows?.[0]?.['_seq'] as string;
    expect(typeof insSeq).toBe('string');
    await h.sql(alice, 'UPDATE app.items SET qty = 3, note = NULL WHERE id = 1');
    const upd = await c.next();
    expect(upd.change_type).toBe('update');
    const updSeq = upd.rows?.[0]?.['_seq'] as string;
    expect(BigInt(updSeq) > BigInt(insSeq)).toBe(true);
    expect(upd.rows).toEqual([{ _seq: updSeq, id: '1', title: 'pen', qty: 3 }]);
    expect(upd.old_values).toEqual([{ _seq: insSeq, id: '1', qty: 2, note: 'blue' }]);
    await h.sql(alice, 'DELETE FROM app.items WHERE id = 1');
    const del = await c.next();
    expect(del.change_type).toBe('delete');
    expect(del.rows).toBeUndefined();
    expect(del.old_values?.[0]).toMatchObject({ id: '1', title: 'pen', qty: 3, note: null });
    expect(BigInt(del.old_values?.[0]?.['_seq'] as string) > BigInt(updSeq)).toBe(true);
    expect(c.pending()).toEqual([]);
    c.close();
  });

  it('SHARED tables reach every reader; SELECT * deletes carry _deleted: true', async () => {
    const a = await WsTestClient.authed(h.url, aliceToken);
    const b = await WsTestClient.authed(h.url, await h.token('bob'));
    for (const c of [a, b]) {
      c.send({ type: 'subscribe', subscription: { id: 'board', sql: 'SELECT * FROM app.board' } });
      await c.next((m) => m.type === 'subscription_ack');
    }
    await h.sql(alice, "INSERT INTO app.board (id, msg) VALUES (7, 'hi')");
    await h.sql(alice, 'DELETE FROM app.board WHERE id = 7');
    for (const c of [a, b]) {
      expect(await c.next()).toMatchObject({ change_type: 'insert', rows: [{ id: 7, msg: 'hi', _deleted: false }] });
      expect(await c.next()).toMatchObject({ change_type: 'delete', old_values: [{ id: 7, msg: 'hi', _deleted: true }] });
      c.close();
    }
  });

  it('WHERE-filtered subscriptions: rows moving in arrive as insert, moving out as delete (§12.3.1)', async () => {
    const c = await WsTestClient.authed(h.url, aliceToken);
    c.send({ type: 'subscribe', subscription: { id: 'big', sql: 'SELECT id, name FROM app.items WHERE qty >= 10 AND name IS NOT NULL', options: {} } });
    await c.load('big');
    await h.sql(alice, "INSERT INTO app.items (id, name, qty) VALUES (20, 'a', 1), (21, 'b', 50)");
    expect(await c.next()).toMatchObject({ change_type: 'insert', rows: [{ id: '21', name: 'b' }] });
    await h.sql(alice, 'UPDATE app.items SET qty = 11 WHERE id = 20');
    const moveIn = await c.next();
    expect(moveIn).toMatchObject({ change_type: 'insert', rows: [{ id: '20', name: 'a' }] });
    expect(moveIn.old_values).toBeUndefined();
    await h.sql(alice, 'UPDATE app.items SET qty = 2 WHERE id = 21');
    const moveOut = await c.next();
    expect(moveOut.change_type).toBe('delete');
    expect(moveOut.old_values?.[0]).toMatchObject({ id: '21', name: 'b' });
    expect(moveOut.old_values?.[0]).not.toHaveProperty('_deleted');
    await h.sql(alice, 'UPDATE app.items SET qty = 3 WHERE id = 21');
    await h.sql(alice, "UPDATE app.items SET name = 'aa' WHERE id = 20");
    expect(await c.next()).toMatchObject({ change_type: 'update', rows: [{ id: '20', name: 'aa' }], old_values: [{ id: '20', name: 'a' }] });
    expect(c.pending()).toEqual([]);
    // The view equals re-running the query.
    const view = new RowView('id');
    c.close();
    const d = await WsTestClient.authed(h.url, aliceToken);
    d.send({ type: 'subscribe', subscription: { id: 'big', sql: 'SELECT id, name FROM app.items WHERE qty >= 10 AND name IS NOT NULL', options: {} } });
    for (const m of (await d.load('big')).pages) view.apply(m);
    expect(view.snapshot()).toEqual([{ id: '20', name: 'aa' }]);
    d.close();
  });

  it('unsubscribe has no reply and stops changes; unknown ids are ignored; reusing an id replaces', async () => {
    const c = await WsTestClient.authed(h.url, aliceToken);
    const startedBefore = h.ws.subscriptionsStarted();
    c.send({ type: 'subscribe', subscription: { id: 'x', sql: 'SELECT id FROM app.items WHERE id = 100' } });
    await c.next();
    expect(h.ws.subscriptionsStarted()).toBe(startedBefore + 1);
    c.send({ type: 'subscribe', subscription: { id: 'x', sql: 'SELECT id FROM app.items WHERE id = 101' } });
    await c.next();
    expect(h.ws.subscriptionCount()).toBe(1);
    // Cumulative: the replacement counts as a new subscription, the replaced one is not subtracted.
    expect(h.ws.subscriptionsStarted()).toBe(startedBefore + 2);
    c.send({ type: 'unsubscribe', subscription_id: 'nope' });
    c.send({ type: 'next_batch', subscription_id: 'nope' });
    await h.sql(alice, 'INSERT INTO app.items (id, qty) VALUES (100, 1), (101, 1)');
    expect(await c.next()).toMatchObject({ subscription_id: 'x', rows: [{ id: '101' }] });
    c.send({ type: 'unsubscribe', subscription_id: 'x' });
    c.send({ type: 'ping' });
    await c.until(() => h.ws.subscriptionCount() === 0);
    expect(h.ws.subscriptionsStarted()).toBe(startedBefore + 2);
    await h.sql(alice, 'UPDATE app.items SET qty = 5 WHERE id = 101');
    c.send({ type: 'subscribe', subscription: { id: 'probe', sql: 'SELECT id FROM app.items WHERE id = 100' } });
    expect(await c.next()).toMatchObject({ type: 'subscription_ack', subscription_id: 'probe' });
    expect(h.ws.subscriptionsStarted()).toBe(startedBefore + 3);
    c.close();
  });
});
