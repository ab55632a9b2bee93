import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../server/devServer.js';
import { login, sql } from './httpTestClient.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livebind-persist-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('persistence with dataDir', () => {
  it('keeps users, catalog, rows, tombstones and SeqIds across a restart', async () => {
    const first = await startDevServer({ quiet: true, dataDir: dir, users: [{ user: 'admin', password: 'pw-1', role: 'dba' }] });
    let lastSeq: bigint;
    try {
      const token = await login(first, 'admin', 'pw-1');
      const r = await sql(
        first,
        token,
        `CREATE NAMESPACE keep; CREATE USER TABLE keep.notes (id INT PRIMARY KEY, body TEXT);
         INSERT INTO keep.notes VALUES (1, 'one'), (2, 'two'), (3, 'three'); DELETE FROM keep.notes WHERE id = 2;
         CREATE USER 'carol' WITH PASSWORD 'carol-pw' ROLE user`,
      );
      expect(r.status).toBe(200);
      lastSeq = await first.engine.snapshotBound();
    } finally {
      await first.close();
    }
    const second = await startDevServer({ quiet: true, dataDir: dir, users: [{ user: 'admin', password: 'ignored', role: 'dba' }] });
    try {
      const token = await login(second, 'admin', 'pw-1');
      await login(second, 'carol', 'carol-pw');
      const table = second.engine.getTable('keep', 'notes');
      expect(table?.type).toBe('user');
      const rows = await sql(second, token, 'SELECT id, body FROM keep.notes ORDER BY id');
      expect(rows.json.results[0].rows).toEqual([
        [1, 'one'],
        [3, 'three'],
      ]);
      const tombs = await second.engine.tombstones({ id: 'admin', role: 'dba' }, table!, 0n, await second.engine.snapshotBound());
      expect(tombs.map((t) => t.oldRow['id'])).toEqual([2]);
      await sql(second, token, `INSERT INTO keep.notes VALUES (4, 'four')`);
      expect((await second.engine.snapshotBound()) > lastSeq).toBe(true);
    } finally {
      await second.close();
    }
  });
});
