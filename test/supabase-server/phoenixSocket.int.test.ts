/**
 * The Phoenix socket of the dev server frame by frame (spec §1–§3.4), with a bare `ws` client:
 * paths and handshake errors, heartbeats, join replies, routing errors, leave, duplicate joins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawPhoenix, upgradeStatus } from './rawPhoenix.js';
import { startRealtimeHarness, type RealtimeHarness } from './realtimeHarness.js';

let h: RealtimeHarness;
let base: string;

beforeAll(async () => {
  h = await startRealtimeHarness();
  base = h.server.url.replace('http:', 'ws:');
  await h.sql('admin', 'CREATE USER TABLE app.todos (id BIGINT PRIMARY KEY, title TEXT, done BOOLEAN)');
});
afterAll(async () => {
  await h.close();
});

describe('one upgrade router for both protocols', () => {
  it('serves both Supabase paths, keeps /v1/ws, and answers unknown paths with 404 and no upgrade', async () => {
    expect((await upgradeStatus(`${base}/realtime/v1/websocket?apikey=k&vsn=2.0.0`)).status).toBe(101);
    expect((await upgradeStatus(`${base}/socket/websocket?apikey=k`)).status).toBe(101);
    expect((await upgradeStatus(`${base}/v1/ws`)).status).toBe(101);
    const unknown = await upgradeStatus(`${base}/realtime/v1/nope?apikey=k`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error).toMatch(/No WebSocket endpoint/);
    expect((await upgradeStatus(`${base}/`)).status).toBe(404);
  });

  it('refuses a missing apikey (401) and an unknown vsn (400) with a JSON error body', async () => {
    const noKey = await upgradeStatus(`${base}/realtime/v1/websocket?vsn=2.0.0`);
    expect(noKey.status).toBe(401);
    expect(JSON.parse(noKey.body).error).toMatch(/apikey/);
    const badVsn = await upgradeStatus(`${base}/realtime/v1/websocket?apikey=k&vsn=3.0.0`);
    expect(badVsn.status).toBe(400);
    expect(JSON.parse(badVsn.body).error).toMatch(/Unsupported serializer version/);
  });
});

describe('vsn 1.0.0 (JSON objects, join_ref stripped) — the default', () => {
  it('replies to heartbeats on topic phoenix and joins with the bindings echoed', async () => {
    const s = await rawPhoenix(`${base}/socket/websocket?apikey=k`);
    s.send({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '1' });
    expect(await s.next((f) => f.ref === '1')).toEqual({ topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} }, ref: '1' });
    const binding = { event: 'INSERT', schema: 'app', table: 'todos', filter: 'id=eq.1' };
    s.send({ topic: 'realtime:r1', event: 'phx_join', payload: { config: { postgres_changes: [binding] }, access_token: h.tokens.alice }, ref: '2', join_ref: '2' });
    const reply = await s.next((f) => f.ref === '2');
    expect(reply).not.toHaveProperty('join_ref');
    expect(reply.payload.status).toBe('ok');
    expect(reply.payload.response.postgres_changes).toEqual([{ ...binding, id: expect.any(Number) }]);
    const system = await s.next((f) => f.event === 'system');
    expect(system.payload).toEqual({ extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL', channel: 'r1' });
    s.close();
  });
});

describe('vsn 2.0.0 (JSON arrays)', () => {
  it('heartbeat, join reply, presence_state, then one system message per binding in order', async () => {
    const s = await rawPhoenix(`${base}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
    s.send([null, '10', 'phoenix', 'heartbeat', {}]);
    expect(await s.next((f) => f[1] === '10')).toEqual([null, '10', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
    const bindings = [
      { event: '*', schema: 'app', table: 'todos' },
      { event: 'UPDATE', schema: 'app', table: 'todos', filter: 'id=in.(1,2)' },
      { event: 'DELETE', schema: 'app', table: 'missing' },
      { event: 'INSERT', schema: 'app', table: 'todos', filter: 'id=bogus.1' },
    ];
    s.send(['6', '6', 'realtime:room1', 'phx_join', { config: { presence: { key: 'k1', enabled: true }, postgres_changes: bindings }, access_token: h.tokens.alice }]);
    const reply = await s.next((f) => f[1] === '6');
    expect(reply.slice(0, 4)).toEqual(['6', '6', 'realtime:room1', 'phx_reply']);
    const echoed = reply[4].response.postgres_changes as { id: number }[];
    expect(echoed.map(({ id: _id, ...rest }) => rest)).toEqual(bindings);
    expect(echoed.every((b) => Number.isInteger(b.id))).toBe(true);
    await s.next((f) => f[3] === 'system' && f[4].message.startsWith('Error parsing'));
    const after = s.texts().slice(s.texts().indexOf(reply) + 1);
    expect(after[0]).toEqual(['6', null, 'realtime:room1', 'presence_state', {}]);
    expect(after.slice(1, 5).map((f) => [f[3], f[4].status, f[4].message.split(/[:.]/)[0]])).toEqual([
      ['system', 'ok', 'Subscribed to PostgreSQL'],
      ['system', 'ok', 'Subscribed to PostgreSQL'],
      ['system', 'error', 'Unable to subscribe to changes with given parameters'],
      ['system', 'error', 'Error parsing `filter` params'],
    ]);
    s.close();
  });

  it('the same binding params always get the same id', async () => {
    const s = await rawPhoenix(`${base}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
    const b = { event: '*', schema: 'app', table: 'todos', filter: 'id=gt.3' };
    s.send(['1', '1', 'realtime:a', 'phx_join', { config: { postgres_changes: [b, { ...b, filter: 'id=gt.4' }] }, access_token: h.tokens.bob }]);
    s.send(['2', '2', 'realtime:b', 'phx_join', { config: { postgres_changes: [b] }, access_token: h.tokens.alice }]);
    const r1 = await s.next((f) => f[1] === '1');
    const r2 = await s.next((f) => f[1] === '2');
    expect(r1[4].response.postgres_changes[0].id).toBe(r2[4].response.postgres_changes[0].id);
    expect(r1[4].response.postgres_changes[1].id).not.toBe(r1[4].response.postgres_changes[0].id);
    s.close();
  });

  it('a push to an unjoined topic gets "unmatched topic"; a stale join_ref is ignored', async () => {
    const s = await rawPhoenix(`${base}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
    s.send(['1', '2', 'realtime:nowhere', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
    expect(await s.next((f) => f[1] === '2')).toEqual([null, '2', 'realtime:nowhere', 'phx_reply', { status: 'error', response: { reason: 'unmatched topic' } }]);
    s.send(['3', '3', 'realtime:r', 'phx_join', { config: { broadcast: { ack: true } } }]);
    await s.next((f) => f[1] === '3');
    s.send(['old', '4', 'realtime:r', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
    s.send(['3', '5', 'realtime:r', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
    await s.next((f) => f[1] === '5');
    expect(s.texts().some((f) => f[1] === '4')).toBe(false);
    s.close();
  });

  it('phx_leave → ok, then phx_close with the join_ref as ref', async () => {
    const s = await rawPhoenix(`${base}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
    s.send(['7', '7', 'realtime:r', 'phx_join', {}]);
    await s.next((f) => f[1] === '7');
    s.send(['7', '8', 'realtime:r', 'phx_leave', {}]);
    expect(await s.next((f) => f[1] === '8')).toEqual(['7', '8', 'realtime:r', 'phx_reply', { status: 'ok', response: {} }]);
    expect(await s.next((f) => f[3] === 'phx_close')).toEqual(['7', '7', 'realtime:r', 'phx_close', {}]);
    s.send(['7', '9', 'realtime:r', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
    expect((await s.next((f) => f[1] === '9'))[4].response.reason).toBe('unmatched topic');
    s.close();
  });

  it('a duplicate join closes the old join_ref first', async () => {
    const s = await rawPhoenix(`${base}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
    s.send(['1', '1', 'realtime:dup', 'phx_join', {}]);
    await s.next((f) => f[1] === '1');
    s.send(['2', '2', 'realtime:dup', 'phx_join', {}]);
    const reply = await s.next((f) => f[1] === '2');
    const texts = s.texts();
    const close = texts.findIndex((f) => f[3] === 'phx_close');
    expect(texts[close]).toEqual(['1', '1', 'realtime:dup', 'phx_close', {}]);
    expect(close).toBeLessThan(texts.indexOf(reply));
    expect(reply[4].status).toBe('ok');
    s.close();
  });

  it('join errors come joinErrorDelayMs late: empty topic, bad token, private without a token', async () => {
    const s = await rawPhoenix(`${base}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
    s.send(['1', '1', 'realtime:', 'phx_join', {}]);
    s.send(['2', '2', 'realtime:x', 'phx_join', { access_token: 'not-a-jwt' }]);
    s.send(['3', '3', 'realtime:y', 'phx_join', { access_token: `${h.tokens.alice.slice(0, -4)}AAAA` }]);
    s.send(['4', '4', 'realtime:z', 'phx_join', { config: { private: true } }]);
    const reason = async (ref: string): Promise<string> => (await s.next((f) => f[1] === ref))[4].response.reason;
    expect(await reason('1')).toBe('TopicNameRequired: You must provide a topic name');
    expect(await reason('2')).toMatch(/^MalformedJWT: /);
    expect(await reason('3')).toMatch(/^JwtSignatureError: /);
    expect(await reason('4')).toMatch(/^Unauthorized: You do not have permissions to read from this Channel topic: z/);
    expect(s.texts().filter((f) => f[3] === 'phx_reply').every((f) => f[4].status === 'error')).toBe(true);
    s.close();
  });

  it('a join to a topic outside realtime:* gets "unmatched topic"', async () => {
    const s = await rawPhoenix(`${base}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
    s.send(['1', '1', 'room:1', 'phx_join', {}]);
    expect((await s.next((f) => f[1] === '1'))[4]).toEqual({ status: 'error', response: { reason: 'unmatched topic' } });
    s.close();
  });
});
