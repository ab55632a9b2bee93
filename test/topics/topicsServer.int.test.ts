import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../server/devServer.js';
import { login, request, sql, startHttpTestServer, type HttpTestServer } from '../server/httpTestClient.js';

let t: HttpTestServer;
const consume = (token: string, body: Record<string, unknown>) => request(t.server, 'POST', '/v1/api/topics/consume', { body, token });
const ack = (token: string, body: Record<string, unknown>) => request(t.server, 'POST', '/v1/api/topics/ack', { body, token });
const decode = (m: { payload: string }): Record<string, unknown> => JSON.parse(Buffer.from(m.payload, 'base64').toString('utf8'));

beforeAll(async () => {
  t = await startHttpTestServer([
    { user: 'admin', role: 'dba' },
    { user: 'worker', role: 'service' },
    { user: 'alice', role: 'user' },
  ]);
  const r = await sql(
    t.server,
    t.tokens['admin']!,
    `CREATE NAMESPACE app;
     CREATE SHARED TABLE app.messages (id BIGINT PRIMARY KEY, room TEXT, body TEXT);
     CREATE USER TABLE app.notes (id INT PRIMARY KEY, body TEXT);
     CREATE TOPIC app.new_messages;
     ALTER TOPIC app.new_messages ADD SOURCE app.messages ON INSERT WHERE room = 'lobby';
     ALTER TOPIC app.new_messages ADD SOURCE app.messages ON DELETE WITH (payload = 'key');
     CREATE TOPIC app.edits PARTITIONS 4;
     ALTER TOPIC app.edits ADD SOURCE app.messages ON UPDATE WITH (payload = 'diff');
     CREATE TOPIC app.notes_feed;
     ALTER TOPIC app.notes_feed ADD SOURCE app.notes ON INSERT`,
  );
  expect(r.status, r.text).toBe(200);
});

afterAll(async () => {
  await t.server.close();
});

describe('topic DDL', () => {
  it('refuses bad topic DDL with INVALID_SQL / SQL_EXECUTION_ERROR / TABLE_NOT_FOUND and non-admins with PERMISSION_DENIED', async () => {
    const admin = t.tokens['admin']!;
    const cases: [string, string][] = [
      ['CREATE TOPIC app.x PARTITIONS 0', 'INVALID_SQL'],
      ['CREATE TOPIC app.new_messages', 'SQL_EXECUTION_ERROR'],
      ['ALTER TOPIC app.nope ADD SOURCE app.messages ON INSERT', 'SQL_EXECUTION_ERROR'],
      ['ALTER TOPIC app.new_messages ADD SOURCE app.nope ON INSERT', 'TABLE_NOT_FOUND'],
      ['ALTER TOPIC app.new_messages ADD SOURCE app.messages ON UPSERT', 'INVALID_SQL'],
      ['ALTER TOPIC app.new_messages ADD SOURCE app.messages ON INSERT WHERE nope = 1', 'INVALID_SQL'],
      ["ALTER TOPIC app.new_messages ADD SOURCE app.messages ON INSERT WITH (payload = 'all')", 'INVALID_SQL'],
    ];
    for (const [text, code] of cases) {
      const r = await sql(t.server, admin, text);
      expect([text, r.json.error?.code]).toEqual([text, code]);
    }
    expect((await sql(t.server, admin, 'CREATE TOPIC IF NOT EXISTS app.new_messages')).status).toBe(200);
    const denied = await sql(t.server, t.tokens['worker']!, 'CREATE TOPIC app.mine');
    expect(denied.json.error.code).toBe('PERMISSION_DENIED');
  });
});

describe('consume and ack', () => {
  it('feeds matching changes as records in offset order; start applies until the group commits; ack is inclusive', async () => {
    const admin = t.tokens['admin']!;
    const worker = t.tokens['worker']!;
    await sql(t.server, admin, `INSERT INTO app.messages VALUES (1, 'lobby', 'hi'), (2, 'other', 'skip'), (3, 'lobby', 'there')`);
    await sql(t.server, admin, `DELETE FROM app.messages WHERE id = 2`);
    const r = await consume(worker, { topic_id: 'app.new_messages', group_id: 'g1', start: 'Earliest', limit: 10 });
    expect(r.status, r.text).toBe(200);
    expect(r.json.messages.map((m: { offset: number; op: string }) => [m.offset, m.op])).toEqual([
      [0, 'Insert'],
      [1, 'Insert'],
      [2, 'Delete'],
    ]);
    const [first] = r.json.messages;
    expect(first).toMatchObject({ topic_id: 'app.new_messages', partition_id: 0, key: '{"id":"1"}' });
    expect(typeof first.timestamp_ms).toBe('number');
    expect(first.user).toBeUndefined();
    expect(decode(first)).toMatchObject({ id: '1', room: 'lobby', body: 'hi', _table: 'app.messages' });
    expect(typeof decode(first)['_seq']).toBe('string');
    expect(decode(r.json.messages[2])).toEqual({ id: '2' });
    expect(r.json).toMatchObject({ next_offset: 3, has_more: false });

    // No commit yet: the same group starts again at Earliest.
    const again = await consume(worker, { topic_id: 'app.new_messages', group_id: 'g1', start: 'Earliest', limit: 2 });
    expect(again.json.messages.map((m: { offset: number }) => m.offset)).toEqual([0, 1]);
    expect(again.json.has_more).toBe(true);

    const a = await ack(worker, { topic_id: 'app.new_messages', group_id: 'g1', partition_id: 0, upto_offset: 1 });
    expect(a.json).toEqual({ success: true, acknowledged_offset: 1 });
    // Committed: start is ignored, resumes at last_acked + 1.
    const rest = await consume(worker, { topic_id: 'app.new_messages', group_id: 'g1', start: 'Earliest' });
    expect(rest.json.messages.map((m: { offset: number }) => m.offset)).toEqual([2]);
    // An older ack does not rewind the group.
    expect((await ack(worker, { topic_id: 'app.new_messages', group_id: 'g1', upto_offset: 0 })).json.acknowledged_offset).toBe(1);

    // Latest for a new group: past everything; {Offset: n} for another.
    const latest = await consume(worker, { topic_id: 'app.new_messages', group_id: 'g2' });
    expect(latest.json).toMatchObject({ messages: [], next_offset: 3 });
    const fromOffset = await consume(worker, { topic_id: 'app.new_messages', group_id: 'g3', start: { Offset: 2 } });
    expect(fromOffset.json.messages.map((m: { offset: number }) => m.offset)).toEqual([2]);
  });

  it('diff payloads on a partitioned topic, and the owner of USER-table rows as user', async () => {
    const admin = t.tokens['admin']!;
    const worker = t.tokens['worker']!;
    await sql(t.server, admin, `UPDATE app.messages SET body = 'changed' WHERE id = 1`);
    const found = [];
    for (let p = 0; p < 4; p++) {
      const r = await consume(worker, { topic_id: 'app.edits', group_id: 'g', start: 'Earliest', partition_id: p });
      found.push(...r.json.messages);
    }
    expect(found).toHaveLength(1);
    const payload = decode(found[0]);
    expect(payload).toMatchObject({ id: '1', body: 'changed', _table: 'app.messages' });
    expect(payload['room']).toBeUndefined();
    expect((await consume(worker, { topic_id: 'app.edits', group_id: 'g', partition_id: 4 })).json.code).toBe('INVALID_INPUT');

    await sql(t.server, t.tokens['alice']!, `INSERT INTO app.notes VALUES (1, 'mine')`);
    const notes = await consume(worker, { topic_id: 'app.notes_feed', group_id: 'g', start: 'Earliest' });
    expect(notes.json.messages[0].user).toBe('alice');
  });

  it('long-polls up to timeout_seconds and answers as soon as a record arrives', async () => {
    const worker = t.tokens['worker']!;
    const hi = (await consume(worker, { topic_id: 'app.new_messages', group_id: 'lp', start: 'Latest' })).json.next_offset;
    const pending = consume(worker, { topic_id: 'app.new_messages', group_id: 'lp', start: { Offset: hi }, timeout_seconds: 20 });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await sql(t.server, t.tokens['admin']!, `INSERT INTO app.messages VALUES (10, 'lobby', 'wake')`);
    const r = await pending;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.json.messages.map((m: { offset: number }) => m.offset)).toEqual([hi]);
    // Empty and short: answers after the wait.
    const t0 = Date.now();
    const empty = await consume(worker, { topic_id: 'app.new_messages', group_id: 'lp2', timeout_seconds: 0.3 });
    expect(empty.json.messages).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('errors: roles, auth, missing topic, bad bodies, acks past the end', async () => {
    const worker = t.tokens['worker']!;
    const forbidden = await consume(t.tokens['alice']!, { topic_id: 'app.new_messages', group_id: 'g' });
    expect([forbidden.status, forbidden.json]).toEqual([403, { error: 'Topic consumption requires service, dba, or system role', code: 'FORBIDDEN' }]);
    expect((await ack(t.tokens['alice']!, { topic_id: 'app.new_messages', group_id: 'g', upto_offset: 0 })).status).toBe(403);
    expect((await request(t.server, 'POST', '/v1/api/topics/consume', { body: {} })).status).toBe(401);
    const missing = await consume(worker, { topic_id: 'app.nope', group_id: 'g' });
    expect([missing.status, missing.json.code]).toEqual([404, 'NOT_FOUND']);
    expect((await ack(worker, { topic_id: 'app.nope', group_id: 'g', upto_offset: 0 })).status).toBe(404);
    for (const body of [
      { topic_id: 'app.new_messages' },
      { topic_id: 'app.new_messages', group_id: 'g', limit: 0 },
      { topic_id: 'app.new_messages', group_id: 'g', start: 'middle' },
      { topic_id: 'app.new_messages', group_id: 'g', start: { Offset: -1 } },
      { topic_id: 'app.new_messages', group_id: 'g', timeout_seconds: 'long' },
    ]) {
      const r = await consume(worker, body);
      expect([JSON.stringify(body), r.status, r.json.code]).toEqual([JSON.stringify(body), 400, 'INVALID_INPUT']);
    }
    expect((await ack(worker, { topic_id: 'app.new_messages', group_id: 'g', upto_offset: 1_000_000 })).json.code).toBe('INVALID_INPUT');
    const big = await request(t.server, 'POST', '/v1/api/topics/consume', { raw: JSON.stringify({ pad: 'x'.repeat(70_000) }), token: worker, headers: { 'content-type': 'application/json' } });
    expect(big.status).toBe(413);
    // limit is capped at 1000.
    const capped = await consume(worker, { topic_id: 'app.new_messages', group_id: 'cap', start: 'Earliest', limit: 5000 });
    expect(capped.status).toBe(200);
  });
});

describe('persistence', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livebind-topics-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps topics, sources, records and group offsets across a restart with dataDir', async () => {
    const users = [{ user: 'admin', password: 'pw', role: 'dba' as const }];
    const first = await startDevServer({ quiet: true, dataDir: dir, users });
    try {
      const token = await login(first, 'admin', 'pw');
      await sql(first, token, `CREATE NAMESPACE app; CREATE TABLE app.jobs (id INT PRIMARY KEY); CREATE TOPIC app.jobs_t; ALTER TOPIC app.jobs_t ADD SOURCE app.jobs ON INSERT`);
      await sql(first, token, `INSERT INTO app.jobs VALUES (1), (2), (3)`);
      const r = await request(first, 'POST', '/v1/api/topics/ack', { token, body: { topic_id: 'app.jobs_t', group_id: 'w', upto_offset: 1 } });
      expect(r.json.acknowledged_offset).toBe(1);
    } finally {
      await first.close();
    }
    const second = await startDevServer({ quiet: true, dataDir: dir, users });
    try {
      const token = await login(second, 'admin', 'pw');
      const r = await request(second, 'POST', '/v1/api/topics/consume', { token, body: { topic_id: 'app.jobs_t', group_id: 'w', start: 'Earliest' } });
      expect(r.json.messages.map((m: { offset: number }) => m.offset)).toEqual([2]);
      await sql(second, token, `INSERT INTO app.jobs VALUES (4)`);
      const next = await request(second, 'POST', '/v1/api/topics/consume', { token, body: { topic_id: 'app.jobs_t', group_id: 'w', start: 'Earliest' } });
      expect(next.json.messages.map((m: { offset: number }) => m.offset)).toEqual([2, 3]);
    } finally {
      await second.close();
    }
  });
});
