import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { persistentSecret } from './auth/persistentSecret.js';
import { TokenService } from './auth/tokens.js';
import { DEMO_USERS, seedDemo } from './engine/demoSeed.js';
import { PgliteEngine } from './engine/pgliteEngine.js';
import type { Role } from './engine/types.js';
import type { CorsOrigins } from './http/cors.js';
import { createRequestHandler } from './http/createRequestHandler.js';
import { attachKalamWs, WS_PATH, type KalamWsOptions, type KalamWsServer } from './kalamdb/ws/attachKalamWs.js';
import type { SupabaseRealtimeOptions } from './supabase/realtimeOptions.js';
import { REALTIME_PATHS, rejectUpgrade, SupabaseRealtime } from './supabase/SupabaseRealtime.js';

export interface DevServerUser {
  readonly user: string;
  readonly password: string;
  readonly role: Exclude<Role, 'anonymous'>;
}

export interface DevServerOptions {
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Bind address (default 127.0.0.1). */
  readonly host?: string;
  /** Persist the database in this directory; in memory when omitted. */
  readonly dataDir?: string;
  /** 'demo' adds users demo/demo and admin/kalamdb123 plus namespace `app` with demo tables (default 'none'). */
  readonly seed?: 'demo' | 'none';
  /** HS256 secret for JWTs (default: kept in the data dir with `dataDir`, so restarts keep clients logged in; else random per start). */
  readonly jwtSecret?: string;
  /** Users to create at start (skipped when they exist). */
  readonly users?: readonly DevServerUser[];
  readonly accessTokenTtlSeconds?: number;
  /** Auth requests per second per IP (default 20; 0 = unlimited). */
  readonly authRateLimitPerSec?: number;
  /** CORS allowed origins (default '*': any origin; the server binds loopback). */
  readonly corsOrigins?: CorsOrigins;
  readonly ws?: KalamWsOptions;
  /** HTTP time limits (defaults: headers 10 s, whole request 20 s, idle keep-alive 5 s). A body that trickles in is cut at `requestMs` with 408. */
  readonly httpTimeouts?: Partial<HttpTimeouts>;
  /** Extra links on the start page (`GET /`), e.g. the Storybook demos. */
  readonly links?: readonly { readonly label: string; readonly href: string }[];
  /** Limits and timers of the Supabase Realtime endpoint (`/realtime/v1/websocket`). */
  readonly realtime?: SupabaseRealtimeOptions;
  /** No log lines. */
  readonly quiet?: boolean;
  /**
   * In-memory databases: start from an image of a bootstrapped empty database kept in this process
   * (much faster when one process starts many servers, e.g. tests). Default true; the CLI turns it off.
   */
  readonly reuseTemplate?: boolean;
}

export interface HttpTimeouts {
  readonly headersMs: number;
  readonly requestMs: number;
  readonly keepAliveMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersMs: 10_000, requestMs: 20_000, keepAliveMs: 5_000 };

export interface DevServer {
  /** `http://host:port` */
  readonly url: string;
  /** `ws://host:port/v1/ws` */
  readonly wsUrl: string;
  readonly port: number;
  readonly engine: PgliteEngine;
  readonly ws: KalamWsServer;
  /** `ws://host:port/realtime/v1` (realtime-js appends `/websocket`). */
  readonly realtimeUrl: string;
  /** The Supabase Realtime front end (stats, `dropSockets()` test hook). */
  readonly realtime: SupabaseRealtime;
  /** Stops accepting, closes sockets with 1001, flushes and closes storage. Idempotent. */
  close(): Promise<void>;
}

/** Starts the embedded KalamDB-compatible dev server (HTTP SQL + auth + `/v1/ws`) backed by PGlite. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const host = options.host ?? '127.0.0.1';
  const tokenOptions: { secret?: string; accessTokenTtlSeconds?: number } = {};
  if (options.jwtSecret !== undefined) tokenOptions.secret = options.jwtSecret;
  else if (options.dataDir !== undefined) tokenOptions.secret = await persistentSecret(options.dataDir);
  if (options.accessTokenTtlSeconds !== undefined) tokenOptions.accessTokenTtlSeconds = options.accessTokenTtlSeconds;
  const tokens = new TokenService(tokenOptions);
  const engine = await PgliteEngine.open({
    tokens,
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.reuseTemplate !== undefined ? { reuseTemplate: options.reuseTemplate } : {}),
  });
  let server: http.Server | undefined;
  let realtimeRef: SupabaseRealtime | undefined;
  try {
    if (options.seed === 'demo') await seedDemo(engine);
    for (const u of options.users ?? []) {
      if ((await engine.findUser(u.user)) === undefined) await engine.createUser(u.user, u.password, u.role);
    }
    const realtime = new SupabaseRealtime(engine, options.realtime ?? {});
    realtimeRef = realtime;
    const handlerOptions: Parameters<typeof createRequestHandler>[0] = {
      engine,
      realtime,
      ...(options.authRateLimitPerSec !== undefined ? { authRateLimitPerSec: options.authRateLimitPerSec } : {}),
      ...(options.corsOrigins !== undefined ? { corsOrigins: options.corsOrigins } : {}),
      home: { demoLogins: options.seed === 'demo' ? DEMO_USERS : [], ...(options.links ? { links: options.links } : {}) },
    };
    const timeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...options.httpTimeouts };
    server = http.createServer(
      {
        headersTimeout: timeouts.headersMs,
        requestTimeout: timeouts.requestMs,
        keepAliveTimeout: timeouts.keepAliveMs,
        // Node checks the two timeouts above only this often (default 30 s).
        connectionsCheckingInterval: Math.min(1000, timeouts.headersMs),
      },
      createRequestHandler(handlerOptions),
    );
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT';
      const status = timedOut ? '408 Request Timeout' : '400 Bad Request';
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      else socket.destroy();
    });
    const ws = attachKalamWs(server, engine, options.ws ?? {});
    routeUpgrades(server, realtime);
    const s = server;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(options.port ?? 0, host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    const port = (s.address() as AddressInfo).port;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    const url = `http://${hostPart}:${port}`;
    let closing: Promise<void> | undefined;
    if (options.quiet !== true) console.log(`livebind dev server listening on ${url} (ws: ws://${hostPart}:${port}/v1/ws, supabase realtime: ws://${hostPart}:${port}/realtime/v1)`);
    return {
      url,
      wsUrl: `ws://${hostPart}:${port}/v1/ws`,
      port,
      engine,
      ws,
      realtimeUrl: `ws://${hostPart}:${port}/realtime/v1`,
      realtime,
      close() {
        closing ??= (async () => {
          const stopped = new Promise<void>((resolve) => s.close(() => resolve()));
          await Promise.all([ws.close(), realtime.close()]);
          s.closeIdleConnections();
          const force = setTimeout(() => s.closeAllConnections(), 2000);
          await stopped;
          clearTimeout(force);
          await engine.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await realtimeRef?.close();
    server?.close();
    await engine.close();
    throw e;
  }
}

/**
 * The one upgrade router of the dev server: `/v1/ws` → KalamDB, `/realtime/v1/websocket` and
 * `/socket/websocket` → Supabase Realtime, anything else → HTTP 404 without an upgrade.
 * attachKalamWs registers its own 'upgrade' listener; it is taken off the server here and called
 * by the router instead, so exactly one listener decides every path.
 */
function routeUpgrades(server: http.Server, realtime: SupabaseRealtime): void {
  const kalam = server.listeners('upgrade') as ((req: http.IncomingMessage, socket: Duplex, head: Buffer) => void)[];
  server.removeAllListeners('upgrade');
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      rejectUpgrade(socket, 400, 'Bad request URL');
      return;
    }
    const path = url.pathname.replace(/\/+$/, '');
    if (path === WS_PATH) for (const listener of kalam) listener(req, socket, head);
    else if (REALTIME_PATHS.includes(path)) realtime.handleUpgrade(req, socket, head, url);
    else rejectUpgrade(socket, 404, `No WebSocket endpoint at ${url.pathname.slice(0, 200)} (use ${WS_PATH} or ${REALTIME_PATHS.join(' or ')})`);
  });
}
