/**
 * Shared setup for the React tests: a real dev server on a free loopback port and a real client.
 * Each test file starts its own (beforeAll) and stops it (afterAll).
 */
import { cleanup, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { startDevServer } from '../../server/devServer.js';
import { createClient, liveChanges, sqlLiteral } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import type { ClientOptions, WebSocketConstructor } from '../../src/index.js';
import type { LivebindClient } from '../../src/types.js';

export const USER = { user: 'react', password: 'react-pass', role: 'dba' } as const;

export interface LiveTestServer {
  readonly url: string;
  /** Live subscriptions the server holds right now (all connections). */
  subscriptionCount(): number;
  /** Subscriptions the server registered since it started (cumulative: catches a subscribe + release pair). */
  subscriptionsStarted(): number;
  /** A client for this server; closed by `close()`. */
  client(options?: Partial<ClientOptions>): LivebindClient;
  close(): Promise<void>;
}

export async function startLiveTestServer(): Promise<LiveTestServer> {
  const server = await startDevServer({ port: 0, seed: 'none', quiet: true, users: [USER] });
  const clients: LivebindClient[] = [];
  return {
    url: server.url,
    subscriptionCount: () => server.ws.subscriptionCount(),
    subscriptionsStarted: () => server.ws.subscriptionsStarted(),
    client(options) {
      // The Node socket (`ws`), as the client uses in Node: jsdom's globals would hand undici's
      // WebSocket jsdom Event objects from another realm.
      const c = createClient({
        login: kalamdbLogin,
        sql: kalamdbSql,
        url: server.url,
        auth: { user: USER.user, password: USER.password },
        WebSocket: NodeWebSocket as unknown as WebSocketConstructor,
        changes: liveChanges, // useChanges needs the opt-in
        ...options,
      });
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    },
  };
}

/**
 * The per-file lifecycle of the hook tests: one server and client for the file (handed to
 * `ready`), no server subscription left over when a test starts, DOM cleanup after each test.
 */
export function perFileLiveServer(ready: (server: LiveTestServer, client: LivebindClient) => void): void {
  let server: LiveTestServer | undefined;
  beforeAll(async () => {
    server = await startLiveTestServer();
    ready(server, server.client());
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    await waitFor(() => expect(server?.subscriptionCount()).toBe(0), { timeout: 5000 });
  });
  afterEach(() => cleanup());
}

let counter = 0;
/** A fresh shared table `react.<prefix>_<n>` with (id INT PRIMARY KEY, grp INT, label TEXT). */
export async function createItemsTable(client: LivebindClient, prefix: string): Promise<string> {
  const table = `react.${prefix}_${process.pid}_${++counter}`;
  await client.execute('CREATE NAMESPACE IF NOT EXISTS react');
  await client.execute(`CREATE SHARED TABLE ${table} (id INT PRIMARY KEY, grp INT, label TEXT)`);
  return table;
}

export interface Item {
  readonly id: number;
  readonly grp: number;
  readonly label: string;
}

/** Insert rows in one statement: $n parameters for a few rows, the core's escaping function for many. */
export async function insertItems(client: LivebindClient, table: string, items: readonly Item[]): Promise<void> {
  if (items.length * 3 <= 50) {
    const values = items.map((_, i) => `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`).join(', ');
    await client.execute(`INSERT INTO ${table} (id, grp, label) VALUES ${values}`, items.flatMap((r) => [r.id, r.grp, r.label]));
    return;
  }
  // The server takes at most 50 parameters per statement.
  const values = items.map((r) => `(${sqlLiteral(r.id)}, ${sqlLiteral(r.grp)}, ${sqlLiteral(r.label)})`).join(', ');
  await client.execute(`INSERT INTO ${table} (id, grp, label) VALUES ${values}`);
}
