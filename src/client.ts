/**
 * createClient(): the public entry of the framework-free core. Wires HTTP SQL (query/execute),
 * the one lazily opened WebSocket (Connection), server subscriptions (SubscriptionManager) and
 * the shared live observables (QueryRegistry). Behaviour: docs/SPEC.md.
 */
import { isLivebindError, UsageError } from './errors.js';
import { DEFAULT_RECONNECT } from './connection/backoff.js';
import type { ReconnectOptions } from './connection/backoff.js';
import { Connection, CLOSED } from './connection/Connection.js';
import { Credentials } from './connection/credentials.js';
import type { AuthOption } from './connection/credentials.js';
import type { WebSocketConstructor } from './connection/socket.js';
import { defaultTimers } from './connection/timers.js';
import type { Timers } from './connection/timers.js';
import { QueryRegistry } from './live/QueryRegistry.js';
import { SubscriptionManager } from './live/SubscriptionManager.js';
import { kalamdbDriver } from './protocol/kalamdb/wireCodec.js';
import { KalamHttp } from './protocol/kalamdb/http.js';
import type { FetchLike, SqlResult } from './protocol/kalamdb/http.js';
import type { BinaryDecoder } from './protocol/kalamdb/gunzip.js';
import { LiveSource } from './store/createLiveObservable.js';
import type { ConnectionState, LivebindClient, QueryOptions, SqlParam } from './types.js';

export interface ClientOptions {
  /** HTTP base URL of the server, e.g. `http://127.0.0.1:8080`. The WebSocket URL is derived (`/v1/ws`). */
  readonly url: string;
  readonly auth: AuthOption;
  readonly protocol?: 'kalamdb';
  /** WebSocket URL override (default: `url` with ws(s):// and `/v1/ws`). */
  readonly wsUrl?: string;
  /** WebSocket constructor (default: globalThis.WebSocket, else the `ws` package, loaded on first use). */
  readonly WebSocket?: WebSocketConstructor;
  readonly fetch?: FetchLike;
  readonly timers?: Timers;
  /** Random source in [0, 1) for backoff jitter. */
  readonly random?: () => number;
  /** Clock (ms) used to refresh password-login tokens before they expire. */
  readonly now?: () => number;
  /** `{"type":"ping"}` interval while open (default 5000; 0 disables). The server closes sockets silent for 10 s. */
  readonly pingIntervalMs?: number;
  readonly reconnect?: Partial<ReconnectOptions>;
  /** How long a query with no subscribers keeps its server subscription (default 50 ms). */
  readonly releaseGraceMs?: number;
  /**
   * How long a liveRows()/changes() observable that was created but never subscribed stays shared
   * (default 30000 ms). Then it is forgotten, so discarded renders and server rendering do not grow
   * the client's query registry.
   */
  readonly unusedQueryTtlMs?: number;
  /** Ask the server for gzip frames (default true); false adds `?compress=false`. */
  readonly compress?: boolean;
  /** Consecutive authentication failures before the connection stops with an AuthError (default 3). */
  readonly maxAuthFailures?: number;
  /** Socket open + authentication deadline per attempt (default 10000 ms). */
  readonly connectTimeoutMs?: number;
  /**
   * After a reconnect. 'auto' (default): 'seq' when the server said in `auth_success` that it
   * replays deletes made during the outage (the livebind dev server, K§12.3.2), else 'reload'
   * (KalamDB, which does not, K§8.4). 'seq' resumes each live query from its checkpoint (`from`);
   * only complete when the server replays deletes. 'reload' reloads every liveRows query and
   * replaces its rows at the end of the load.
   */
  readonly resume?: 'auto' | 'seq' | 'reload';
  /**
   * Check live-query SQL against what KalamDB's live evaluator handles (spec §7.4, §7.5) before
   * sending; failures end the query with a SubscriptionError `UNSUPPORTED_LIVE_SQL` instead of
   * KalamDB's silent skipping. Recommended against KalamDB; off by default (the dev server
   * evaluates IN, BETWEEN and IS NULL exactly and rejects what it cannot evaluate).
   */
  readonly strictLiveSql?: boolean;
  /**
   * Outbound WebSocket messages per rolling second (default 45; the server drops what exceeds 50/s,
   * pings included). Halved for the rest of the client's life if the server still reports `rate_limit`.
   */
  readonly maxMessagesPerSecond?: number;
  /** The server's WebSocket frame limit in bytes (default 1 MiB): a bigger subscribe fails locally with MESSAGE_TOO_LARGE. */
  readonly maxMessageBytes?: number;
  /** Binary frame decoder (default: node:zlib in Node, DecompressionStream elsewhere). */
  readonly binaryDecoder?: BinaryDecoder;
}

export function createClient(options: ClientOptions): LivebindClient {
  if ((options.protocol ?? 'kalamdb') !== 'kalamdb') {
    throw new UsageError(`Unknown protocol "${String(options.protocol)}"; only "kalamdb" is available.`, { code: 'INVALID_OPTION' });
  }
  const timers = options.timers ?? defaultTimers;
  const fetchImpl = options.fetch ?? defaultFetch();
  const http = new KalamHttp(options.url, fetchImpl);
  const credentials = new Credentials(options.auth, http, options.now ?? Date.now);
  const driver = kalamdbDriver;
  const compress = options.compress ?? true;

  const status = new LiveSource<ConnectionState>({
    initial: { status: 'idle', lastError: undefined, attempt: 0 },
    replay: true,
    graceMs: 0,
    timers,
    start: () => {},
    stop: () => {},
  });

  let manager: SubscriptionManager | undefined;
  const connection = new Connection(
    {
      url: options.wsUrl ?? driver.wsUrl(options.url, compress),
      driver,
      token: (reason) => credentials.token(reason),
      timers,
      random: options.random ?? Math.random,
      pingIntervalMs: options.pingIntervalMs ?? 5000,
      reconnect: { ...DEFAULT_RECONNECT, ...options.reconnect },
      maxAuthFailures: options.maxAuthFailures ?? 3,
      renewableAuth: typeof options.auth === 'function' || !('token' in options.auth),
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      compression: compress ? 'gzip' : 'none',
      maxMessagesPerSecond: positive(options.maxMessagesPerSecond, 45, 'maxMessagesPerSecond'),
      maxMessageBytes: positive(options.maxMessageBytes, 1024 * 1024, 'maxMessageBytes'),
      WebSocket: options.WebSocket,
      binaryDecoder: options.binaryDecoder,
    },
    {
      onOpen: () => {},
      onDisconnect: () => {
        const state = connection.state;
        manager?.onDisconnect(state.status === CLOSED ? state.lastError : undefined);
      },
      onMessage: (message) => manager?.onMessage(message),
      onState: (state) => status.set(state),
    },
  );
  manager = new SubscriptionManager(connection, driver, options.resume ?? 'auto');
  const registry = new QueryRegistry(
    manager,
    timers,
    options.releaseGraceMs ?? 50,
    options.strictLiveSql ?? false,
    options.unusedQueryTtlMs ?? 30_000,
  );

  /** SQL over HTTP with one retry after TOKEN_EXPIRED (spec §3.5). */
  async function sql(text: string, params: readonly SqlParam[] | undefined, namespace: string | undefined): Promise<SqlResult[]> {
    const token = await credentials.token('http');
    try {
      return await http.sql(token, text, params, namespace);
    } catch (error) {
      if (!isLivebindError(error) || error.code !== 'TOKEN_EXPIRED') throw error;
      return http.sql(await credentials.token('expired'), text, params, namespace);
    }
  }

  let closed = false;
  const assertOpen = (): void => {
    if (closed) throw new UsageError('This client is closed; create a new one with createClient().', { code: 'CLIENT_CLOSED' });
  };
  return {
    async query<R = Record<string, unknown>>(text: string, params?: readonly SqlParam[], queryOptions?: QueryOptions): Promise<R[]> {
      assertOpen();
      const results = await sql(text, params, queryOptions?.namespace);
      const result = [...results].reverse().find((r) => r.schema !== undefined) ?? results[results.length - 1];
      return result ? (zipRows(result) as R[]) : [];
    },
    async execute(text: string, params?: readonly SqlParam[], queryOptions?: QueryOptions): Promise<number> {
      assertOpen();
      const results = await sql(text, params, queryOptions?.namespace);
      return results.filter((r) => r.schema === undefined).reduce((sum, r) => sum + r.rowCount, 0);
    },
    liveRows: (text, liveOptions) => {
      assertOpen();
      return registry.liveRows(text, liveOptions);
    },
    changes: (text, changesOptions) => {
      assertOpen();
      return registry.changesOf(text, changesOptions);
    },
    status$: status.observable,
    async close() {
      if (closed) return;
      closed = true;
      registry.closeAll();
      connection.close();
      status.complete();
    },
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${name} must be a positive integer.`, { code: 'INVALID_OPTION' });
  return value;
}

/** Positional rows → objects keyed by column name (schema `index` order). */
function zipRows(result: SqlResult): Record<string, unknown>[] {
  const schema = result.schema ?? [];
  const rows = result.rows ?? [];
  return rows.map((cells) => {
    const row: Record<string, unknown> = {};
    for (const field of schema) row[field.name] = cells[field.index] ?? null;
    return row;
  });
}

function defaultFetch(): FetchLike {
  return (url, init) => {
    const f = (globalThis as { fetch?: FetchLike }).fetch;
    if (!f) throw new UsageError('No fetch available: pass createClient({ fetch }).', { code: 'INVALID_OPTION' });
    return f(url, init);
  };
}
