/**
 * Golden frames: one fixture per server message type (test/server/golden/*.json), compared after
 * normalizing SeqIds. Regenerate with UPDATE_GOLDEN=1 after an intended wire change. A missing
 * golden fails the test (it is written only with UPDATE_GOLDEN=1), and so does a golden file no
 * frame is compared with.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkGolden, updateGolden } from './goldenFile.js';
import { ROOT, startWsHarness, type WsHarness } from './wsHarness.js';
import { WsTestClient } from './wsTestClient.js';

const DIR = new URL('./golden/', import.meta.url);
let h: WsHarness;
const alice = { id: 'alice', role: 'user' as const };

/** Replaces SeqIds (row `_seq` strings, batch_control integers) with placeholders. */
function normalize(text: string): string {
  return text.replace(/"_seq":"\d+"/g, '"_seq":"<seq>"').replace(/"(last_seq_id|snapshot_end_seq)":\d+/g, '"$1":"<seq>"');
}

const used = new Set<string>();

function golden(name: string, frame: string): void {
  used.add(`${name}.json`);
  const actual = `${JSON.stringify(JSON.parse(normalize(frame)), null, 2)}\n`;
  const r = checkGolden(DIR, name, actual, updateGolden());
  // Soft: every missing or differing golden of the run is reported, not only the first.
  if (r.status === 'missing') expect.soft(r.status, r.message).toBe('present');
  if (r.status === 'mismatch') expect.soft(actual, r.message).toBe(r.expected);
}

beforeAll(async () => {
  h = await startWsHarness({ authTimeoutMs: 200 });
  await h.sql(ROOT, 'CREATE NAMESPACE IF NOT EXISTS app');
  await h.sql(ROOT, 'CREATE USER TABLE app.notes (id BIGINT PRIMARY KEY, title TEXT, done BOOLEAN, at TIMESTAMP)');
  await h.sql(alice, "INSERT INTO app.notes (id, title, done, at) VALUES (1, 'one', false, '2024-01-31T12:00:00.123456Z'), (2, 'two', true, NULL)");
});
afterAll(async () => {
  await h?.close();
});

it('every server message type matches its golden frame', async () => {
  const token = await h.token('alice');
  const c = await WsTestClient.connect(`${h.url}?compress=false`);
  c.send({ type: 'authenticate', method: 'jwt', token, protocol: { serialization: 'json', compression: 'gzip' } });
  const next = async (): Promise<string> => {
    const msg = await c.next();
    return c.received.find((r) => r.msg === msg)!.text;
  };
  golden('auth_success', await next());
  c.send({ type: 'subscribe', subscription: { id: 'notes', sql: 'SELECT id, title, done, at FROM app.notes', options: { batch_size: 1 } } });
  golden('subscription_ack', await next());
  golden('initial_data_batch', await next());
  c.send(`{"type":"next_batch","subscription_id":"notes","last_seq_id":${c.received[1]!.msg.batch_control!.last_seq_id}}`);
  golden('initial_data_batch_last', await next());
  await h.sql(alice, "INSERT INTO app.notes (id, title, done) VALUES (3, 'three', false)");
  golden('change_insert', await next());
  await h.sql(alice, 'UPDATE app.notes SET done = true, title = NULL WHERE id = 3');
  golden('change_update', await next());
  await h.sql(alice, 'DELETE FROM app.notes WHERE id = 3');
  golden('change_delete', await next());
  c.send({ type: 'subscribe', subscription: { id: 'bad', sql: 'SELECT id FROM app.notes LIMIT 1' } });
  golden('error', await next());
  c.close();
  const t = await WsTestClient.connect(h.url);
  await t.next();
  golden('auth_error_timeout', t.received[0]!.text);
  // No stale fixture: every golden file is compared with a frame.
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
  expect(files.filter((f) => !used.has(f)), 'golden files no frame was compared with').toEqual([]);
});
