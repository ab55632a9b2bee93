// queryWithFiles in real Chromium: XMLHttpRequest's upload progress through a proxy that passes
// request bodies at 8 MiB/s and counts them (globalSetup.ts), abort, a stream input, and the
// server's typed errors arriving while the browser is still sending.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { createClient } from '../../src/index.js';
import type { LivebindClient, UploadProgress } from '../../src/index.js';
import { fileDownloadUrl, kalamdbFiles, kalamdbLogin, kalamdbSql, parseFileRef } from '../../src/kalamdb.js';

const MiB = 1024 * 1024;
const table = `browser.files_${Math.random().toString(36).slice(2, 8)}`;
let slow: LivebindClient;
let direct: LivebindClient;

// Count the XMLHttpRequests the client makes (the browser transport).
let xhrs = 0;
const NativeXhr = globalThis.XMLHttpRequest;
globalThis.XMLHttpRequest = class extends NativeXhr {
  constructor() {
    super();
    xhrs++;
  }
};

function bytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function sha256(data: BufferSource): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', data)), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function proxiedUploads(): Promise<{ contentLength: number; bodyBytes: number; status: number }[]> {
  return (await fetch(`${inject('throttledDevServerUrl')}/__proxy/uploads`)).json();
}

beforeAll(async () => {
  const auth = { user: 'browser', password: 'browser-pass' };
  slow = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: inject('throttledDevServerUrl'), auth, files: kalamdbFiles });
  direct = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: inject('devServerUrl'), auth, files: kalamdbFiles });
  await direct.execute('CREATE NAMESPACE IF NOT EXISTS browser');
  await direct.execute(`CREATE SHARED TABLE ${table} (id BIGINT PRIMARY KEY, f FILE)`);
});

afterAll(async () => {
  await Promise.all([slow?.close(), direct?.close()]);
});

test('a 20 MiB File: progress events from XMLHttpRequest, monotonic, total = the bytes the server received', async () => {
  // Big enough to outlast the loopback socket buffers (several MiB are taken at once) at 8 MiB/s.
  const data = bytes(20 * MiB, 1);
  const events: UploadProgress[] = [];
  const before = xhrs;
  const uploadsBefore = (await proxiedUploads()).length;
  await slow.queryWithFiles(`INSERT INTO ${table} (id, f) VALUES ($1, FILE("doc"))`, { doc: new File([data as BlobPart], 'twenty.bin', { type: 'application/x-twenty' }) }, [1], {
    onProgress: (p) => events.push(p),
  });
  console.log(`browser upload progress: ${events.length} events over ${events[0]!.total} bytes`);
  expect(xhrs - before).toBe(1);
  const uploads = await proxiedUploads();
  expect(uploads).toHaveLength(uploadsBefore + 1);
  const sent = uploads[uploads.length - 1]!;
  const total = events[0]!.total;
  expect([sent.contentLength, sent.bodyBytes, sent.status]).toEqual([total, total, 200]);
  expect(total).toBeGreaterThan(data.length);
  expect(events.length).toBeGreaterThan(5);
  expect(events[0]!.loaded).toBe(0);
  for (let i = 1; i < events.length; i++) expect(events[i]!.loaded).toBeGreaterThan(events[i - 1]!.loaded);
  expect(events.filter((e) => e.loaded > 0 && e.loaded < total).length).toBeGreaterThan(3);
  expect(events[events.length - 1]).toEqual({ loaded: total, total });

  const [row] = await direct.query<{ f: string }>(`SELECT f FROM ${table} WHERE id = 1`);
  const ref = parseFileRef(row!.f);
  expect([ref.name, ref.mime, ref.size, ref.sha256]).toEqual(['twenty.bin', 'application/x-twenty', data.length, await sha256(data as BufferSource)]);
  const token = await loginToken();
  const res = await fetch(fileDownloadUrl(inject('devServerUrl'), table, ref), { headers: { authorization: `Bearer ${token}` } });
  expect(await sha256(await res.arrayBuffer())).toBe(ref.sha256);
});

test('abort during the upload rejects with AbortError and stores nothing', async () => {
  const controller = new AbortController();
  const events: UploadProgress[] = [];
  const upload = slow.queryWithFiles(`INSERT INTO ${table} (id, f) VALUES (2, FILE("doc"))`, { doc: new Blob([bytes(8 * MiB, 2) as BlobPart]) }, undefined, {
    signal: controller.signal,
    onProgress: (p) => {
      events.push(p);
      if (p.loaded > 0) controller.abort();
    },
  });
  await expect(upload).rejects.toMatchObject({ kind: 'aborted', code: 'ABORTED', name: 'AbortError' });
  expect(events[events.length - 1]!.loaded).toBeLessThan(events[0]!.total);
  expect(await direct.query(`SELECT id FROM ${table} WHERE id = 2`)).toEqual([]);
});

test('a ReadableStream input (read into a Blob in browsers) and a Uint8Array', async () => {
  const data = bytes(300_000, 3);
  const stream = new Blob([data as BlobPart]).stream();
  await direct.queryWithFiles(`INSERT INTO ${table} (id, f) VALUES (3, FILE("s"))`, { s: { stream, size: data.length, filename: 's.bin' } });
  await direct.queryWithFiles(`UPDATE ${table} SET f = FILE("u") WHERE id = 3`, { u: data });
  const [row] = await direct.query<{ f: string }>(`SELECT f FROM ${table} WHERE id = 3`);
  expect(parseFileRef(row!.f)).toMatchObject({ name: 'u', size: data.length, sha256: await sha256(data as BufferSource) });
  const short = new Blob([data.subarray(0, 10) as BlobPart]).stream();
  await expect(direct.queryWithFiles(`INSERT INTO ${table} (id, f) VALUES (4, FILE("s"))`, { s: { stream: short, size: 11 } })).rejects.toMatchObject({ code: 'FILE_SIZE_MISMATCH' });
});

test('FILE_TOO_LARGE reaches the browser as a QueryError while it is still sending', async () => {
  const events: UploadProgress[] = [];
  const big = new Blob([new Uint8Array(30 * MiB) as BlobPart]);
  const error = await direct
    .queryWithFiles(`INSERT INTO ${table} (id, f) VALUES (5, FILE("big"))`, { big }, undefined, { onProgress: (p) => events.push(p) })
    .then(() => undefined, (e: unknown) => e);
  expect(error).toMatchObject({ kind: 'query', code: 'FILE_TOO_LARGE', status: 413 });
  expect(await direct.query(`SELECT id FROM ${table} WHERE id = 5`)).toEqual([]);
});

async function loginToken(): Promise<string> {
  const res = await fetch(`${inject('devServerUrl')}/v1/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'browser', password: 'browser-pass' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
