/**
 * The KalamDB driver (spec: shared/specs/kalamdb-protocol.md, cited K§n): `/v1/ws` live queries
 * (KalamSession per socket, SubscriptionManager across sockets, feeding each query's rows). HTTP SQL
 * (`POST /v1/api/sql`, `sql: kalamdbSql`), `{ user, password }` login (`login: kalamdbLogin`), FILE
 * uploads and topics are opt-in imports from `livebind/kalamdb`, so live-rows apps bundle none of them.
 *
 *   import { createClient } from 'livebind';
 *   import { kalamdbDriver, kalamdbLogin, kalamdbSql } from 'livebind/kalamdb';
 *   const client = createClient({
 *     driver: kalamdbDriver({ url: 'http://127.0.0.1:8080', login: kalamdbLogin, sql: kalamdbSql }),
 *     auth: { user, password },
 *   });
 *
 * `createClient({ url, auth, ...these options })` builds the same driver (KalamDB is the default).
 */
import { UsageError } from '../../errors.js';
import type { Driver, DriverContext, DriverFactory, FeedHandle, FeedSpec, Link, RowSink, Session } from '../driver.js';
import { defaultFetch } from '../fetch.js';
import { optInMessage, optInRequired } from '../../optIn.js';
import type { FetchLike } from '../fetch.js';
import { defaultBinaryDecoder } from './gunzip.js';
import type { BinaryDecoder } from './gunzip.js';
import type { KalamSql } from './http.js';
import type { KalamLogin } from './login.js';
import { kalamSession } from './KalamSession.js';
import { createSubscriptionManager } from './SubscriptionManager.js';
import type { SubscriptionManager } from './SubscriptionManager.js';
import type { KalamTopics } from './topics.js';
import type { KalamFiles } from './fileUploads.js';

/** A live-SQL check: the reason the query cannot run live, or undefined (`checkLiveSql`). */
export type LiveSqlCheck = (sql: string) => string | undefined;

export interface KalamDriverOptions {
  /** HTTP base URL of the server, e.g. `http://127.0.0.1:8080`. The WebSocket URL is derived (`/v1/ws`). */
  readonly url: string;
  /** WebSocket URL override (default: `url` with ws(s):// and `/v1/ws`). */
  readonly wsUrl?: string;
  readonly fetch?: FetchLike;
  /** `{"type":"ping"}` interval while open (default 5000; 0 disables). The server closes sockets silent for 10 s. */
  readonly pingIntervalMs?: number;
  /** Ask the server for gzip frames (default true); false adds `?compress=false`. */
  readonly compress?: boolean;
  /**
   * After a reconnect. 'auto' (default): 'seq' when the server said in `auth_success` that it
   * replays deletes made during the outage (the livebind dev server, K§12.3.2), else 'reload'
   * (KalamDB, which does not, K§8.4). 'seq' resumes each live query from its checkpoint (`from`);
   * only complete when the server replays deletes. 'reload' reloads every liveRows query and
   * replaces its rows at the end of the load.
   */
  readonly resume?: 'auto' | 'seq' | 'reload';
  /**
   * Check live-query SQL against what KalamDB's live evaluator handles before sending: pass
   * `checkLiveSql` from `livebind/kalamdb` (an import you opt into, so apps that do not check bundle
   * none of it). Failures end the query with a SubscriptionError `UNSUPPORTED_LIVE_SQL` instead of
   * KalamDB's silent skipping. Recommended against KalamDB; off by default (the dev server
   * evaluates IN, BETWEEN and IS NULL exactly and rejects what it cannot evaluate).
   */
  readonly strictLiveSql?: LiveSqlCheck;
  /**
   * Outbound WebSocket messages per rolling second (default 45; the server drops what exceeds 50/s,
   * pings included). Halved for the rest of the client's life if the server still reports `rate_limit`.
   */
  readonly maxMessagesPerSecond?: number;
  /** The server's WebSocket frame limit in bytes (default 1 MiB): a bigger subscribe fails locally with MESSAGE_TOO_LARGE. */
  readonly maxMessageBytes?: number;
  /** Binary frame decoder (default: node:zlib in Node, DecompressionStream elsewhere). */
  readonly binaryDecoder?: BinaryDecoder;
  /**
   * Topic consumers (`client.topic(name).consume(...)`, K§9): pass `kalamdbTopics` from
   * `livebind/kalamdb` (opt-in, so browser apps bundle none of it). Without it `topic()` throws.
   */
  readonly topics?: KalamTopics;
  /**
   * FILE uploads (`client.queryWithFiles(...)`, K§4.3) with progress and abort: pass `kalamdbFiles`
   * from `livebind/kalamdb` (opt-in, so live-rows apps bundle none of it). Without it
   * `queryWithFiles()` rejects with UsageError `OPT_IN_REQUIRED`.
   */
  readonly files?: KalamFiles;
  /**
   * `{ user, password }` auth (login, refresh before expiry, log in again when refused): pass
   * `kalamdbLogin` from `livebind/kalamdb` (opt-in, so apps that pass a token or a token provider
   * bundle none of it). Without it that auth form fails at createClient with UsageError `INVALID_OPTION`.
   */
  readonly login?: KalamLogin;
  /**
   * SQL over HTTP (`client.query()`, `client.execute()`, K§4): pass `kalamdbSql` from
   * `livebind/kalamdb` (opt-in, so live-rows apps bundle none of it). Without it they reject with
   * UsageError `OPT_IN_REQUIRED`.
   */
  readonly sql?: KalamSql;
}

/** The KalamDB driver for `createClient({ driver })`. Reusable: each client gets its own state. */
export function kalamdbDriver(options: KalamDriverOptions): DriverFactory {
  if (typeof options.url !== 'string' || options.url === '') {
    throw new UsageError('kalamdbDriver needs the server\'s HTTP base URL: { url: "http://127.0.0.1:8080" }.', { code: 'INVALID_OPTION' });
  }
  // The opt-in options take the imported function itself.
  for (const [option, name] of [
    ['strictLiveSql', 'checkLiveSql'],
    ['topics', 'kalamdbTopics'],
    ['files', 'kalamdbFiles'],
    ['login', 'kalamdbLogin'],
    ['sql', 'kalamdbSql'],
  ] as const) {
    if (options[option] !== undefined && typeof options[option] !== 'function') {
      throw new UsageError(optInMessage(`Option "${option}"`, option, name, 'livebind/kalamdb'), { code: 'INVALID_OPTION' });
    }
  }
  const fetchImpl = options.fetch ?? defaultFetch();
  const limits = {
    perSecond: positive(options.maxMessagesPerSecond, 45, 'maxMessagesPerSecond'),
    maxFrameBytes: positive(options.maxMessageBytes, 1024 * 1024, 'maxMessageBytes'),
    heartbeatMs: options.pingIntervalMs ?? 5000,
  };
  return {
    name: 'kalamdb',
    limits,
    login:
      options.login?.(options.url, fetchImpl) ??
      (() => {
        throw optInRequired('Option "auth" as { user, password }', 'login', 'kalamdbLogin', 'livebind/kalamdb');
      }),
    /** One client's driver: a closure, whose local names minify (this sits in every browser bundle). */
    create(context: DriverContext): Driver {
      const topic = options.topics?.(options.url, fetchImpl, context);
      const query = options.sql?.(options.url, fetchImpl, context);
      const upload = options.files?.(options.url, fetchImpl, context);
      const manager: SubscriptionManager = createSubscriptionManager(context.connection, options.resume ?? 'auto');
      const compress = options.compress ?? true;
      let decoder: BinaryDecoder | undefined;

      return {
        name: 'kalamdb',
        topic,
        socketUrl: () => options.wsUrl ?? kalamWsUrl(options.url, compress),

        session(link: Link): Session {
          decoder ??= options.binaryDecoder ?? defaultBinaryDecoder(); // (in Node) loading before the first gzip frame arrives
          return kalamSession(link, manager, compress ? 'gzip' : 'none', decoder);
        },

        stopped: manager.stop,

        liveFeed(spec: FeedSpec, sink: RowSink): FeedHandle {
          return manager.open(spec, sink, options.strictLiveSql?.(spec.sql));
        },

        /** SQL over HTTP (K§4), through the opt-in `sql` option; without it every call rejects naming the import. */
        sql:
          query ??
          (async () => {
            throw optInRequired('SQL over HTTP (query(), execute())', 'sql', 'kalamdbSql', 'livebind/kalamdb');
          }),

        /** Multipart SQL with FILE placeholders (K§4.3), through the opt-in `files` option. */
        sqlWithFiles:
          upload ??
          (async () => {
            throw optInRequired('queryWithFiles()', 'files', 'kalamdbFiles', 'livebind/kalamdb');
          }),
      };
    },
  };
}

/** WebSocket URL for an HTTP base URL (`http→ws`, `https→wss`, `/v1/ws`, `?compress=false` when off; K§5.1). */
export function kalamWsUrl(baseUrl: string, compress: boolean): string {
  const url = new URL(baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/ws`;
  url.search = compress ? '' : '?compress=false';
  url.hash = '';
  return url.toString();
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${name} must be a positive integer.`, { code: 'INVALID_OPTION' });
  return value;
}
