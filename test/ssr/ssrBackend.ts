/**
 * What the server-render tests (test/ssr/) talk to: a real dev server with one table of rows, and
 * clients whose WebSocket constructor counts every socket they open. A server render must leave
 * all three counters at zero: sockets the client opened, live subscriptions the server started
 * (cumulative, so a subscribe + release pair counts), and frames the Realtime endpoint received
 * (a channel join, track or broadcast).
 */
import { WebSocket as NodeWebSocket } from 'ws';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { startDevServer, type DevServer } from '../../server/testing.js';
import { createClient, sqlLiteral } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import type { ChannelOptions, WebSocketConstructor } from '../../src/index.js';
import type { LivebindClient } from '../../src/types.js';
import { supabaseDriver } from '../../src/supabase.js';

const USER = { user: 'ssr', password: 'ssr-pass', role: 'dba' } as const;

export interface Item {
  readonly id: number;
  readonly label: string;
}

export interface SsrBackend {
  readonly server: DevServer;
  /** `SELECT id, label FROM <table> WHERE id < $1` over a table holding ids 1 and 2 ('live one', 'live two'). */
  readonly sql: string;
  /** A new client (rows over KalamDB, `channel()` over the same server's Supabase Realtime endpoint). */
  client(): CountedClient;
}

export interface CountedClient {
  readonly client: LivebindClient;
  /** WebSockets this client constructed (rows and channels). */
  sockets(): number;
}

/** Rows and SQL from a KalamDB client, `channel()` from a Supabase Realtime client; both sockets counted. */
function countedClient(url: string, key: string): CountedClient {
  let sockets = 0;
  const Counting = class extends NodeWebSocket {
    constructor(...args: ConstructorParameters<typeof NodeWebSocket>) {
      super(...args);
      sockets++;
    }
  } as unknown as WebSocketConstructor;
  const auth = { user: USER.user, password: USER.password };
  const rows = createClient({ login: kalamdbLogin, sql: kalamdbSql, url, auth, WebSocket: Counting });
  const channels = createClient({ driver: supabaseDriver({ url, apikey: 'ssr' }), auth, WebSocket: Counting, channels: { presenceGraceMs: 0 } });
  const client = Object.assign(Object.create(null) as object, rows, {
    channel: (topic: string, options?: ChannelOptions) => channels.channel(topic, { ...options, presence: { key, ...options?.presence } }),
    close: async () => {
      await rows.close();
      await channels.close();
    },
  }) as LivebindClient;
  return { client, sockets: () => sockets };
}

/** One dev server per test file; every client made through it is closed after the file. */
export function perFileSsrBackend(): () => SsrBackend {
  let backend: SsrBackend | undefined;
  const clients: LivebindClient[] = [];
  beforeAll(async () => {
    const server = await startDevServer({ users: [USER] });
    const setup = countedClient(server.url, 'setup').client;
    clients.push(setup);
    const table = `ssr.t_${process.pid}`;
    await setup.execute('CREATE NAMESPACE IF NOT EXISTS ssr');
    await setup.execute(`CREATE SHARED TABLE ${table} (id INT PRIMARY KEY, label TEXT)`);
    await setup.execute(`INSERT INTO ${table} (id, label) VALUES (1, ${sqlLiteral('live one')}), (2, ${sqlLiteral('live two')})`);
    backend = {
      server,
      sql: `SELECT id, label FROM ${table} WHERE id < $1`,
      client() {
        const c = countedClient(server.url, `me${clients.length}`);
        clients.push(c.client);
        return c;
      },
    };
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await backend?.server.close();
  });
  return () => backend!;
}

/** What the server has seen so far (compare before and after a render). */
export function serverActivity(server: DevServer) {
  return {
    kalamConnections: server.ws.connectionCount(),
    subscriptionsStarted: server.ws.subscriptionsStarted(),
    realtimeSockets: server.realtime.stats().sockets,
    realtimeFrames: server.realtime.stats().framesReceived,
  };
}

/**
 * Asserts that nothing reached the network: lets timers and microtasks run first (a lazy connect
 * or a queued join would happen by then; the client's release grace is 50 ms), then checks the
 * client's sockets, its status and the server's counters against `before`.
 */
export async function expectNoNetwork(backend: SsrBackend, counted: CountedClient, before: ReturnType<typeof serverActivity>): Promise<void> {
  // A negative check has no event to await: give any deferred connect a few turns of the loop.
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 20));
  expect(counted.sockets()).toBe(0);
  expect(counted.client.status$.getSnapshot().status).toBe('idle');
  expect(serverActivity(backend.server)).toEqual(before);
}

export const INITIAL: readonly Item[] = [{ id: 1, label: 'from the server render' }];

/** Keeps `backend.sql` (ids < 3, by id) live on `client` until its rows are ready, as other server code might; returns the release. */
export async function keepRowsLive(backend: SsrBackend, client: LivebindClient): Promise<() => void> {
  const source = client.liveRows<Item>(backend.sql, { params: [3], orderBy: 'id' });
  const keep = source.subscribe(() => {});
  await vi.waitFor(() => expect(source.getSnapshot().status).toBe('ready'), { timeout: 10_000 });
  return () => keep.unsubscribe();
}

/** Every adapter's server render shows `initialData` even when its client already holds live rows (what hydration renders). */
export function testServerSnapshotWins(backend: () => SsrBackend, render: (client: LivebindClient, initialData: readonly Item[]) => string | Promise<string>): void {
  test('a server-side client that already holds the rows still renders the server snapshot (what hydration renders)', async () => {
    const counted = backend().client();
    const release = await keepRowsLive(backend(), counted.client);
    const html = await render(counted.client, INITIAL);
    expect(html).toContain('<li>from the server render</li>');
    expect(html).not.toContain('live one');
    release();
  });
}

/** The control: a real subscription on a server-side client moves the counters, so the "no network" checks can fail. */
export function testCountersSeeSubscriptions(backend: () => SsrBackend): void {
  test('control: subscribing on the server-side client is seen by the counters (the checks above can fail)', async () => {
    const counted = backend().client();
    const before = serverActivity(backend().server);
    (await keepRowsLive(backend(), counted.client))();
    expect(counted.sockets()).toBe(1);
    expect(serverActivity(backend().server).subscriptionsStarted).toBe(before.subscriptionsStarted + 1);
  });
}
