/**
 * KalamDB-compatible WebSocket front end (`GET /v1/ws`, spec §5–§8) attached to an HTTP server.
 * Handles the 'upgrade' event for `/v1/ws` (other paths: 404 when no other front end listens),
 * authenticates (message or header), and serves live queries from the engine's change stream.
 * See server/kalamdb/README.md for where it does better than KalamDB.
 */
import { awaitClosed } from '../../ws/closeSockets.js';
import type * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { AuthUser, Engine } from '../../engine/types.js';
import { SubscriptionIndex } from '../live/SubscriptionIndex.js';
import { DEFAULT_PROTOCOL, type WireProtocol } from './clientMessage.js';
import { KalamConnection, newInboundCounters, type InboundCounters, type ResolvedKalamWsOptions } from './KalamConnection.js';
import { DEFAULT_MAX_FRAME_BYTES, DEFAULT_OUTBOUND_LIMITS } from '../../ws/wsBounds.js';

/** Limits and timers of the front end; every field is optional, defaults from spec §5.4. */
export interface KalamWsOptions {
  /** Close with auth_error + 1008 when no `authenticate` arrives within this time (default 3000). */
  readonly authTimeoutMs?: number;
  /** Largest inbound text frame (default 1 MiB); larger → MESSAGE_TOO_LARGE. */
  readonly maxMessageBytes?: number;
  /** Inbound messages per second per connection, pings included, next_batch exempt (default 50). */
  readonly maxMessagesPerSec?: number;
  /** Default 100; exceeded → UNSUPPORTED. */
  readonly maxSubscriptionsPerConnection?: number;
  /** Default 10 (across connections); exceeded → SUBSCRIPTION_LIMIT_EXCEEDED. */
  readonly maxSubscriptionsPerUser?: number;
  /** Inbound silence before close 1000 "Heartbeat timeout" (default 10000). */
  readonly idleTimeoutMs?: number;
  /** How often idle connections are checked (default 5000). */
  readonly heartbeatIntervalMs?: number;
  /** Unsent server messages per connection before close 1013 (default 10000). */
  readonly outboundQueueLimit?: number;
  /** Bytes buffered for a connection that does not read (beyond the kernel's buffers) before close 1013 (default 8 MiB). */
  readonly outboundBufferLimitBytes?: number;
  /** Changes held back per subscription during its initial load before close 1013 (default 1024). */
  readonly heldBackLimit?: number;
  /** Server messages at least this large are gzipped into binary frames when smaller (default 512). */
  readonly compressThresholdBytes?: number;
}

export interface KalamWsServer {
  /** Close every socket with 1001 "Server shutting down" and stop listening for upgrades. */
  close(): Promise<void>;
  /** Subscriptions registered now. */
  subscriptionCount(): number;
  /** Subscriptions registered since start (cumulative; unsubscribes and closes do not lower it). */
  subscriptionsStarted(): number;
  connectionCount(): number;
  /** Cumulative inbound frame counters since start (a snapshot). */
  stats(): KalamWsStats;
}

/** Inbound frames since start. Every received frame is either dropped (after close) or handled. */
export interface KalamWsStats extends Readonly<InboundCounters> {
  /** framesReceived − framesDroppedAfterClose = framesTooLarge + framesBinary + framesInvalid + messagesParsed. */
  readonly framesHandled: number;
}

export const WS_PATH = '/v1/ws';

export const DEFAULT_KALAM_WS_OPTIONS: ResolvedKalamWsOptions = {
  authTimeoutMs: 3000,
  maxMessageBytes: DEFAULT_MAX_FRAME_BYTES,
  maxMessagesPerSec: 50,
  maxSubscriptionsPerConnection: 100,
  maxSubscriptionsPerUser: 10,
  idleTimeoutMs: 10_000,
  heartbeatIntervalMs: 5000,
  ...DEFAULT_OUTBOUND_LIMITS,
  heldBackLimit: 1024,
  compressThresholdBytes: 512,
};

/** Frames above this size are refused by `ws` itself (close 1009); up to it, MESSAGE_TOO_LARGE. */
const HARD_PAYLOAD_LIMIT_FACTOR = 4;

export function attachKalamWs(server: http.Server, engine: Engine, options: KalamWsOptions = {}): KalamWsServer {
  const opts: ResolvedKalamWsOptions = { ...DEFAULT_KALAM_WS_OPTIONS, ...definedOnly(options) };
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: Math.max(opts.maxMessageBytes * HARD_PAYLOAD_LIMIT_FACTOR, 16 * 1024 * 1024),
    perMessageDeflate: false,
  });
  const index = new SubscriptionIndex();
  const connections = new Set<KalamConnection>();
  let closing = false;

  const counters = newInboundCounters();
  const ctx = { engine, index, options: opts, counters, onClosed: (conn: KalamConnection) => connections.delete(conn) };

  const stopChanges = engine.onChange((change) => {
    index.dispatch(change, (sub) => {
      // A subscription that throws on a change cannot stay consistent: drop its connection so the client resumes.
      for (const conn of connections) if (conn.ownsSubscription(sub)) conn.closeWith(1011, 'Internal error');
    });
  });

  const stopRevoked = engine.onSessionsRevoked((userId) => {
    for (const conn of connections) void conn.sessionsRevoked(userId);
  });

  const heartbeat = setInterval(() => {
    const now = Date.now();
    for (const conn of connections) conn.checkIdle(now);
  }, opts.heartbeatIntervalMs);
  heartbeat.unref();

  const reject = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
  };

  const accept = (req: http.IncomingMessage, socket: Duplex, head: Buffer, headerAuth: { user: AuthUser; token: string; protocol: WireProtocol } | undefined, compress: boolean): void => {
    if (closing || socket.destroyed) {
      reject(socket, '503 Service Unavailable');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (closing) {
        ws.close(1001, 'Server shutting down');
        return;
      }
      connections.add(new KalamConnection(ws, ctx, compress, headerAuth, DEFAULT_PROTOCOL));
    });
  };

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      reject(socket, '400 Bad Request');
      return;
    }
    if (url.pathname !== WS_PATH) {
      if (server.listenerCount('upgrade') === 1) reject(socket, '404 Not Found');
      return;
    }
    if (closing) {
      reject(socket, '503 Service Unavailable');
      return;
    }
    const compress = url.searchParams.get('compress') !== 'false';
    const authorization = req.headers.authorization;
    if (authorization === undefined) {
      accept(req, socket, head, undefined, compress);
      return;
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) {
      reject(socket, '401 Unauthorized');
      return;
    }
    const protocol: WireProtocol = { serialization: 'json', compression: url.searchParams.get('compression') === 'none' ? 'none' : 'gzip' };
    const token = match[1];
    engine.verifyAccessToken(token).then(
      (user) => accept(req, socket, head, { user, token, protocol }, compress),
      () => reject(socket, '401 Unauthorized'),
    );
  };
  server.on('upgrade', onUpgrade);

  return {
    async close() {
      if (closing) return;
      closing = true;
      server.off('upgrade', onUpgrade);
      clearInterval(heartbeat);
      stopChanges();
      stopRevoked();
      const all = [...wss.clients];
      for (const conn of [...connections]) conn.closeWith(1001, 'Server shutting down');
      await awaitClosed(all);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    subscriptionCount: () => index.size,
    subscriptionsStarted: () => index.startedCount,
    connectionCount: () => connections.size,
    stats: () => ({ ...counters, framesHandled: counters.framesReceived - counters.framesDroppedAfterClose }),
  };
}

function definedOnly(options: KalamWsOptions): Partial<ResolvedKalamWsOptions> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(options)) if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  return out as Partial<ResolvedKalamWsOptions>;
}
