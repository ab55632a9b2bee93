// FILE uploads: multipart POST /v1/api/sql, FileRefs, downloads and limits (dev server), and
// client.queryWithFiles / fileDownloadUrl against it.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDevServer } from '../../server/devServer.js';
import type { DevServer } from '../../server/devServer.js';
import { storedFileName as serverStoredName } from '../../server/files/fileUpload.js';
import { createClient } from '../../src/index.js';
import type { LivebindClient } from '../../src/index.js';
import { fileDownloadUrl, kalamdbFiles, kalamdbLogin, kalamdbSql, parseFileRef, storedFileName } from '../../src/kalamdb.js';
import { supabaseDriver } from '../../src/supabase.js';
import { login } from '../server/httpTestClient.js';

let server: DevServer;
let alice: LivebindClient;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  server = await startDevServer({
    quiet: true,
    users: [
      { user: 'admin', password: 'admin-pass', role: 'dba' },
      { user: 'alice', password: 'alice-pass', role: 'user' },
      { user: 'bob', password: 'bob-pass', role: 'user' },
    ],
  });
  for (const u of ['admin', 'alice', 'bob']) tokens[u] = await login(server, u, `${u}-pass`);
  const admin = createClient({ sql: kalamdbSql, url: server.url, auth: { token: tokens['admin']! } });
  await admin.execute('CREATE NAMESPACE app; CREATE USER TABLE app.docs (id INT PRIMARY KEY, title TEXT, attachment FILE); CREATE SHARED TABLE app.pub (id INT PRIMARY KEY, f FILE)');
  await admin.close();
  alice = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'alice', password: 'alice-pass' }, files: kalamdbFiles });
});

afterAll(async () => {
  await alice?.close();
  await server?.close();
});

const download = (url: string, user: string) => fetch(url, { headers: { authorization: `Bearer ${tokens[user]}` } });

function multipart(fields: Record<string, string>, files: Record<string, { data: Uint8Array | string; filename?: string; type?: string }>, token = tokens['alice']!) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const [k, f] of Object.entries(files)) form.append(`file:${k}`, new Blob([f.data as BlobPart], f.type ? { type: f.type } : {}), f.filename ?? k);
  return fetch(`${server.url}/v1/api/sql`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, json: await r.json() }));
}

describe('queryWithFiles and downloads', () => {
  test('uploads a Buffer and a Blob, stores FileRefs in the row, and serves the bytes to the owner only', async () => {
    const bytes = Buffer.from('%PDF-1.7 hello ✓');
    await alice.queryWithFiles(
      'INSERT INTO app.docs (id, title, attachment) VALUES ($1, $2, FILE("doc"))',
      { doc: { data: bytes, filename: 'Report Q1 (final).pdf', type: 'application/pdf' } },
      [1, 'report'],
    );
    await alice.queryWithFiles("UPDATE app.docs SET attachment = FILE('img') WHERE id = 1", { img: new Blob(['png-bytes'], { type: 'image/png' }) });
    const [row] = await alice.query<{ attachment: string }>('SELECT attachment FROM app.docs WHERE id = 1');
    const ref = parseFileRef(row!.attachment);
    expect(ref).toMatchObject({ sub: expect.any(String), name: 'img', size: 9, mime: 'image/png', sha256: createHash('sha256').update('png-bytes').digest('hex') });

    const url = fileDownloadUrl(server.url, 'app.docs', row!.attachment);
    const ok = await download(url, 'alice');
    expect([ok.status, ok.headers.get('content-type'), await ok.text()]).toEqual([200, 'image/png', 'png-bytes']);
    expect((await download(url, 'bob')).status).toBe(404);
    expect((await download(`${url}?user_id=alice`, 'bob')).status).toBe(403);
    expect((await download(fileDownloadUrl(server.url, 'app.docs', ref, 'alice'), 'admin')).status).toBe(200);
    expect((await fetch(url)).status).toBe(401);
  });

  test('the stored name rule matches the server, e.g. <id>-Report_Q1_final.pdf', () => {
    for (const name of ['Report Q1 (final).pdf', 'noext', '…', '.hidden', 'a.TAR.GZ', '💥.png']) {
      expect(storedFileName({ id: 'x1', name })).toBe(serverStoredName('x1', name));
    }
    expect(storedFileName({ id: 'x1', name: 'Report Q1 (final).pdf' })).toBe('x1-Report_Q1_final.pdf');
  });

  test('a shared table: any reader downloads', async () => {
    await alice.queryWithFiles('INSERT INTO app.pub VALUES (1, FILE("x"))', { x: { data: new TextEncoder().encode('shared'), filename: 'x.txt', type: 'text/plain' } });
    const [row] = await alice.query<{ f: string }>('SELECT f FROM app.pub WHERE id = 1');
    const r = await download(fileDownloadUrl(server.url, 'app.pub', row!.f), 'bob');
    expect([r.status, await r.text()]).toEqual([200, 'shared']);
  });

  test('errors: MISSING_FILE, EXTRA_FILE, TOO_MANY_FILES, FILE_TOO_LARGE, INVALID_MIME_TYPE, JSON placeholders, and a failed statement stores nothing', async () => {
    const sql = { sql: 'INSERT INTO app.docs (id, attachment) VALUES (9, FILE("a"))' };
    expect((await multipart(sql, {})).json.error.code).toBe('MISSING_FILE');
    expect((await multipart(sql, { a: { data: 'x' }, b: { data: 'y' } })).json.error.code).toBe('EXTRA_FILE');
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}`, { data: 'x' }]));
    expect((await multipart({ sql: 'INSERT INTO app.docs (id) VALUES (9)' }, many)).json.error.code).toBe('TOO_MANY_FILES');
    const big = await multipart(sql, { a: { data: new Uint8Array(25 * 1024 * 1024 + 1) } });
    expect([big.status, big.json.error.code]).toEqual([413, 'FILE_TOO_LARGE']);
    expect((await multipart(sql, { a: { data: 'x', type: 'not a mime' } })).json.error.code).toBe('INVALID_MIME_TYPE');
    expect((await multipart({ sql: 'SELECT 1; SELECT 2' }, {})).json.error.code).toBe('INVALID_INPUT');
    await expect(alice.query('INSERT INTO app.docs (id, attachment) VALUES (9, FILE("a"))')).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/multipart/) });
    const before = await server.engine.internalQuery('SELECT count(*)::int AS n FROM livebind.files');
    // id 1 exists: the INSERT fails, so its file is not kept.
    await expect(alice.queryWithFiles('INSERT INTO app.docs (id, attachment) VALUES (1, FILE("a"))', { a: Buffer.from('dup') })).rejects.toMatchObject({ kind: 'query' });
    expect(await server.engine.internalQuery('SELECT count(*)::int AS n FROM livebind.files')).toEqual(before);
  });

  test('queryWithFiles rejects with UnsupportedError over Supabase', async () => {
    const supa = createClient({ driver: supabaseDriver({ url: 'http://sb.test', apikey: 'k' }) });
    await expect(supa.queryWithFiles('INSERT …', {})).rejects.toMatchObject({ kind: 'unsupported', capability: 'files' });
    await supa.close();
  });
});
