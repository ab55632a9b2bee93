// The dev server's stored files over their life: stored in the writing statement's transaction,
// released when an UPDATE replaces or a DELETE removes the last cell naming them, kept while any
// row still does, dropped with their table, swept at start; and multipart bodies read as they
// arrive (chunked, refused early when over a limit).
import * as http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDevServer } from '../../server/testing.js';
import type { DevServer } from '../../server/testing.js';
import { createClient } from '../../src/index.js';
import type { LivebindClient } from '../../src/index.js';
import { fileDownloadUrl, kalamdbFiles, kalamdbLogin, kalamdbSql, parseFileRef } from '../../src/kalamdb.js';
import { login } from '../server/httpTestClient.js';

let server: DevServer;
let alice: LivebindClient;
let bob: LivebindClient;
let admin: LivebindClient;
const tokens: Record<string, string> = {};
const users = ['admin', 'alice', 'bob'] as const;

beforeAll(async () => {
  server = await startDevServer({
    users: [
      { user: 'admin', password: 'admin-pass', role: 'dba' },
      { user: 'alice', password: 'alice-pass', role: 'user' },
      { user: 'bob', password: 'bob-pass', role: 'user' },
    ],
  });
  for (const u of users) tokens[u] = await login(server, u, `${u}-pass`);
  admin = createClient({ sql: kalamdbSql, url: server.url, auth: { token: tokens['admin']! }, files: kalamdbFiles });
  await admin.execute(
    "CREATE NAMESPACE app; CREATE SHARED TABLE app.pub (id INT PRIMARY KEY, title TEXT, f FILE, g FILE) WITH (ACCESS_LEVEL='PUBLIC'); CREATE USER TABLE app.mine (id INT PRIMARY KEY, f FILE); CREATE SHARED TABLE app.tmp (id INT PRIMARY KEY, f FILE)",
  );
  alice = createClient({ sql: kalamdbSql, url: server.url, auth: { token: tokens['alice']! }, files: kalamdbFiles });
  bob = createClient({ sql: kalamdbSql, url: server.url, auth: { token: tokens['bob']! }, files: kalamdbFiles });
});

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close(), admin?.close()]);
  await server?.close();
});

const storedIds = async (tbl: string): Promise<string[]> =>
  ((await server.engine.internalQuery('SELECT file_id FROM livebind.files WHERE tbl = $1 ORDER BY file_id', [tbl])) as { file_id: string }[]).map((r) => r.file_id);

async function cell(client: LivebindClient, sql: string): Promise<string> {
  const [row] = await client.query<Record<string, string>>(sql);
  return Object.values(row!)[0]!;
}

const download = async (table: string, ref: string, user: string): Promise<number> =>
  (await fetch(fileDownloadUrl(server.url, table, ref), { headers: { authorization: `Bearer ${tokens[user]}` } })).status;

describe('stored files follow the rows that name them', () => {
  test('UPDATE replacing a FILE cell releases the old file; updating other columns keeps it', async () => {
    await alice.queryWithFiles('INSERT INTO app.pub (id, title, f) VALUES (1, $1, FILE("a"))', { a: Buffer.from('first') }, ['t']);
    const first = await cell(alice, 'SELECT f FROM app.pub WHERE id = 1');
    await alice.execute("UPDATE app.pub SET title = 'renamed' WHERE id = 1");
    expect(await storedIds('app.pub')).toEqual([parseFileRef(first).id]);
    await alice.queryWithFiles('UPDATE app.pub SET f = FILE("b") WHERE id = 1', { b: Buffer.from('second') });
    const second = await cell(alice, 'SELECT f FROM app.pub WHERE id = 1');
    expect(await storedIds('app.pub')).toEqual([parseFileRef(second).id]);
    expect(await download('app.pub', first, 'alice')).toBe(404);
    expect(await download('app.pub', second, 'alice')).toBe(200);
    // Setting the cell to NULL releases it too.
    await alice.execute('UPDATE app.pub SET f = NULL WHERE id = 1');
    expect(await storedIds('app.pub')).toEqual([]);
  });

  test('DELETE releases the files of every deleted row (both FILE columns); a rolled-back DELETE keeps them', async () => {
    await alice.queryWithFiles('INSERT INTO app.pub (id, f, g) VALUES (2, FILE("a"), FILE("b"))', { a: Buffer.from('a'), b: Buffer.from('b') });
    await alice.queryWithFiles('INSERT INTO app.pub (id, f) VALUES (3, FILE("a"))', { a: Buffer.from('c') });
    expect(await storedIds('app.pub')).toHaveLength(3);
    await alice.execute('BEGIN; DELETE FROM app.pub WHERE id IN (2, 3); ROLLBACK');
    expect(await storedIds('app.pub')).toHaveLength(3);
    await alice.execute('DELETE FROM app.pub WHERE id IN (2, 3)');
    expect(await storedIds('app.pub')).toEqual([]);
  });

  test('a file named by two rows lives until the last one lets go', async () => {
    await alice.queryWithFiles('INSERT INTO app.pub (id, f) VALUES (4, FILE("a"))', { a: Buffer.from('shared bytes') });
    await alice.execute('INSERT INTO app.pub (id, f) SELECT 5, f FROM app.pub WHERE id = 4');
    const ref = await cell(alice, 'SELECT f FROM app.pub WHERE id = 5');
    await alice.execute('DELETE FROM app.pub WHERE id = 4');
    expect(await storedIds('app.pub')).toEqual([parseFileRef(ref).id]);
    expect(await download('app.pub', ref, 'bob')).toBe(200);
    await alice.execute('DELETE FROM app.pub WHERE id = 5');
    expect(await storedIds('app.pub')).toEqual([]);
  });

  test("a forged FileRef cannot release another user's file (references compare by id, in every row)", async () => {
    await alice.queryWithFiles('INSERT INTO app.pub (id, f) VALUES (6, FILE("a"))', { a: Buffer.from("alice's") });
    const ref = parseFileRef(await cell(alice, 'SELECT f FROM app.pub WHERE id = 6'));
    await bob.execute('INSERT INTO app.pub (id, f) VALUES (7, $1)', [`{"id":"${ref.id}","note":"forged"}`]);
    await bob.execute('DELETE FROM app.pub WHERE id = 7');
    await bob.execute(`INSERT INTO app.pub (id, f) VALUES (8, 'not json "id":"${ref.id}" at all')`);
    await bob.execute("UPDATE app.pub SET f = 'plain text' WHERE id = 8");
    expect(await storedIds('app.pub')).toEqual([ref.id]);
    await alice.execute('DELETE FROM app.pub WHERE id = 6');
    expect(await storedIds('app.pub')).toEqual([]);
  });

  test('USER tables: the trigger sees every partition, and a user deleting their row releases only their file', async () => {
    await alice.queryWithFiles('INSERT INTO app.mine (id, f) VALUES (1, FILE("a"))', { a: Buffer.from('alice') });
    await bob.queryWithFiles('INSERT INTO app.mine (id, f) VALUES (1, FILE("a"))', { a: Buffer.from('bob') });
    const aliceRef = parseFileRef(await cell(alice, 'SELECT f FROM app.mine WHERE id = 1'));
    await bob.execute('DELETE FROM app.mine WHERE id = 1');
    expect(await storedIds('app.mine')).toEqual([aliceRef.id]);
  });

  test('an upload whose statement changed no row keeps no file; a failed statement keeps none', async () => {
    const before = await storedIds('app.pub');
    await alice.queryWithFiles('UPDATE app.pub SET f = FILE("x") WHERE id = 999', { x: Buffer.from('orphan') });
    await alice.queryWithFiles('INSERT INTO app.pub (id, title) VALUES (9, FILE("x")) ', { x: Buffer.from('in a TEXT column') });
    await expect(alice.queryWithFiles('INSERT INTO app.pub (id, f) VALUES (NULL, FILE("x"))', { x: Buffer.from('fails') })).rejects.toMatchObject({ kind: 'query' });
    expect(await storedIds('app.pub')).toEqual(before);
  });

  test('DROP TABLE drops its files; a restart sweeps files nothing names', async () => {
    await alice.queryWithFiles('INSERT INTO app.tmp (id, f) VALUES (1, FILE("a"))', { a: Buffer.from('tmp') });
    expect(await storedIds('app.tmp')).toHaveLength(1);
    await admin.execute('DROP TABLE app.tmp');
    expect(await storedIds('app.tmp')).toEqual([]);
  });
});

describe('files survive a restart, and what older versions left behind is swept', () => {
  test('a data directory: kept files stay, orphans left by an older server go', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'livebind-files-'));
    try {
      const users = [{ user: 'admin', password: 'admin-pass', role: 'dba' as const }];
      let s = await startDevServer({ dataDir: dir, users });
      const c = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: s.url, auth: { user: 'admin', password: 'admin-pass' }, files: kalamdbFiles });
      await c.execute('CREATE NAMESPACE app; CREATE SHARED TABLE app.docs (id INT PRIMARY KEY, f FILE)');
      await c.queryWithFiles('INSERT INTO app.docs (id, f) VALUES (1, FILE("a"))', { a: Buffer.from('kept') });
      await c.close();
      // What a server before this version left: a file no row names, and one of a dropped table.
      await s.engine.internalQuery(
        "INSERT INTO livebind.files (tbl, sub, stored_name, owner, mime, size, sha256, data) VALUES ('app.docs', 'f0001', 'zz1-old.bin', 'admin', 'x/y', 1, '', '\\x00'), ('app.gone', 'f0001', 'zz2.bin', 'admin', 'x/y', 1, '', '\\x00')",
      );
      await s.close();
      s = await startDevServer({ dataDir: dir, users });
      const rows = (await s.engine.internalQuery('SELECT tbl, file_id FROM livebind.files ORDER BY tbl')) as { tbl: string; file_id: string }[];
      expect(rows.map((r) => r.tbl)).toEqual(['app.docs']);
      const c2 = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: s.url, auth: { user: 'admin', password: 'admin-pass' } });
      const [row] = await c2.query<{ f: string }>('SELECT f FROM app.docs WHERE id = 1');
      expect(rows[0]!.file_id).toBe(parseFileRef(row!.f).id);
      await c2.execute('DELETE FROM app.docs WHERE id = 1'); // the trigger exists after the restart
      expect(await s.engine.internalQuery('SELECT count(*)::int AS n FROM livebind.files')).toEqual([{ n: 0 }]);
      await c2.close();
      await s.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('multipart bodies are read as they arrive', () => {
  /** A raw chunked POST: writes `parts` (awaiting drain) until the server answers; returns the answer and the bytes written by then. */
  function chunkedUpload(parts: Iterable<Buffer>, boundary: string): Promise<{ status: number; body: any; written: number }> {
    return new Promise((resolve, reject) => {
      let written = 0;
      let answered = false;
      const req = http.request(`${server.url}/v1/api/sql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens['alice']}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        answered = true;
        const at = written;
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), written: at }));
      });
      req.on('error', (e) => (answered ? undefined : reject(e)));
      void (async () => {
        for (const p of parts) {
          if (answered) break;
          written += p.length;
          if (!req.write(p)) await new Promise<void>((r) => req.once('drain', r).once('close', r));
        }
        if (!answered) req.end();
      })();
    });
  }
  const head = (boundary: string, sql: string) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="sql"\r\n\r\n${sql}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file:a"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);

  test('a chunked (no Content-Length) upload is accepted', async () => {
    const b = 'chunkedBoundary1';
    const r = await chunkedUpload([head(b, 'INSERT INTO app.pub (id, f) VALUES (20, FILE("a"))'), Buffer.alloc(300_000, 1), Buffer.from(`\r\n--${b}--\r\n`)], b);
    expect([r.status, r.body.status]).toEqual([200, 'success']);
    expect(parseFileRef(await cell(alice, 'SELECT f FROM app.pub WHERE id = 20')).size).toBe(300_000);
  });

  test('a chunked file over 25 MiB is refused with 413 FILE_TOO_LARGE before the body ends', async () => {
    const b = 'chunkedBoundary2';
    const total = 80 * 1024 * 1024;
    function* body() {
      yield head(b, 'INSERT INTO app.pub (id, f) VALUES (21, FILE("a"))');
      for (let sent = 0; sent < total; sent += 1 << 20) yield Buffer.alloc(1 << 20, 2);
      yield Buffer.from(`\r\n--${b}--\r\n`);
    }
    const r = await chunkedUpload(body(), b);
    expect([r.status, r.body.error.code]).toEqual([413, 'FILE_TOO_LARGE']);
    expect(r.written).toBeLessThan(40 * 1024 * 1024);
    expect(await alice.query('SELECT id FROM app.pub WHERE id = 21')).toEqual([]);
  });
});
