/** createClient wired to FakeSocket, a token provider that counts calls, and a sync binary decoder. */
import { gunzipSync } from 'node:zlib';
import { createClient } from '../../src/client.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import { liveChanges } from '../../src/live/liveChanges.js';
import type { ClientOptions } from '../../src/client.js';
import type { ConnectionState, LivebindClient } from '../../src/types.js';
import { FakeSocket } from './fakeSocket.js';

export interface Harness {
  client: LivebindClient;
  tokenCalls: number;
  states: ConnectionState[];
}

export function harness(overrides: Partial<ClientOptions> = {}): Harness {
  FakeSocket.reset();
  const h: Harness = { client: undefined as unknown as LivebindClient, tokenCalls: 0, states: [] };
  h.client = createClient({
    login: kalamdbLogin,
    sql: kalamdbSql,
    url: 'http://db.test:8080',
    auth: () => `token-${++h.tokenCalls}`,
    WebSocket: FakeSocket,
    binaryDecoder: (bytes) => new TextDecoder().decode(bytes[0] === 0x1f ? gunzipSync(bytes) : bytes),
    random: () => 0.5,
    fetch: () => Promise.reject(new Error('no HTTP in unit tests')),
    changes: liveChanges,
    ...overrides,
  });
  h.client.status$.subscribe((s) => h.states.push(s));
  return h;
}

export const schema = [
  { name: 'id', data_type: 'BigInt', index: 0, flags: ['pk', 'nn'] },
  { name: 'body', data_type: 'Text', index: 1 },
];

export function ack(id: string, opts: { hasMore?: boolean; lastSeq?: string | null; status?: string } = {}): string {
  const last = opts.lastSeq === undefined ? 'null' : String(opts.lastSeq);
  return `{"type":"subscription_ack","subscription_id":"${id}","total_rows":0,"batch_control":{"batch_num":0,"has_more":${opts.hasMore ?? false},"status":"${opts.status ?? (opts.hasMore ? 'loading' : 'ready')}","last_seq_id":${last},"snapshot_end_seq":999999999999999999},"schema":${JSON.stringify(schema)}}`;
}

export function page(id: string, rows: { id: string; body: string | null; _seq: string }[], opts: { hasMore: boolean; batchNum?: number }): string {
  const last = rows.length > 0 ? rows[rows.length - 1]!._seq : 'null';
  const status = opts.hasMore ? ((opts.batchNum ?? 0) === 0 ? 'loading' : 'loading_batch') : 'ready';
  return `{"type":"initial_data_batch","subscription_id":"${id}","rows":${JSON.stringify(rows)},"batch_control":{"batch_num":${opts.batchNum ?? 0},"has_more":${opts.hasMore},"status":"${status}","last_seq_id":${last},"snapshot_end_seq":999999999999999999}}`;
}

export function change(id: string, type: 'insert' | 'update' | 'delete', rows: unknown[] | undefined, old?: unknown[]): string {
  return JSON.stringify({ type: 'change', subscription_id: id, change_type: type, ...(rows ? { rows } : {}), ...(old ? { old_values: old } : {}) });
}
