/**
 * KalamDB-compatible WebSocket front end (`GET /v1/ws`, spec §5–§8) attached to an HTTP server.
 * Handles the 'upgrade' event for `/v1/ws` (other paths: 404), authenticates, and serves live queries
 * from the engine's change stream.
 */
import type * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Engine } from '../../engine/types.js';

/** Limits and timers of the front end; every field is optional, defaults from spec §5.4. */
export interface KalamWsOptions {
  /** Close with auth_error + 1008 when no `authenticate` arrives within this time (default 3000). */
  readonly authTimeoutMs?: number;
  /** Largest inbound text frame (default 1 MiB); larger → MESSAGE_TOO_LARGE. */
  readonly maxMessageBytes?: number;
  /** Inbound messages per second per connection, pings included (default 50). */
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
  /** Changes held back per subscription during its initial load before close 1013 (default 1024). */
  readonly heldBackLimit?: number;
  /** Server messages at least this large are gzipped into binary frames when smaller (default 512). */
  readonly compressThresholdBytes?: number;
}

export interface KalamWsServer {
  /** Close every socket with 1001 "Server shutting down" and stop listening for upgrades. */
  close(): Promise<void>;
  subscriptionCount(): number;
  connectionCount(): number;
}

export const WS_PATH = '/v1/ws';

export function attachKalamWs(server: http.Server, engine: Engine, options: KalamWsOptions = {}): KalamWsServer {
  void engine;
  void options;
  const wss = new WebSocketServer({ noServer: true });
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== WS_PATH) {
      if (server.listenerCount('upgrade') === 1) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      }
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.close(1011, 'Not implemented yet');
    });
  };
  server.on('upgrade', onUpgrade);
  return {
    async close() {
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.close(1001, 'Server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    subscriptionCount: () => 0,
    connectionCount: () => wss.clients.size,
  };
}
