/**
 * Test harness for the /v1/ws front end: the real dev server (startDevServer: PGlite engine, HTTP,
 * attachKalamWs) on 127.0.0.1:0, plus helpers for tokens and SQL.
 */
import { afterAll, beforeAll } from 'vitest';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import type { PgliteEngine } from '../../server/engine/pgliteEngine.js';
import type { AuthUser, Role } from '../../server/engine/types.js';
import type { KalamWsOptions, KalamWsServer } from '../../server/kalamdb/ws/attachKalamWs.js';

export interface WsHarness {
  readonly url: string;
  readonly httpUrl: string;
  readonly engine: PgliteEngine;
  readonly ws: KalamWsServer;
  readonly server: DevServer;
  token(id: string, role?: Role): Promise<string>;
  sql(as: AuthUser, sql: string, params?: readonly (string | number | boolean | null)[]): Promise<unknown[][]>;
  close(): Promise<void>;
}

export const ROOT: AuthUser = { id: 'root', role: 'system' };

export async function startWsHarness(options: KalamWsOptions = {}): Promise<WsHarness> {
  const server = await startDevServer({ quiet: true, ws: options });
  const engine = server.engine;
  return {
    url: server.wsUrl,
    httpUrl: server.url,
    engine,
    ws: server.ws,
    server,
    token: async (id, role = 'user') => {
      // Tokens are good only for an existing user with that role and a live session.
      const existing = await engine.findUser(id);
      if (existing === undefined) await engine.createUser(id, `${id}-pass`, role);
      else if (existing.role !== role) await engine.internalQuery('UPDATE livebind.users SET role = $2 WHERE id = $1', [id, role]);
      return (await engine.issueTokens({ id, role })).accessToken;
    },
    sql: async (as, sql, params) => {
      const r = await engine.executeSql(as, params ? { sql, params } : { sql });
      return r.results.flatMap((x) => (x.rows ?? []) as unknown[][]);
    },
    close: () => server.close(),
  };
}

/**
 * One harness for the test file with namespace `app` and a token for user `alice` (role user),
 * handed to `ready` in beforeAll; closed in afterAll.
 */
export function perFileAliceHarness(ready: (h: WsHarness, aliceToken: string) => void, options: KalamWsOptions = {}): void {
  let harness: WsHarness | undefined;
  beforeAll(async () => {
    harness = await startWsHarness(options);
    await harness.sql(ROOT, 'CREATE NAMESPACE IF NOT EXISTS app');
    ready(harness, await harness.token('alice'));
  });
  afterAll(async () => {
    await harness?.close();
  });
}
