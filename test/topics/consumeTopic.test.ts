// The topic consumer core (src/topics/consumeTopic.ts, docs/SPEC.md §9) over fake TopicCalls and fake timers.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ConnectionError, createClient, QueryError } from '../../src/index.js';
import type { TopicAck, TopicBatch, TopicCalls, TopicPoll, TopicRecord } from '../../src/index.js';
import { kalamdbTopics } from '../../src/kalamdb.js';
import { supabaseDriver } from '../../src/supabase.js';
import { decodePayload } from '../../src/protocol/kalamdb/topics.js';
import { topicHandle } from '../../src/topics/consumeTopic.js';
import { defaultTimers } from '../../src/connection/timers.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

type Reply<T> = T | Error;

/** TopicCalls answering from scripted replies (an empty batch once the script runs out). */
function fakeCalls(polls: Reply<TopicBatch>[], acks: Reply<number>[] = []) {
  const sentPolls: { req: TopicPoll; signal: AbortSignal }[] = [];
  const sentAcks: TopicAck[] = [];
  const calls: TopicCalls = {
    poll: async (req, signal) => {
      sentPolls.push({ req, signal });
      const r = polls.shift() ?? { messages: [], nextOffset: 0 };
      if (r instanceof Error) throw r;
      return r;
    },
    ack: async (req) => {
      sentAcks.push(req);
      const r = acks.shift() ?? req.upto;
      if (r instanceof Error) throw r;
      return r;
    },
  };
  return { calls, sentPolls, sentAcks };
}

const batch = (...offsets: number[]): TopicBatch => ({
  messages: offsets.map((offset) => ({ partition: 0, offset, key: `{"id":"${offset}"}`, timestampMs: 1, user: undefined, op: 'insert', payload: { id: String(offset) } })),
  nextOffset: (offsets[offsets.length - 1] ?? -1) + 1,
});
const netError = () => new ConnectionError('down', { code: 'NETWORK_ERROR' });

function start(calls: TopicCalls, options: Parameters<ReturnType<typeof topicHandle>['consume']>[0]) {
  const records: TopicRecord[] = [];
  const errors: unknown[] = [];
  const sub = topicHandle('app.t', calls, defaultTimers).consume(options).subscribe({ next: (r) => records.push(r), error: (e) => errors.push(e) });
  return { records, errors, sub };
}

describe('consume options', () => {
  test('bad options throw UsageError INVALID_OPTION at consume()', () => {
    const h = topicHandle('app.t', fakeCalls([]).calls, defaultTimers);
    for (const bad of [{}, { group: '' }, { group: 'g', from: 'middle' }, { group: 'g', from: -1 }, { group: 'g', batchSize: 0 }, { group: 'g', batchSize: 1001 }, { group: 'g', waitSeconds: 31 }]) {
      expect(() => h.consume(bad as never), JSON.stringify(bad)).toThrow(expect.objectContaining({ kind: 'usage', code: 'INVALID_OPTION' }));
    }
    expect(() => topicHandle('', fakeCalls([]).calls, defaultTimers)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  test('the first poll carries from/batchSize/partition/waitSeconds; later polls the position after the batch', async () => {
    const f = fakeCalls([batch(7, 8)]);
    const c = start(f.calls, { group: 'g', from: 7, batchSize: 2, partition: 3, waitSeconds: 5, autoAck: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(f.sentPolls.map((p) => p.req)).toEqual([
      { topic: 'app.t', group: 'g', partition: 3, start: { offset: 7 }, limit: 2, waitSeconds: 5 },
      { topic: 'app.t', group: 'g', partition: 3, start: { offset: 9 }, limit: 2, waitSeconds: 5 },
    ]);
    expect(c.records.map((r) => [r.topic, r.group, r.offset, r.payload])).toEqual([
      ['app.t', 'g', 7, { id: '7' }],
      ['app.t', 'g', 8, { id: '8' }],
    ]);
    c.sub.unsubscribe();
  });
});

describe('backpressure and commits', () => {
  test('autoAck commits a batch with one ack request for its last offset, then polls again', async () => {
    const f = fakeCalls([batch(0, 1, 2), batch(3)]);
    const c = start(f.calls, { group: 'g', autoAck: true, idleDelayMs: 1000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(f.sentAcks.map((a) => a.upto)).toEqual([2, 3]);
    expect(c.records).toHaveLength(4);
    c.sub.unsubscribe();
  });

  test('manual acks: nothing is committed past an unacked record, and the next poll waits for the whole batch', async () => {
    const f = fakeCalls([batch(0, 1, 2), batch(3)]);
    const c = start(f.calls, { group: 'g' });
    await vi.advanceTimersByTimeAsync(0);
    const [r0, r1, r2] = c.records;
    const acked: number[] = [];
    void r2!.ack().then(() => acked.push(2));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(f.sentAcks).toEqual([]);
    expect(f.sentPolls).toHaveLength(1);
    void r0!.ack().then(() => acked.push(0));
    await vi.advanceTimersByTimeAsync(0);
    expect(f.sentAcks.map((a) => a.upto)).toEqual([0]);
    expect(f.sentPolls).toHaveLength(1);
    void r1!.ack().then(() => acked.push(1));
    await vi.advanceTimersByTimeAsync(0);
    expect(f.sentAcks.map((a) => a.upto)).toEqual([0, 2]);
    expect(acked.sort()).toEqual([0, 1, 2]);
    expect(f.sentPolls).toHaveLength(2);
    expect(c.records.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    await expect(r0!.ack()).resolves.toBeUndefined(); // already committed
    c.sub.unsubscribe();
  });

  test('an empty batch answered at once waits idleDelayMs before the next poll', async () => {
    const f = fakeCalls([]);
    const c = start(f.calls, { group: 'g', idleDelayMs: 1000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(f.sentPolls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(f.sentPolls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.sentPolls).toHaveLength(2);
    c.sub.unsubscribe();
  });
});

describe('failures and unsubscribe', () => {
  test('network trouble is retried with backoff (500 ms doubling); after maxRetries the observable errors', async () => {
    const f = fakeCalls([netError(), batch(0), netError(), netError(), netError()], [netError()]);
    const c = start(f.calls, { group: 'g', autoAck: true, maxRetries: 2, idleDelayMs: 0 });
    await vi.advanceTimersByTimeAsync(0);
    expect(f.sentPolls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(c.records.map((r) => r.offset)).toEqual([0]);
    expect(f.sentAcks).toHaveLength(1); // failed
    await vi.advanceTimersByTimeAsync(500);
    expect(f.sentAcks).toHaveLength(2); // committed on retry
    await vi.advanceTimersByTimeAsync(0);
    expect(f.sentPolls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(500 + 1000);
    expect(f.sentPolls).toHaveLength(5);
    expect(c.errors).toEqual([expect.objectContaining({ kind: 'connection', code: 'NETWORK_ERROR' })]);
  });

  test('other errors end the observable at once', async () => {
    const f = fakeCalls([new QueryError('Topic not found', { code: 'NOT_FOUND', status: 404 })]);
    const c = start(f.calls, { group: 'g' });
    await vi.advanceTimersByTimeAsync(0);
    expect(c.errors).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(f.sentPolls).toHaveLength(1);
  });

  test('unsubscribe aborts the request in flight, stops polling, and rejects later acks with CONSUMER_CLOSED', async () => {
    let release: (b: TopicBatch) => void = () => {};
    const signals: AbortSignal[] = [];
    let polls = 0;
    const calls: TopicCalls = {
      poll: (_req, signal) => {
        polls++;
        signals.push(signal);
        return polls === 1 ? Promise.resolve(batch(0)) : new Promise((r) => (release = r));
      },
      ack: async (req) => req.upto,
    };
    const c = start(calls, { group: 'g' });
    await vi.advanceTimersByTimeAsync(0);
    const first = c.records[0]!;
    await first.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect(polls).toBe(2);
    c.sub.unsubscribe();
    expect(signals[1]!.aborted).toBe(true);
    release(batch(1));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(c.records).toHaveLength(1);
    expect(polls).toBe(2);

    const f = fakeCalls([batch(5, 6)]);
    const d = start(f.calls, { group: 'g' });
    await vi.advanceTimersByTimeAsync(0);
    const pending = d.records[1]!.ack(); // waits for record 5
    d.sub.unsubscribe();
    await expect(pending).rejects.toMatchObject({ code: 'CONSUMER_CLOSED' });
    await expect(d.records[0]!.ack()).rejects.toMatchObject({ code: 'CONSUMER_CLOSED' });
    expect(f.sentAcks).toEqual([]);
  });
});

describe('client.topic()', () => {
  test('over Supabase, and over KalamDB without topics: kalamdbTopics, topic() throws UnsupportedError (capability topic)', async () => {
    const unsupported = expect.objectContaining({ kind: 'unsupported', code: 'UNSUPPORTED', capability: 'topic' });
    const supa = createClient({ driver: supabaseDriver({ url: 'http://sb.test', apikey: 'k' }) });
    expect(() => supa.topic('x')).toThrow(unsupported);
    const kalam = createClient({ url: 'http://db.test', auth: { token: 't' } });
    expect(() => kalam.topic('x')).toThrow(unsupported);
    expect(() => kalam.topic('x')).toThrow(/kalamdbTopics/);
    const withTopics = createClient({ url: 'http://db.test', auth: { token: 't' }, topics: kalamdbTopics });
    expect(withTopics.topic('app.t').name).toBe('app.t');
    expect(() => createClient({ url: 'http://db.test', auth: { token: 't' }, topics: {} as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    await Promise.all([supa.close(), kalam.close(), withTopics.close()]);
  });

  test('KalamDB wire: base64 JSON payloads decode (UTF-8), start and errors map to the neutral shapes', async () => {
    expect(decodePayload(Buffer.from(JSON.stringify({ body: 'héllo ✓' })).toString('base64'))).toEqual({ body: 'héllo ✓' });
    const bodies: unknown[] = [];
    const replies = [
      { status: 200, body: { messages: [{ topic_id: 't', partition_id: 0, offset: 4, payload: Buffer.from('{"id":"1"}').toString('base64'), key: '{"id":"1"}', timestamp_ms: 9, user: 'alice', op: 'Update' }], next_offset: 5, has_more: false } },
      { status: 200, body: { success: true, acknowledged_offset: 4 } },
      { status: 403, body: { error: 'Topic consumption requires service, dba, or system role', code: 'FORBIDDEN' } },
    ];
    const fetch = async (_url: string, init: { body?: string }) => {
      bodies.push(JSON.parse(init.body ?? '{}'));
      const r = replies.shift()!;
      return { ok: r.status === 200, status: r.status, text: async () => JSON.stringify(r.body) };
    };
    const client = createClient({ url: 'http://db.test', auth: { token: 't' }, topics: kalamdbTopics, fetch, timers: defaultTimers });
    const records: TopicRecord[] = [];
    const errors: unknown[] = [];
    client.topic('t').consume({ group: 'g', from: 'earliest', autoAck: true, maxRetries: 0 }).subscribe({ next: (r) => records.push(r), error: (e) => errors.push(e) });
    await vi.advanceTimersByTimeAsync(0);
    expect(records.map(({ ack: _ack, ...r }) => r)).toEqual([
      { topic: 't', group: 'g', partition: 0, offset: 4, key: '{"id":"1"}', timestampMs: 9, user: 'alice', op: 'update', payload: { id: '1' } },
    ]);
    expect(bodies).toEqual([
      { topic_id: 't', group_id: 'g', start: 'Earliest', limit: 100, partition_id: 0, timeout_seconds: 10 },
      { topic_id: 't', group_id: 'g', partition_id: 0, upto_offset: 4 },
      { topic_id: 't', group_id: 'g', start: { Offset: 5 }, limit: 100, partition_id: 0, timeout_seconds: 10 },
    ]);
    expect(errors).toEqual([expect.objectContaining({ kind: 'auth', code: 'FORBIDDEN', status: 403 })]);
    await client.close();
  });
});
