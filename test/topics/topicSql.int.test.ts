// The SQL forms of topics on the dev server: CONSUME FROM … and ACK … UPTO OFFSET over
// POST /v1/api/sql, sharing group offsets with the HTTP consume/ack endpoints.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startDevServer } from '../../server/testing.js';
import type { DevServer } from '../../server/testing.js';
import { createClient } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import type { LivebindClient } from '../../src/index.js';
import { login, request } from '../server/httpTestClient.js';

let server: DevServer;
let worker: LivebindClient;
let alice: LivebindClient;

interface Rec {
  topic_id: string;
  partition_id: number;
  offset: string;
  key: string | null;
  payload: Record<string, unknown>;
  timestamp_ms: string;
  user: string | null;
  op: string;
}

beforeAll(async () => {
  server = await startDevServer({
    users: [
      { user: 'admin', password: 'admin-pass', role: 'dba' },
      { user: 'worker', password: 'worker-pass', role: 'service' },
      { user: 'alice', password: 'alice-pass', role: 'user' },
    ],
  });
  const admin = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'admin-pass' } });
  await admin.execute(`CREATE NAMESPACE app; CREATE SHARED TABLE app.items (id INT PRIMARY KEY, name TEXT) WITH (ACCESS_LEVEL='PUBLIC');
    CREATE TOPIC app.events; ALTER TOPIC app.events ADD SOURCE app.items ON INSERT;
    CREATE TOPIC app.spread PARTITIONS 3; ALTER TOPIC app.spread ADD SOURCE app.items ON UPDATE WITH (payload = 'key')`);
  await admin.close();
  worker = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'worker', password: 'worker-pass' } });
  alice = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'alice', password: 'alice-pass' } });
  for (let i = 1; i <= 5; i++) await alice.execute('INSERT INTO app.items VALUES ($1, $2)', [i, `item ${i}`]);
});

afterAll(async () => {
  await Promise.all([worker?.close(), alice?.close()]);
  await server?.close();
});

test('CONSUME reads from the group position without committing; ACK commits; the HTTP endpoints share the offsets', async () => {
  const first = await worker.query<Rec>("CONSUME FROM app.events GROUP 'billing' FROM EARLIEST LIMIT 2");
  expect(first.map((r) => [r.offset, r.op, r.payload['id'], r.payload['name'], r.partition_id, r.topic_id])).toEqual([
    ['0', 'Insert', 1, 'item 1', 0, 'app.events'],
    ['1', 'Insert', 2, 'item 2', 0, 'app.events'],
  ]);
  expect(first[0]!.key).toBe('{"id":1}');
  expect(Number(first[0]!.timestamp_ms)).toBeGreaterThan(Date.now() - 120_000);
  // Not committed: the same records again.
  expect((await worker.query<Rec>("CONSUME FROM app.events GROUP 'billing' FROM EARLIEST LIMIT 2")).map((r) => r.offset)).toEqual(['0', '1']);
  expect(await worker.query("ACK app.events GROUP 'billing' UPTO OFFSET 1")).toEqual([{ acknowledged_offset: '1' }]);
  expect((await worker.query<Rec>("CONSUME FROM app.events GROUP 'billing' LIMIT 10")).map((r) => r.offset)).toEqual(['2', '3', '4']);
  // The HTTP consume endpoint resumes the same group after the SQL ack.
  const token = await login(server, 'worker', 'worker-pass');
  const http = await request(server, 'POST', '/v1/api/topics/consume', { token, body: { topic_id: 'app.events', group_id: 'billing', limit: 10 } });
  expect(http.json.messages.map((m: { offset: number }) => m.offset)).toEqual([2, 3, 4]);
  // Acks never move a group back.
  expect(await worker.query("ACK app.events GROUP 'billing' PARTITION 0 UPTO OFFSET 0")).toEqual([{ acknowledged_offset: '1' }]);
  // Without a group: from FROM (default LATEST: nothing yet).
  expect(await worker.query('CONSUME FROM app.events')).toEqual([]);
  expect((await worker.query<Rec>('CONSUME FROM app.events FROM 3')).map((r) => r.offset)).toEqual(['3', '4']);
});

test('every partition unless one is named', async () => {
  for (let i = 1; i <= 5; i++) await alice.execute('UPDATE app.items SET name = $1 WHERE id = $2', [`renamed ${i}`, i]);
  const all = await worker.query<Rec>("CONSUME FROM app.spread GROUP 'g' FROM EARLIEST");
  expect(all.map((r) => r.payload['id']).sort()).toEqual([1, 2, 3, 4, 5]);
  expect(all.every((r) => r.op === 'Update' && Object.keys(r.payload).join() === 'id')).toBe(true);
  const partitions = [...new Set(all.map((r) => r.partition_id))];
  const one = await worker.query<Rec>(`CONSUME FROM app.spread GROUP 'g' FROM EARLIEST PARTITION ${partitions[0]}`);
  expect(one.length).toBe(all.filter((r) => r.partition_id === partitions[0]).length);
  expect((await worker.query<Rec>("CONSUME FROM app.spread GROUP 'g' FROM EARLIEST LIMIT 2")).length).toBe(2);
});

test('refusals: role, unknown topic, partition, malformed SQL, an ack past the end', async () => {
  await expect(alice.query("CONSUME FROM app.events GROUP 'x'")).rejects.toMatchObject({ code: 'PERMISSION_DENIED', status: 403 });
  await expect(alice.query("ACK app.events GROUP 'x' UPTO OFFSET 0")).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  await expect(worker.query('CONSUME FROM app.nope')).rejects.toMatchObject({ code: 'SQL_EXECUTION_ERROR', message: expect.stringContaining("'app.nope' not found") });
  await expect(worker.query('CONSUME FROM app.events PARTITION 1')).rejects.toMatchObject({ code: 'SQL_EXECUTION_ERROR' });
  for (const bad of ["CONSUME FROM app.events GROUP 'g' LIMIT 5000", 'CONSUME FROM app.events FROM -1', "ACK app.events GROUP 'g' UPTO 3", 'ACK app.events UPTO OFFSET 1', "CONSUME FROM app.events GROUP 'g' extra"]) {
    await expect(worker.query(bad), bad).rejects.toMatchObject({ code: 'INVALID_SQL' });
  }
  await expect(worker.query("ACK app.events GROUP 'g' UPTO OFFSET 99")).rejects.toMatchObject({ code: 'SQL_EXECUTION_ERROR', message: expect.stringContaining('past the last record') });
  // A role change made for the statement does not leak: the worker's next SELECT runs as before.
  expect(await worker.query('SELECT count(*) AS n FROM app.items')).toEqual([{ n: '5' }]);
});
