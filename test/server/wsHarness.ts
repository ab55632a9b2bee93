/**
 * Test harness for the /v1/ws front end: the real engine (PGlite) behind an HTTP server on
 * 127.0.0.1:0 with attachKalamWs, plus helpers for tokens and SQL.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenService } from '../../server/auth/tokens.js';
import { PgliteEngine } from '../../server/engine/pgliteEngine.js';
import type { AuthUser, Role } from '../../server/engine/types.js';
import { attachKalamWs, type KalamWsOptions, type KalamWsServer } from '../../server/kalamdb/ws/attachKalamWs.js';

export interface WsHarness {
  readonly url: string;
  readonly engine: PgliteEngine;
  readonly ws: KalamWsServer;
  token(id: string, role?: Role): Promise<string>;
  sql(as: AuthUser, sql: string, params?: readonly (string | number | boolean | null)[]): Promise<unknown[][]>;
  close(): Promise<void>;
}

export const ROOT: AuthUser = { id: 'root', role: 'system' };

export async function startWsHarness(options: KalamWsOptions = {}): Promise<WsHarness> {
  const tokens = new TokenService();
  const engine = await PgliteEngine.open({ tokens });
  const server = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const ws = attachKalamWs(server, engine, options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v1/ws`,
    engine,
    ws,
    token: async (id, role = 'user') => (await tokens.issue({ id, role })).accessToken,
    sql: async (as, sql, params) => {
      const r = await engine.executeSql(as, params ? { sql, params } : { sql });
      return r.results.flatMap((x) => (x.rows ?? []) as unknown[][]);
    },
    close: async () => {
      await ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
    },
  };
}
