// Golden frames for every KalamDB /v1/ws message of spec §5.2 and §6 (fixtures in ./golden/*.json).
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { decodeServerMessage, encodeClientCommand, seqOf } from '../../src/protocol/kalamdb/codec.js';
import { defaultBinaryDecoder, streamDecoder } from '../../src/protocol/kalamdb/gunzip.js';
import type { ClientCommand } from '../../src/protocol/kalamdb/messages.js';

const dir = new URL('./golden/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f, ...(JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Record<string, unknown>) }) as Record<string, unknown> & { name: string });

/** Fixture JSON → runtime values: {"$bigint":"…"} → bigint; null SeqIds/options → undefined (client commands are in wire shape). */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj['$bigint'] === 'string') return BigInt(obj['$bigint']);
    return Object.fromEntries(
      Object.entries(obj).map(([k, v]) => [k, v === null && ['lastSeqId', 'snapshotEndSeq', 'last_seq_id', 'options'].includes(k) ? undefined : revive(v)]),
    );
  }
  return value;
}

describe('server frames decode to typed messages', () => {
  const server = fixtures.filter((f) => f['direction'] === 'server');
  test('every server message type of the spec has a fixture', () => {
    const types = new Set(server.map((f) => (f['decoded'] as { type: string }).type));
    for (const t of ['auth_success', 'auth_error', 'subscription_ack', 'initial_data_batch', 'change', 'error', 'unknown', 'invalid']) expect(types).toContain(t);
  });
  test.each(server.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    expect(decodeServerMessage(f['frame'] as string)).toEqual(revive(f['decoded']));
  });
});

describe('client commands encode to frames', () => {
  const client = fixtures.filter((f) => f['direction'] === 'client');
  test('every client message type of the spec has a fixture', () => {
    const types = new Set(client.map((f) => (f['command'] as { type: string }).type));
    for (const t of ['authenticate', 'subscribe', 'next_batch', 'unsubscribe', 'ping']) expect(types).toContain(t);
  });
  test.each(client.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    const frame = encodeClientCommand(revive(f['command']) as ClientCommand);
    expect(frame).toBe(f['frame']);
    expect(() => JSON.parse(frame) as unknown).not.toThrow();
  });
});

describe('SeqIds are exact', () => {
  test('batch_control integers above 2^53 keep every digit', () => {
    const seq = 305419896123456789n;
    expect(Number(seq).toString()).not.toBe(seq.toString()); // JSON.parse alone would corrupt it
    const m = decodeServerMessage(
      `{"type":"initial_data_batch","subscription_id":"s","rows":[],"batch_control":{"batch_num":0,"has_more":false,"status":"ready","last_seq_id":${seq},"snapshot_end_seq":${seq + 1n}}}`,
    );
    expect(m.type === 'initial_data_batch' && m.batch.lastSeqId).toBe(seq);
    expect(m.type === 'initial_data_batch' && m.batch.snapshotEndSeq).toBe(seq + 1n);
  });

  test('a user column named last_seq_id in a row does not leak into batch_control', () => {
    const m = decodeServerMessage(
      '{"type":"initial_data_batch","subscription_id":"s","batch_control":{"batch_num":0,"has_more":true,"status":"loading","last_seq_id":305419896123456789},"rows":[{"last_seq_id":7,"_seq":"1"}]}',
    );
    expect(m.type === 'initial_data_batch' && m.batch.lastSeqId).toBe(305419896123456789n);
    expect(m.type === 'initial_data_batch' && m.rows[0]?.['last_seq_id']).toBe(7);
  });

  test('a row _seq: decimal strings and safe integers; a number above 2^53 (already rounded by JSON.parse) is none', () => {
    expect(seqOf({ _seq: '305419896123456789' })).toBe(305419896123456789n);
    expect(seqOf({ _seq: 42 })).toBe(42n);
    expect(seqOf({ _seq: 2 ** 60 })).toBeUndefined();
    expect(seqOf({ _seq: '1e3' })).toBeUndefined();
    expect(seqOf({ id: '1' })).toBeUndefined();
  });

  test('next_batch and subscribe write SeqIds as bare integers from bigint', () => {
    const frame = encodeClientCommand({ type: 'next_batch', subscription_id: 's', last_seq_id: 9223372036854775807n });
    expect(frame).toContain('"last_seq_id":9223372036854775807}');
  });
});

describe('binary frames', () => {
  const text = JSON.stringify({ type: 'change', subscription_id: 's', change_type: 'insert', rows: [{ id: '1', body: 'ü'.repeat(600), _seq: '5' }] });
  const gz = new Uint8Array(gzipSync(Buffer.from(text)));

  test('node decoder gunzips gzip frames and passes plain UTF-8 through', async () => {
    const decode = await defaultBinaryDecoder();
    expect(await decode(gz)).toBe(text);
    expect(await decode(new TextEncoder().encode('{"type":"ping"}'))).toBe('{"type":"ping"}');
  });

  test('DecompressionStream decoder gives the same text', async () => {
    expect(await streamDecoder(gz)).toBe(text);
  });
});
