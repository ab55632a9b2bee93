// Topic records and the write that makes them share one transaction (no lost data): a rolled-back
// or failed write leaves no record, a committed one always leaves exactly one, even when
// numbering the record fails or the server stops before it could (the change waits in the
// outbox, written in the writing transaction, and is numbered later or at the next start).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDevServer } from '../../server/testing.js';
import type { DevServer } from '../../server/testing.js';
import { createClient } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import type { LivebindClient } from '../../src/index.js';

const USERS = [
  { user: 'admin', password: 'admin-pass', role: 'dba' as const },
  { user: 'alice', password: 'alice-pass', role: 'user' as const },
];
const SETUP = `CREATE NAMESPACE app; CREATE SHARED TABLE app.items (id INT PRIMARY KEY, name TEXT NOT NULL) WITH (ACCESS_LEVEL='PUBLIC');
  CREATE TOPIC app.item_events; ALTER TOPIC app.item_events ADD SOURCE app.items ON INSERT; ALTER TOPIC app.item_events ADD SOURCE app.items ON DELETE`;

/** The stored records, oldest first: `op:id`. */
async function records(server: DevServer): Promise<string[]> {
  const rows = (await server.engine.internalQuery(
    `SELECT op, payload FROM livebind.topic_messages WHERE topic_id = 'app.item_events' ORDER BY "offset"`,
  )) as { op: string; payload: string }[];
  return rows.map((r) => `${r.op}:${(JSON.parse(r.payload) as { id: number }).id}`);
}

const outbox = async (server: DevServer): Promise<number> => ((await server.engine.internalQuery('SELECT count(*)::int AS n FROM livebind.topic_outbox')) as { n: number }[])[0]!.n;

describe('one transaction', () => {
  let server: DevServer;
  let alice: LivebindClient;

  beforeAll(async () => {
    server = await startDevServer({ users: USERS });
    const admin = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'admin-pass' } });
    await admin.execute(SETUP);
    await admin.close();
    alice = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'alice', password: 'alice-pass' } });
  });

  afterAll(async () => {
    await alice?.close();
    await server?.close();
  });

  test('rolled back, failing and uncommitted writes leave no record; committed ones leave exactly one each', async () => {
    await alice.execute("BEGIN; INSERT INTO app.items VALUES (1, 'rolled back'); ROLLBACK");
    // The first row is written (its trigger ran) before the second fails the statement.
    await expect(alice.execute("INSERT INTO app.items VALUES (2, 'a'), (2, 'duplicate')")).rejects.toMatchObject({ kind: 'query' });
    await expect(alice.execute("INSERT INTO app.items VALUES (3, 'x'), (4, NULL)")).rejects.toMatchObject({ kind: 'query' });
    await expect(alice.execute("BEGIN; INSERT INTO app.items VALUES (5, 'never committed')")).rejects.toMatchObject({ kind: 'query' });
    await expect(alice.execute("BEGIN; INSERT INTO app.items VALUES (6, 'a'); INSERT INTO app.nope VALUES (1); COMMIT")).rejects.toMatchObject({ kind: 'query' });
    expect(await records(server)).toEqual([]);

    await alice.execute("INSERT INTO app.items VALUES (10, 'kept')");
    await alice.execute("BEGIN; INSERT INTO app.items VALUES (11, 'kept'); INSERT INTO app.items VALUES (12, 'kept'); COMMIT");
    await alice.execute("BEGIN; DELETE FROM app.items WHERE id = 10; ROLLBACK");
    await alice.execute('DELETE FROM app.items WHERE id = 11');
    expect(await records(server)).toEqual(['Insert:10', 'Insert:11', 'Insert:12', 'Delete:11']);
    expect(await outbox(server)).toBe(0);
  });

  test('when numbering fails, the committed change waits in the outbox and is numbered with the next write, in order', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const before = await records(server);
      await server.engine.internalQuery('ALTER TABLE livebind.topic_messages RENAME TO topic_messages_away');
      await alice.execute("INSERT INTO app.items VALUES (20, 'written while numbering fails')");
      await expect.poll(() => warnings.some((w) => w.includes('not numbered yet'))).toBe(true);
      expect(await outbox(server)).toBe(1);
      await server.engine.internalQuery('ALTER TABLE livebind.topic_messages_away RENAME TO topic_messages');
      await alice.execute("INSERT INTO app.items VALUES (21, 'next')");
      expect(await records(server)).toEqual([...before, 'Insert:20', 'Insert:21']);
      expect(await outbox(server)).toBe(0);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

test('a committed change the server could not number before it stopped is numbered at the next start', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'livebind-topic-tx-'));
  const onWarning = (): void => undefined; // the expected "not numbered yet" warning
  process.on('warning', onWarning);
  try {
    let server = await startDevServer({ dataDir: dir, users: USERS });
    const admin = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'admin-pass' } });
    await admin.execute(SETUP);
    await admin.execute("INSERT INTO app.items VALUES (1, 'numbered')");
    // Stop numbering, write, and stop the server with the change only in the outbox.
    await server.engine.internalQuery('ALTER TABLE livebind.topic_messages RENAME TO topic_messages_away');
    await admin.execute("INSERT INTO app.items VALUES (2, 'in the outbox at shutdown')");
    await server.engine.internalQuery('ALTER TABLE livebind.topic_messages_away RENAME TO topic_messages');
    expect(await outbox(server)).toBe(1);
    await admin.close();
    await server.close();

    server = await startDevServer({ dataDir: dir, users: USERS });
    // The topic routes start numbering what the outbox holds (no write needed).
    await expect.poll(() => records(server)).toEqual(['Insert:1', 'Insert:2']);
    expect(await outbox(server)).toBe(0);
    await server.close();
  } finally {
    process.off('warning', onWarning);
    await rm(dir, { recursive: true, force: true });
  }
});
