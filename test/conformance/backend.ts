/**
 * What every conformance run talks to: the real dev server, its KalamDB endpoint for rows and SQL
 * and its Supabase Realtime endpoint for presence and broadcast (KalamDB has no channels). A
 * per-file lifecycle: one server, one client under test, one peer client.
 */
import { WebSocket as NodeWebSocket } from 'ws';
import { afterAll, beforeAll } from 'vitest';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import { createClient, sqlLiteral } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import type { ChannelOptions, WebSocketConstructor } from '../../src/index.js';
import type { LivebindClient } from '../../src/types.js';
import { supabaseDriver } from '../../src/supabase.js';

const USER = { user: 'conf', password: 'conf-pass', role: 'dba' } as const;

export interface Backend {
  readonly server: DevServer;
  /** The client the framework under test uses (rows over /v1/ws, channels over /realtime/v1). */
  readonly client: LivebindClient;
  /** Another user: writes rows, tracks presence and broadcasts from outside the framework. */
  readonly peer: LivebindClient;
  /** Live subscriptions the server holds right now. */
  subscriptionCount(): number;
}

/** Rows and SQL from a KalamDB client, `channel()` from a Supabase Realtime client of the same server and user. */
function makeClient(url: string, key: string): LivebindClient {
  const auth = { user: USER.user, password: USER.password };
  const WebSocket = NodeWebSocket as unknown as WebSocketConstructor;
  const rows = createClient({ login: kalamdbLogin, sql: kalamdbSql, url, auth, WebSocket });
  const channels = createClient({ driver: supabaseDriver({ url, apikey: 'conformance' }), auth, WebSocket, channels: { presenceGraceMs: 0 } });
  return Object.assign(Object.create(null) as object, rows, {
    channel: (topic: string, options?: ChannelOptions) => channels.channel(topic, { ...options, presence: { key, ...options?.presence } }),
    close: async () => {
      await rows.close();
      await channels.close();
    },
  }) as LivebindClient;
}

export function perFileBackend(): () => Backend {
  let backend: Backend | undefined;
  beforeAll(async () => {
    const server = await startDevServer({ port: 0, seed: 'none', quiet: true, users: [USER] });
    backend = { server, client: makeClient(server.url, 'me'), peer: makeClient(server.url, 'peer'), subscriptionCount: () => server.ws.subscriptionCount() };
  });
  afterAll(async () => {
    await backend?.client.close();
    await backend?.peer.close();
    await backend?.server.close();
  });
  return () => backend!;
}

export interface Item {
  readonly id: number;
  readonly grp: number;
  readonly label: string;
}

let counter = 0;
/** A fresh table `conf.t_<pid>_<n>` (id INT PRIMARY KEY, grp INT, label TEXT) holding `items`. */
export async function itemsTable(client: LivebindClient, items: readonly Item[]): Promise<string> {
  const table = `conf.t_${process.pid}_${++counter}`;
  await client.execute('CREATE NAMESPACE IF NOT EXISTS conf');
  await client.execute(`CREATE SHARED TABLE ${table} (id INT PRIMARY KEY, grp INT, label TEXT)`);
  for (let i = 0; i < items.length; i += 2000) {
    const chunk = items.slice(i, i + 2000);
    await client.execute(`INSERT INTO ${table} (id, grp, label) VALUES ${chunk.map((r) => `(${sqlLiteral(r.id)}, ${sqlLiteral(r.grp)}, ${sqlLiteral(r.label)})`).join(', ')}`);
  }
  return table;
}
