// The core client in real Chromium (browser WebSocket, fetch, DecompressionStream) against the
// real dev server started by globalSetup.ts.
import { firstValueFrom, filter } from 'rxjs';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { createClient } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import type { LivebindClient, LiveRows } from '../../src/index.js';

interface Note {
  id: string;
  body: string;
}

let client: LivebindClient;
// Count gzip frames the client decodes with the browser's DecompressionStream.
let gzipStreams = 0;
const NativeDecompressionStream = globalThis.DecompressionStream;
globalThis.DecompressionStream = class extends NativeDecompressionStream {
  constructor(format: CompressionFormat) {
    super(format);
    gzipStreams++;
  }
};
const table = `browser.notes_${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: inject('devServerUrl'), auth: { user: 'browser', password: 'browser-pass' } });
  await client.execute('CREATE NAMESPACE IF NOT EXISTS browser');
  await client.execute(`CREATE SHARED TABLE ${table} (id BIGINT PRIMARY KEY, body TEXT)`);
});

afterAll(async () => {
  await client?.close();
});

test('runs in Chromium with the browser WebSocket and fetch', () => {
  expect(navigator.userAgent).toContain('Chrome');
  expect(typeof WebSocket).toBe('function');
});

test('query and execute over HTTP with parameters', async () => {
  const inserted = await client.execute(`INSERT INTO ${table} (id, body) VALUES ($1, $2), ($3, $4)`, [1, 'it\'s "one"', 2, 'twö']);
  expect(inserted).toBe(2);
  const rows = await client.query<Note>(`SELECT id, body FROM ${table} WHERE id >= $1 ORDER BY id`, [1]);
  expect(rows).toEqual([
    { id: '1', body: 'it\'s "one"' },
    { id: '2', body: 'twö' },
  ]);
});

test('liveRows loads gzip-compressed pages and applies live changes', async () => {
  // Bodies large enough that the server gzips frames (>= 512 bytes), decoded by DecompressionStream.
  const big = 'x'.repeat(2000);
  await client.execute(`INSERT INTO ${table} (id, body) VALUES ($1, $2)`, [3, big]);
  const live$ = client.liveRows<Note>(`SELECT id, body FROM ${table}`, { orderBy: 'id', batchSize: 2 });
  const before = gzipStreams;
  const ready = await firstValueFrom(live$.pipe(filter((s: LiveRows<Note>) => s.status === 'ready')));
  // The server gzipped the large frames into binary frames, and DecompressionStream decoded them.
  expect(gzipStreams).toBeGreaterThan(before);
  expect(ready.rows.map((r) => r.id)).toEqual(['1', '2', '3']);
  expect(ready.byKey.get('3')?.body).toBe(big);

  const seen = firstValueFrom(live$.pipe(filter((s: LiveRows<Note>) => s.size === 4 && s.byKey.get('4')?.body === big)));
  await client.execute(`INSERT INTO ${table} (id, body) VALUES ($1, $2)`, [4, big]);
  const after = await seen;
  // Structural sharing: rows that did not change keep their identity.
  expect(after.byKey.get('1')).toBe(ready.byKey.get('1'));

  const updated = firstValueFrom(live$.pipe(filter((s: LiveRows<Note>) => s.byKey.get('2')?.body === 'changed')));
  await client.execute(`UPDATE ${table} SET body = $1 WHERE id = $2`, ['changed', 2]);
  expect((await updated).rows.map((r) => r.id)).toEqual(['1', '2', '3', '4']);

  const deleted = firstValueFrom(live$.pipe(filter((s: LiveRows<Note>) => !s.byKey.has('1'))));
  await client.execute(`DELETE FROM ${table} WHERE id = $1`, [1]);
  expect((await deleted).rows.map((r) => r.id)).toEqual(['2', '3', '4']);
});

test('status$ reports an open socket', async () => {
  const state = await firstValueFrom(client.status$.pipe(filter((s) => s.status === 'open')));
  expect(state.lastError).toBeUndefined();
});
