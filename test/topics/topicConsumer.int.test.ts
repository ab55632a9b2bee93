// client.topic(name).consume() against the real dev server (docs/SPEC.md §9). One server per file.
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { startDevServer } from '../../server/devServer.js';
import type { DevServer } from '../../server/devServer.js';
import { createClient } from '../../src/index.js';
import type { FetchLike, LivebindClient, TopicRecord } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql, kalamdbTopics } from '../../src/kalamdb.js';

interface Job {
  id: string;
  _table: string;
}

let server: DevServer;
let admin: LivebindClient;
let topicNo = 0;
const clients: LivebindClient[] = [];

/** Requests to the topic endpoints, with their bodies and abort signals. */
interface Sent {
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly signal: AbortSignal | undefined;
}

function worker(user = 'worker'): { client: LivebindClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const fetch: FetchLike = (url, init) => {
    const path = new URL(url).pathname;
    if (path.startsWith('/v1/api/topics/')) sent.push({ path, body: JSON.parse(init.body ?? '{}'), signal: init.signal });
    return globalThis.fetch(url, init);
  };
  const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user, password: `${user}-pass` }, topics: kalamdbTopics, fetch });
  clients.push(client);
  return { client, sent };
}

beforeAll(async () => {
  server = await startDevServer({
    quiet: true,
    users: [
      { user: 'admin', password: 'admin-pass', role: 'dba' },
      { user: 'worker', password: 'worker-pass', role: 'service' },
      { user: 'alice', password: 'alice-pass', role: 'user' },
    ],
  });
  admin = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'admin-pass' } });
  await admin.execute('CREATE NAMESPACE IF NOT EXISTS w');
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await admin?.close();
  await server?.close();
});

/** A table with an INSERT topic and `n` rows already inserted (ids 1..n). */
async function topicWithJobs(n: number): Promise<string> {
  const no = ++topicNo;
  await admin.execute(`CREATE TABLE w.jobs_${no} (id BIGINT PRIMARY KEY); CREATE TOPIC w.jobs_t${no}; ALTER TOPIC w.jobs_t${no} ADD SOURCE w.jobs_${no} ON INSERT`);
  if (n > 0) await admin.execute(`INSERT INTO w.jobs_${no} VALUES ${Array.from({ length: n }, (_, i) => `(${i + 1})`).join(', ')}`);
  return `w.jobs_t${no}`;
}

function collect(sub: { subscribe: (o: object) => Subscription }) {
  const records: TopicRecord<Job>[] = [];
  const errors: unknown[] = [];
  const subscription = sub.subscribe({ next: (r: TopicRecord<Job>) => records.push(r), error: (e: unknown) => errors.push(e) });
  return { records, errors, subscription };
}

describe('topic consumer', () => {
  test('delivers decoded records in order and polls again only after the whole batch was acked', async () => {
    const topic = await topicWithJobs(5);
    const { client, sent } = worker();
    const c = collect(client.topic(topic).consume<Job>({ group: 'g', from: 'earliest', batchSize: 2 }));
    await vi.waitFor(() => expect(c.records).toHaveLength(2));
    expect(c.records.map((r) => [r.offset, r.op, r.payload.id, r.payload._table, r.key])).toEqual([
      [0, 'insert', '1', 'w.jobs_1', '{"id":"1"}'],
      [1, 'insert', '2', 'w.jobs_1', '{"id":"2"}'],
    ]);
    expect(c.records[0]).toMatchObject({ topic, group: 'g', partition: 0 });
    // Unacked: no second poll however long we wait.
    await new Promise((r) => setTimeout(r, 300));
    expect(sent.filter((s) => s.path.endsWith('/consume'))).toHaveLength(1);
    const second = c.records[1]!.ack(); // out of order: commits nothing yet (record 0 is not acked)
    await new Promise((r) => setTimeout(r, 100));
    expect(sent.filter((s) => s.path.endsWith('/ack'))).toHaveLength(0);
    expect(c.records).toHaveLength(2);
    await Promise.all([c.records[0]!.ack(), second]);
    await vi.waitFor(() => expect(c.records).toHaveLength(4));
    expect(sent.filter((s) => s.path.endsWith('/ack')).map((s) => s.body['upto_offset'])).toEqual([1]);
    // After the first poll the consumer sends its position as {Offset: next_offset}.
    expect(sent.filter((s) => s.path.endsWith('/consume')).map((s) => s.body['start'])).toEqual(['Earliest', { Offset: 2 }]);
    c.subscription.unsubscribe();
  });

  test('await rec.ack() resolves once the commit covers it, including for an ack that waited on an earlier record', async () => {
    const topic = await topicWithJobs(3);
    const { client } = worker();
    const c = collect(client.topic(topic).consume<Job>({ group: 'g', from: 'earliest', batchSize: 3 }));
    await vi.waitFor(() => expect(c.records).toHaveLength(3));
    let lateResolved = false;
    const late = c.records[2]!.ack().then(() => (lateResolved = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(lateResolved).toBe(false);
    await Promise.all([c.records[0]!.ack(), c.records[1]!.ack(), late]);
    expect(lateResolved).toBe(true);
    c.subscription.unsubscribe();
  });

  test('at-least-once: a consumer killed mid-batch leaves its unacked records to the next consumer of the group, none skipped', async () => {
    const topic = await topicWithJobs(6);
    const first = worker();
    const a = collect(first.client.topic(topic).consume<Job>({ group: 'billing', from: 'earliest', batchSize: 4 }));
    await vi.waitFor(() => expect(a.records).toHaveLength(4));
    await a.records[0]!.ack();
    await a.records[1]!.ack();
    // Record 3 acked out of order, record 2 not: only 0..1 may count as processed.
    const orphan = a.records[3]!.ack();
    a.subscription.unsubscribe(); // killed mid-batch
    await expect(orphan).rejects.toMatchObject({ code: 'CONSUMER_CLOSED' });

    const second = worker();
    const b = collect(second.client.topic(topic).consume<Job>({ group: 'billing', from: 'latest', batchSize: 10, autoAck: true }));
    await vi.waitFor(() => expect(b.records.map((r) => r.payload.id)).toEqual(['3', '4', '5', '6']));
    expect(b.records.map((r) => r.offset)).toEqual([2, 3, 4, 5]);
    // autoAck committed the batch: a third consumer of the group gets nothing old.
    await vi.waitFor(() => expect(second.sent.filter((s) => s.path.endsWith('/ack')).map((s) => s.body['upto_offset'])).toEqual([5]));
    b.subscription.unsubscribe();
    await admin.execute(`INSERT INTO w.jobs_${topicNo} VALUES (7)`);
    const third = worker();
    const d = collect(third.client.topic(topic).consume<Job>({ group: 'billing', from: 'earliest' }));
    await vi.waitFor(() => expect(d.records.map((r) => r.payload.id)).toEqual(['7']));
    d.subscription.unsubscribe();
  });

  test('records written while the consumer waits arrive through the long poll; unsubscribe aborts the poll in flight', async () => {
    const topic = await topicWithJobs(0);
    const { client, sent } = worker();
    const c = collect(client.topic(topic).consume<Job>({ group: 'live', waitSeconds: 20, autoAck: true }));
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 100)); // the poll is now waiting on the server
    await admin.execute(`INSERT INTO w.jobs_${topicNo} VALUES (42)`);
    await vi.waitFor(() => expect(c.records.map((r) => r.payload.id)).toEqual(['42']));
    await vi.waitFor(() => expect(sent.filter((s) => s.path.endsWith('/consume')).length).toBeGreaterThanOrEqual(2));
    const inFlight = sent[sent.length - 1]!;
    expect(inFlight.path).toBe('/v1/api/topics/consume');
    expect(inFlight.signal?.aborted).toBe(false);
    c.subscription.unsubscribe();
    expect(inFlight.signal?.aborted).toBe(true);
    const count = sent.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(sent).toHaveLength(count);
    expect(c.errors).toEqual([]);
  });

  test('a user without the service, dba or system role gets an AuthError FORBIDDEN on the observable; a missing topic a QueryError NOT_FOUND', async () => {
    const topic = await topicWithJobs(1);
    const { client } = worker('alice');
    const c = collect(client.topic(topic).consume({ group: 'g' }));
    await vi.waitFor(() => expect(c.errors).toHaveLength(1));
    expect(c.errors[0]).toMatchObject({ kind: 'auth', code: 'FORBIDDEN', status: 403 });
    const missing = collect(worker().client.topic('w.nope').consume({ group: 'g' }));
    await vi.waitFor(() => expect(missing.errors).toHaveLength(1));
    expect(missing.errors[0]).toMatchObject({ kind: 'query', code: 'NOT_FOUND', status: 404 });
  });

  test('without the kalamdbTopics option topic() throws UnsupportedError', () => {
    expect(() => admin.topic('w.x')).toThrow(expect.objectContaining({ kind: 'unsupported', code: 'UNSUPPORTED', capability: 'topic' }));
  });
});
