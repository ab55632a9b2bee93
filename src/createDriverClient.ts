/**
 * The protocol-neutral client: one Connection, the driver's sessions and feeds, the shared live
 * observables (QueryRegistry) and `status$`. `createClient` (src/client.ts) builds it with the
 * KalamDB driver by default; `createDriverClient({ driver })` imports no protocol, so an app that
 * passes another driver bundles only that one. Behaviour: docs/SPEC.md.
 */
import { UnsupportedError, UsageError } from './errors.js';
import { DEFAULT_RECONNECT } from './connection/backoff.js';
import type { ReconnectOptions } from './connection/backoff.js';
import { createConnection } from './connection/Connection.js';
import { createCredentials } from './connection/credentials.js';
import type { AuthOption } from './connection/credentials.js';
import type { WebSocketConstructor } from './connection/socket.js';
import { defaultTimers } from './connection/timers.js';
import type { Timers } from './connection/timers.js';
import { createQueryRegistry } from './live/QueryRegistry.js';
import type { ChangesSupport } from './live/QueryRegistry.js';
import type { ChannelRuntime } from './channel/channelRuntime.js';
import type { ClientLogger } from './logger.js';
import type { Driver, DriverFactory } from './protocol/driver.js';
import { createLiveSource } from './store/createLiveObservable.js';
import { optInMessage } from './optIn.js';
import type { ConnectionState, LivebindClient, QueryOptions, SqlParam, UploadFile, UploadOptions } from './types.js';

/** Options every backend shares. */
export interface CommonClientOptions {
  /** WebSocket constructor (default: globalThis.WebSocket, else the `ws` package, loaded on first use). */
  readonly WebSocket?: WebSocketConstructor;
  readonly timers?: Timers;
  /** Random source in [0, 1) for backoff jitter. */
  readonly random?: () => number;
  /** Clock (ms) used to refresh password-login tokens before they expire. */
  readonly now?: () => number;
  readonly reconnect?: Partial<ReconnectOptions>;
  /** How long a query with no subscribers keeps its server subscription (default 50 ms). */
  readonly releaseGraceMs?: number;
  /**
   * How long a liveRows()/changes() observable that was created but never subscribed stays shared
   * (default 30000 ms). Then it is forgotten, so discarded renders and server rendering do not grow
   * the client's query registry.
   */
  readonly unusedQueryTtlMs?: number;
  /** Consecutive authentication failures before the connection stops with an AuthError (default 3). */
  readonly maxAuthFailures?: number;
  /** Socket open + handshake deadline per attempt (default 10000 ms). */
  readonly connectTimeoutMs?: number;
  /**
   * Channel settings (docs/SPEC.md §7): `presenceGraceMs` (2000), `presenceBudget` (5 per 30 s),
   * `joinTimeoutMs`, `pushTimeoutMs` (10 000), `rejoinDelaysMs`, `queueMax`/`queueTtlMs`,
   * `onDiagnostic` (default console.warn). Their grace period is `releaseGraceMs`.
   */
  readonly channels?: Partial<Omit<ChannelRuntime, 'timers' | 'now' | 'graceMs'>>;
  /**
   * Connection and subscription events: `createLogger(console, 'debug')` (levels debug, info, warn,
   * error; `info` logs connection changes and failures, `debug` adds each subscription). Nothing is
   * logged by default; tokens, passwords and parameter values never are.
   */
  readonly logger?: ClientLogger;
  /**
   * Raw change events (`client.changes()`, React's `useChanges`) are opt-in: pass `liveChanges`
   * from `livebind`. Without it `changes()` throws a UsageError naming the import.
   */
  readonly changes?: ChangesSupport | undefined;
}

export interface DriverClientOptions extends CommonClientOptions {
  /** The protocol: e.g. `kalamdbDriver({ url })` from `livebind/kalamdb`. */
  readonly driver: DriverFactory;
  /** Credentials; optional when the driver has an anonymous token (e.g. Supabase's apikey). */
  readonly auth?: AuthOption;
}

export function createDriverClient(options: DriverClientOptions): LivebindClient {
  const factory = options.driver;
  if (typeof (factory as DriverFactory | undefined)?.create !== 'function') {
    throw new UsageError('Option "driver" must be a driver such as kalamdbDriver({ url }) from "livebind/kalamdb".', { code: 'INVALID_OPTION' });
  }
  const timers = options.timers ?? defaultTimers;
  const log = options.logger;
  if (log !== undefined && (typeof log.connection !== 'function' || typeof log.feeds !== 'function')) {
    throw new UsageError('Option "logger" takes createLogger(console, "debug") from "livebind".', { code: 'INVALID_OPTION' });
  }
  const now = options.now ?? Date.now;
  const credentials = createCredentials(options.auth, factory.login, now, factory.anonymousToken, factory.name);

  const status = createLiveSource<ConnectionState>({
    initial: { status: 'idle', lastError: undefined, attempt: 0 },
    replay: true,
    graceMs: 0,
    timers,
  });

  // The driver is created right below; the connection calls it only once a socket opens.
  const connection = createConnection(
    {
      protocol: { socketUrl: () => driver.socketUrl(), session: (link) => driver.session(link) },
      limits: factory.limits,
      token: (reason) => credentials.token(reason),
      timers,
      random: options.random ?? Math.random,
      reconnect: { ...DEFAULT_RECONNECT, ...options.reconnect },
      maxAuthFailures: options.maxAuthFailures ?? 3,
      renewableAuth: typeof options.auth === 'function' || (options.auth !== undefined && !('token' in options.auth)),
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      WebSocket: options.WebSocket,
    },
    {
      onState: (state) => {
        log?.connection(state);
        status.set(state);
      },
      onStopped: (error) => driver.stopped(error),
    },
  );
  const driver: Driver = factory.create({ connection, token: (reason) => credentials.token(reason), timers, now });
  credentials.onNewToken((token) => connection.tokenChanged(token));

  let closed = false;
  /** `value`, once the client is known to be open (a closed client throws CLIENT_CLOSED). */
  const open = <V>(value: V): V => {
    if (closed) throw new UsageError('This client is closed; create a new one with createClient().', { code: 'CLIENT_CLOSED' });
    return value;
  };
  /** Checks that the client is open and has `feature`; else the UnsupportedError of `capability` (`hint`: what to do instead, a sentence). */
  const need = (feature: unknown, what: string, capability: string, hint = ''): void => {
    if (open(feature) === undefined) throw new UnsupportedError(`${what} not available over ${driver.name}.${hint}`, { code: 'UNSUPPORTED', capability });
  };
  const graceMs = options.releaseGraceMs ?? 50;
  const feeds = driver.liveFeed?.bind(driver);
  const registry = createQueryRegistry(feeds && log ? log.feeds(feeds) : feeds, need, timers, graceMs, options.unusedQueryTtlMs ?? 30_000, options.changes);

  // Channels need both the driver's channel port and the factory's channel runtime.
  const channels = driver.channel && factory.channels?.((topic, config, sink) => driver.channel!(topic, config, sink), { ...options.channels, timers, now, graceMs }, driver.name);

  const sql = (text: string, params: readonly SqlParam[] | undefined, queryOptions: QueryOptions | undefined) => {
    need(driver.sql, 'query() and execute() are', 'sql');
    return driver.sql!(text, params, queryOptions);
  };
  return {
    async query<R = Record<string, unknown>>(text: string, params?: readonly SqlParam[], queryOptions?: QueryOptions): Promise<R[]> {
      return (await sql(text, params, queryOptions)).rows as R[];
    },
    async queryWithFiles<R = Record<string, unknown>>(text: string, files: Readonly<Record<string, UploadFile>>, params?: readonly SqlParam[], queryOptions?: UploadOptions): Promise<R[]> {
      need(driver.sqlWithFiles, 'queryWithFiles() is', 'files');
      return (await driver.sqlWithFiles!(text, files, params, queryOptions)).rows as R[];
    },
    async execute(text: string, params?: readonly SqlParam[], queryOptions?: QueryOptions): Promise<number> {
      return (await sql(text, params, queryOptions)).affected;
    },
    liveRows: (text, liveOptions) => open(registry).liveRows(text, liveOptions),
    changes: (text, changesOptions) => open(registry).changes(text, changesOptions),
    channel: (topic, channelOptions) => {
      need(channels, 'channel() is', 'channel', ' Use a driver with channels (Supabase).');
      return channels!.channel(topic, channelOptions);
    },
    topic: (name) => {
      // KalamDB has topics behind an opt-in import; other drivers have none.
      need(driver.topic, 'topic() is', 'topic', driver.name === 'kalamdb' ? ` ${optInMessage('topic()', 'topics', 'kalamdbTopics', 'livebind/kalamdb')}` : ' Use KalamDB.');
      return driver.topic!(name);
    },
    status$: status.observable,
    async close() {
      if (closed) return;
      closed = true;
      registry.closeAll();
      channels?.closeAll();
      connection.close();
      driver.close?.();
      status.complete();
    },
  };
}
