/**
 * What every conformance run talks to: the real dev server (KalamDB protocol) for rows, and for
 * presence/broadcast the in-memory loopback channel server (the dev server's Supabase endpoint is
 * not on main yet). A per-file lifecycle: one server, one client under test, one peer client.
 */
import { WebSocket as NodeWebSocket } from 'ws';
import { afterAll, beforeAll } from 'vitest';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import { createClient, sqlLiteral } from '../../src/index.js';
import type { WebSocketConstructor } from '../../src/index.js';
import type { LivebindClient } from '../../src/types.js';
import { LoopbackHub } from './loopbackChannels.js';

const USER = { user: 'conf', password: 'conf-pass', role: 'dba' } as const;

export interface Backend {
  readonly server: DevServer;
  /** The client the framework under test uses (rows over the dev server, channels over the loopback). */
  readonly client: LivebindClient;
  /** Another user: writes rows, tracks presence and broadcasts from outside the framework. */
  readonly peer: LivebindClient;
  /** Live subscriptions the server holds right now. */
  subscriptionCount(): number;
}

function makeClient(url: string, hub: LoopbackHub, key: string): LivebindClient {
  const client = createClient({ url, auth: { user: USER.user, password: USER.password }, WebSocket: NodeWebSocket as unknown as WebSocketConstructor });
  return Object.assign(Object.create(null) as object, client, { channel: hub.channelFn(key) }) as LivebindClient;
}

export function perFileBackend(): () => Backend {
  let backend: Backend | undefined;
  beforeAll(async () => {
    const server = await startDevServer({ port: 0, seed: 'none', quiet: true, users: [USER] });
    const hub = new LoopbackHub();
    backend = { server, client: makeClient(server.url, hub, 'me'), peer: makeClient(server.url, hub, 'peer'), subscriptionCount: () => server.ws.subscriptionCount() };
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
