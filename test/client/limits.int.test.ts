// The client against a dev server with low WebSocket limits (docs/SPEC.md §1.4, §1.5, §2.1; K§5.4):
// nothing stays loading when the server drops messages.
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDevServer } from '../../server/devServer.js';
import type { DevServer } from '../../server/devServer.js';
import { createClient } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import type { ConnectionState, LivebindClient } from '../../src/index.js';

let server: DevServer;
let admin: LivebindClient;

beforeAll(async () => {
  server = await startDevServer({
    port: 0,
    quiet: true,
    users: [{ user: 'admin', password: 'admin-pass', role: 'dba' }],
    ws: { maxMessagesPerSec: 20, maxSubscriptionsPerUser: 1000, maxMessageBytes: 4096 },
  });
  admin = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'admin-pass' } });
  await admin.execute('CREATE NAMESPACE IF NOT EXISTS lim');
  await admin.execute(`CREATE SHARED TABLE lim.t (id BIGINT PRIMARY KEY, body TEXT) WITH (ACCESS_LEVEL='PUBLIC')`);
  await admin.execute(`INSERT INTO lim.t (id, body) VALUES (1, 'a'), (2, 'b')`);
});

afterAll(async () => {
  await admin?.close();
  await server?.close();
});

describe('server limits', () => {
  test('70 liveRows against a 20 msg/s server all become ready; an oversized subscribe fails alone', async () => {
    const client = createClient({
      login: kalamdbLogin,
      sql: kalamdbSql,
      url: server.url,
      auth: { user: 'admin', password: 'admin-pass' },
      reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
    });
    const errors: ConnectionState[] = [];
    client.status$.subscribe((s) => s.lastError && errors.push(s));
    try {
      const lives = Array.from({ length: 70 }, (_, i) => client.liveRows(`SELECT id, body FROM lim.t WHERE id > ${-i}`));
      const big = client.liveRows(`SELECT id, body FROM lim.t WHERE body <> '${'x'.repeat(5000)}'`);
      for (const live of [...lives, big]) live.subscribe(() => {});
      await Promise.all(
        lives.map((live) => firstValueFrom(live.pipe(filter((s) => s.status === 'ready'), timeout(40_000)))),
      );
      expect(lives.every((l) => l.getSnapshot().size === 2)).toBe(true);
      expect(errors.some((s) => s.lastError?.code === 'RATE_LIMIT_EXCEEDED' && s.lastError.kind === 'protocol')).toBe(true);
      const failed = await firstValueFrom(big.pipe(filter((s) => s.status === 'error'), timeout(10_000)));
      expect(failed.error).toMatchObject({ kind: 'subscription', code: 'MESSAGE_TOO_LARGE' });
      await admin.execute(`INSERT INTO lim.t (id, body) VALUES (3, 'c')`);
      await Promise.all(lives.map((live) => firstValueFrom(live.pipe(filter((s) => s.size === 3), timeout(10_000)))));
    } finally {
      await client.close();
    }
  }, 60_000);
});
