// queryWithFiles in Node against the real dev server: upload progress counted on the bytes fetch
// writes, stream inputs read as they upload (never whole), abort with AbortError, the server's
// typed errors kept, and the opt-in `files: kalamdbFiles`.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDevServer } from '../../server/testing.js';
import type { DevServer } from '../../server/testing.js';
import { createClient, isLivebindError } from '../../src/index.js';
import type { FetchLike, LivebindClient, UploadProgress } from '../../src/index.js';
import { fileDownloadUrl, kalamdbFiles, kalamdbLogin, kalamdbSql, parseFileRef } from '../../src/kalamdb.js';
import { login } from '../server/httpTestClient.js';

const MiB = 1024 * 1024;
let server: DevServer;
let dir: string;
let token: string;
let client: LivebindClient;

/** What the client's fetch really sent: the declared Content-Length and the body bytes read from its stream. */
interface Sent {
  contentLength: number;
  bodyBytes: number;
}
const sent: Sent[] = [];

/** Node's fetch, with the request body counted as fetch reads it (an independent measure of what went out). */
const countingFetch = ((url: string, init: { headers: Record<string, string>; body?: unknown }) => {
  if (!(init.body instanceof ReadableStream)) return fetch(url, init as RequestInit); // login, JSON SQL
  const record: Sent = { contentLength: Number(init.headers['Content-Length'] ?? -1), bodyBytes: 0 };
  sent.push(record);
  const count = new TransformStream<Uint8Array, Uint8Array>({
    transform: (chunk, c) => {
      record.bodyBytes += chunk.byteLength;
      c.enqueue(chunk);
    },
  });
  return fetch(url, { ...init, body: init.body.pipeThrough(count) } as RequestInit);
}) as unknown as FetchLike;

function bytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, Math.min(i, size - 4));
  }
  return out;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

function expectWellFormed(events: readonly UploadProgress[], total: number): void {
  expect(events.length).toBeGreaterThan(1);
  expect(events[0]).toEqual({ loaded: 0, total });
  for (let i = 1; i < events.length; i++) expect(events[i]!.loaded).toBeGreaterThan(events[i - 1]!.loaded);
  expect(events.every((e) => e.total === total && e.loaded <= total)).toBe(true);
  expect(events[events.length - 1]).toEqual({ loaded: total, total });
}

async function stored(id: number): Promise<{ ref: ReturnType<typeof parseFileRef>; body: Buffer }> {
  const [row] = await client.query<{ f: string }>('SELECT f FROM app.up WHERE id = $1', [id]);
  const ref = parseFileRef(row!.f);
  const res = await fetch(fileDownloadUrl(server.url, 'app.up', ref), { headers: { authorization: `Bearer ${token}` } });
  return { ref, body: Buffer.from(await res.arrayBuffer()) };
}

const fileCount = async (): Promise<number> => ((await server.engine.internalQuery('SELECT count(*)::int AS n FROM livebind.files')) as { n: number }[])[0]!.n;

beforeAll(async () => {
  server = await startDevServer({ users: [{ user: 'worker', password: 'worker-pass', role: 'service' }, { user: 'admin', password: 'admin-pass', role: 'dba' }] });
  dir = await mkdtemp(join(tmpdir(), 'livebind-upload-'));
  const admin = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'admin-pass' } });
  await admin.execute('CREATE NAMESPACE app; CREATE SHARED TABLE app.up (id INT PRIMARY KEY, f FILE, g FILE)');
  await admin.close();
  token = await login(server, 'worker', 'worker-pass');
  client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'worker', password: 'worker-pass' }, files: kalamdbFiles, fetch: countingFetch });
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('upload progress (Node: streamed fetch)', () => {
  test('a 6 MiB Buffer: many events, monotonic, total = the exact body size sent, ending at loaded === total', async () => {
    const data = bytes(6 * MiB, 1);
    const events: UploadProgress[] = [];
    sent.length = 0;
    await client.queryWithFiles('INSERT INTO app.up (id, f) VALUES ($1, FILE("doc"))', { doc: { data, filename: 'six.bin' } }, [1], {
      onProgress: (p) => events.push(p),
    });
    const total = events[0]!.total;
    expect(sent).toHaveLength(1);
    expect([sent[0]!.contentLength, sent[0]!.bodyBytes]).toEqual([total, total]);
    expect(total).toBeGreaterThan(data.length);
    expect(total).toBeLessThan(data.length + 1024);
    expectWellFormed(events, total);
    expect(events.length).toBeGreaterThan(20); // 64 KiB steps
    const { ref, body } = await stored(1);
    expect([ref.size, ref.sha256, ref.name]).toEqual([data.length, sha256(data), 'six.bin']);
    expect(body.equals(data)).toBe(true);
  });

  test('Blob input and several files: one total for the whole body', async () => {
    const a = bytes(300_000, 2);
    const b = bytes(200_000, 3);
    const events: UploadProgress[] = [];
    sent.length = 0;
    await client.queryWithFiles(
      'INSERT INTO app.up (id, f, g) VALUES (2, FILE("a"), FILE("b"))',
      { a: new Blob([a as BlobPart], { type: 'image/png' }), b: new File([b as BlobPart], 'b.txt', { type: 'text/plain' }) },
      undefined,
      { onProgress: (p) => events.push(p) },
    );
    expectWellFormed(events, sent[0]!.bodyBytes);
    const [row] = await client.query<{ f: string; g: string }>('SELECT f, g FROM app.up WHERE id = 2');
    expect(parseFileRef(row!.f)).toMatchObject({ size: a.length, mime: 'image/png', sha256: sha256(a) });
    expect(parseFileRef(row!.g)).toMatchObject({ size: b.length, mime: 'text/plain', name: 'b.txt', sha256: sha256(b) });
  });
});

describe('stream inputs', () => {
  test('a Node fs ReadStream of known size uploads without being buffered first', async () => {
    const data = bytes(5 * MiB, 4);
    const path = join(dir, 'five.bin');
    await writeFile(path, data);
    let produced = 0;
    let maxAhead = 0;
    let loaded = 0;
    const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
    stream.on('data', (chunk) => {
      produced += chunk.length;
      maxAhead = Math.max(maxAhead, produced - loaded);
    });
    await client.queryWithFiles('INSERT INTO app.up (id, f) VALUES (3, FILE("s"))', { s: { stream, size: data.length, filename: 'five.bin', type: 'application/x-test' } }, undefined, {
      onProgress: (p) => (loaded = p.loaded),
    });
    // Read on demand: the stream is never more than a few chunks ahead of what fetch took.
    expect(maxAhead).toBeLessThanOrEqual(512 * 1024);
    const { ref, body } = await stored(3);
    expect([ref.size, ref.mime, ref.sha256]).toEqual([data.length, 'application/x-test', sha256(data)]);
    expect(body.equals(data)).toBe(true);
  });

  test('a web ReadableStream and a Node Readable.from generator', async () => {
    const data = bytes(1 * MiB + 17, 5);
    const web = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < data.length; i += 100_000) c.enqueue(data.subarray(i, i + 100_000));
        c.close();
      },
    });
    await client.queryWithFiles('INSERT INTO app.up (id, f) VALUES (4, FILE("w"))', { w: { stream: web, size: data.length } });
    expect((await stored(4)).ref).toMatchObject({ name: 'w', mime: 'application/octet-stream', sha256: sha256(data) });
    const gen = Readable.from((function* () {
      for (let i = 0; i < data.length; i += 7777) yield data.subarray(i, i + 7777);
    })());
    await client.queryWithFiles('UPDATE app.up SET g = FILE("n") WHERE id = 4', { n: { stream: gen, size: data.length, filename: 'n.bin' } });
    const [row] = await client.query<{ g: string }>('SELECT g FROM app.up WHERE id = 4');
    expect(parseFileRef(row!.g)).toMatchObject({ name: 'n.bin', sha256: sha256(data) });
  });

  test('a stream shorter or longer than its size fails with FILE_SIZE_MISMATCH and stores nothing', async () => {
    const before = await fileCount();
    const short = Readable.from([Buffer.alloc(1000)]);
    await expect(client.queryWithFiles('INSERT INTO app.up (id, f) VALUES (5, FILE("s"))', { s: { stream: short, size: 2000 } })).rejects.toMatchObject({
      kind: 'usage',
      code: 'FILE_SIZE_MISMATCH',
    });
    const long = Readable.from([Buffer.alloc(300_000)]);
    await expect(client.queryWithFiles('INSERT INTO app.up (id, f) VALUES (5, FILE("s"))', { s: { stream: long, size: 1000 } })).rejects.toMatchObject({
      code: 'FILE_SIZE_MISMATCH',
    });
    const text = Readable.from(['not bytes']);
    await expect(client.queryWithFiles('INSERT INTO app.up (id, f) VALUES (5, FILE("s"))', { s: { stream: text, size: 9 } })).rejects.toMatchObject({ code: 'INVALID_FILE' });
    await expect(client.queryWithFiles('INSERT INTO app.up (id, f) VALUES (5, FILE("s"))', { s: { stream: Readable.from([]), size: -1 } })).rejects.toMatchObject({ code: 'INVALID_FILE' });
    expect(await client.query('SELECT id FROM app.up WHERE id = 5')).toEqual([]);
    expect(await fileCount()).toBe(before);
  });
});

describe('abort', () => {
  test('aborting mid-upload rejects with AbortError, releases the stream and leaves no row and no file', async () => {
    const before = await fileCount();
    const controller = new AbortController();
    const events: UploadProgress[] = [];
    const path = join(dir, 'abort.bin');
    await writeFile(path, bytes(8 * MiB, 6));
    const stream = createReadStream(path);
    const upload = client.queryWithFiles('INSERT INTO app.up (id, f) VALUES (6, FILE("s"))', { s: { stream, size: 8 * MiB } }, undefined, {
      signal: controller.signal,
      onProgress: (p) => {
        events.push(p);
        if (p.loaded > 2 * MiB) controller.abort(new Error('user cancelled'));
      },
    });
    const error = await upload.then(() => undefined, (e: unknown) => e);
    expect(isLivebindError(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'aborted', code: 'ABORTED', name: 'AbortError', cause: new Error('user cancelled') });
    expect(events[events.length - 1]!.loaded).toBeLessThan(8 * MiB);
    await expect.poll(() => stream.destroyed).toBe(true);
    expect(await client.query('SELECT id FROM app.up WHERE id = 6')).toEqual([]);
    expect(await fileCount()).toBe(before);
  });

  test('an onProgress that throws aborts the upload: queryWithFiles rejects with that exception, no row, no file, no uncaught error', async () => {
    const before = await fileCount();
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const bug = new TypeError('progress bar is gone');
      let calls = 0;
      const upload = client.queryWithFiles('INSERT INTO app.up (id, f) VALUES (8, FILE("b"))', { b: bytes(8 * MiB, 8) }, undefined, {
        onProgress: (p) => {
          calls++;
          if (p.loaded > 1 * MiB) throw bug;
        },
      });
      await expect(upload).rejects.toBe(bug);
      const callsAtFailure = calls;
      await new Promise((r) => setTimeout(r, 50));
      expect(calls).toBe(callsAtFailure);
      expect(await client.query('SELECT id FROM app.up WHERE id = 8')).toEqual([]);
      expect(await fileCount()).toBe(before);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  test('an already aborted signal rejects at once and sends nothing; query() takes a signal too', async () => {
    sent.length = 0;
    const events: UploadProgress[] = [];
    const aborted = AbortSignal.abort();
    await expect(client.queryWithFiles('INSERT INTO app.up (id, f) VALUES (7, FILE("x"))', { x: Buffer.from('x') }, undefined, { signal: aborted, onProgress: (p) => events.push(p) })).rejects.toMatchObject({
      kind: 'aborted',
    });
    expect([sent.length, events.length]).toEqual([0, 0]);
    await expect(client.query('SELECT 1 AS n', undefined, { signal: aborted })).rejects.toMatchObject({ kind: 'aborted', code: 'ABORTED' });
    expect(await client.query('SELECT 1 AS n', undefined, { signal: new AbortController().signal })).toEqual([{ n: 1 }]);
  });
});

describe('server errors keep their codes on the streamed path', () => {
  test('FILE_TOO_LARGE is answered while the body is still going out (the server does not read it all)', async () => {
    const size = 40 * MiB;
    let produced = 0;
    const gen = Readable.from((function* () {
      const chunk = Buffer.alloc(256 * 1024, 7);
      while (produced < size) {
        produced += chunk.length;
        yield chunk;
      }
    })());
    const error = await client.queryWithFiles('INSERT INTO app.up (id, f) VALUES (8, FILE("big"))', { big: { stream: gen, size } }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ kind: 'query', code: 'FILE_TOO_LARGE', status: 413 });
    // Refused at 25 MiB plus what the sockets buffer: well before the 40 MiB were produced.
    expect(produced).toBeLessThan(36 * MiB);
  });

  test('TOO_MANY_FILES, MISSING_FILE and a SQL error keep their codes', async () => {
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}`, Buffer.from('x')]));
    await expect(client.queryWithFiles('INSERT INTO app.up (id) VALUES (9)', many)).rejects.toMatchObject({ kind: 'query', code: 'TOO_MANY_FILES' });
    await expect(client.queryWithFiles('INSERT INTO app.up (id, f) VALUES (9, FILE("a"))', {})).rejects.toMatchObject({ code: 'MISSING_FILE' });
    await expect(client.queryWithFiles('INSERT INTO app.nope (id, f) VALUES (9, FILE("a"))', { a: Buffer.from('a') })).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
  });
});

describe('opt-in', () => {
  test('without files: kalamdbFiles, queryWithFiles rejects with a UsageError naming the import; a bad value throws', async () => {
    const plain = createClient({ sql: kalamdbSql, url: server.url, auth: { token } });
    await expect(plain.queryWithFiles('INSERT INTO app.up (id, f) VALUES (10, FILE("a"))', { a: Buffer.from('a') })).rejects.toMatchObject({
      kind: 'usage',
      code: 'OPT_IN_REQUIRED',
      message: expect.stringContaining('import { kalamdbFiles } from "livebind/kalamdb"'),
    });
    await plain.close();
    expect(() => createClient({ sql: kalamdbSql, url: server.url, auth: { token }, files: true as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  test('error messages and progress never carry the token', async () => {
    const error = await client.queryWithFiles('INSERT INTO app.up (id, f) VALUES (11, FILE("a"))', { a: Buffer.from('a'), b: Buffer.from('b') }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'EXTRA_FILE' });
    expect(JSON.stringify({ message: (error as Error).message, ...(error as object) })).not.toMatch(/Bearer|eyJ/);
  });
});
