/**
 * The Supabase-Realtime-compatible front end of the dev server (spec shared/specs/
 * supabase-realtime-protocol.md): Phoenix sockets at `/realtime/v1/websocket` and
 * `/socket/websocket`, rooms for broadcast and presence, and postgres_changes fed from the engine's
 * one change capture (`engine.onChange`, the same stream `/v1/ws` uses). The dev server's upgrade
 * router hands it the upgrades of its paths; the HTTP routes (`/rest/v1`, `/api/broadcast`) live
 * in supabaseHttp.ts.
 */
import { awaitClosed } from '../ws/closeSockets.js';
import type * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ChangeRecord, Engine } from '../engine/types.js';
import type { ChannelJoin } from './ChannelJoin.js';
import type { Vsn } from './phoenixFrame.js';
import { PhoenixSocket, type SocketCounters, type SocketHub } from './PhoenixSocket.js';
import { PostgresChangeData } from './postgresChangeData.js';
import { apikeyUser } from './realtimeAuth.js';
import { resolveRealtimeOptions, type ResolvedRealtimeOptions, type SupabaseRealtimeOptions } from './realtimeOptions.js';
import { Room, type BroadcastMessage } from './Room.js';

export const REALTIME_PATHS: readonly string[] = ['/realtime/v1/websocket', '/socket/websocket'];

export interface SupabaseRealtimeStats extends Readonly<SocketCounters> {
  readonly sockets: number;
  readonly rooms: number;
  readonly postgresJoins: number;
}

export class SupabaseRealtime implements SocketHub {
  readonly options: ResolvedRealtimeOptions;
  readonly counters: SocketCounters = { framesReceived: 0, framesMalformed: 0, messagesRateLimited: 0 };
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<PhoenixSocket>();
  private readonly rooms = new Map<string, Room>();
  /** Joins with postgres_changes bindings, by namespace ('*' = every namespace). */
  private readonly pgJoins = new Map<string, Set<ChannelJoin>>();
  private readonly stopChanges: () => void;
  private readonly stopRevoked: () => void;
  private readonly sweeper: NodeJS.Timeout;
  private closing = false;

  constructor(
    readonly engine: Engine,
    options: SupabaseRealtimeOptions = {},
  ) {
    this.options = resolveRealtimeOptions(options);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxFrameBytes, perMessageDeflate: false });
    this.stopChanges = engine.onChange((change) => this.onChange(change));
    this.stopRevoked = engine.onSessionsRevoked((userId) => {
      for (const socket of this.sockets) for (const join of socket.joins.values()) join.sessionsRevoked(userId);
    });
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const socket of [...this.sockets]) socket.sweep(now);
    }, this.options.sweepIntervalMs);
    this.sweeper.unref();
  }

  // Upgrades

  /** Handles an upgrade on one of REALTIME_PATHS: `apikey` (query or x-api-key header) and `vsn` (§1). */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    if (this.closing) return rejectUpgrade(socket, 503, 'Realtime is restarting, please standby');
    const vsnParam = url.searchParams.get('vsn') ?? '1.0.0';
    if (vsnParam !== '1.0.0' && vsnParam !== '2.0.0') return rejectUpgrade(socket, 400, `Unsupported serializer version: ${vsnParam.slice(0, 32)} (use vsn=1.0.0 or vsn=2.0.0)`);
    const header = req.headers['x-api-key'];
    const apikey = (typeof header === 'string' ? header : undefined) ?? url.searchParams.get('apikey') ?? undefined;
    if (apikey === undefined || apikey === '') return rejectUpgrade(socket, 401, 'apikey is required (any value; a dev server access token also identifies the user)');
    apikeyUser(this.engine, apikey).then(
      (identity) => {
        if (this.closing || socket.destroyed) return rejectUpgrade(socket, 503, 'Realtime is restarting, please standby');
        if (identity !== undefined && 'refused' in identity) return rejectUpgrade(socket, 401, `apikey: ${identity.refused}`);
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          if (this.closing) return ws.close(1001, 'Server shutting down');
          const s = new PhoenixSocket(ws, this, vsnParam as Vsn, apikey, {
            user: identity?.user,
            token: identity === undefined ? undefined : apikey,
            expiresAtMs: identity?.expiresAtMs,
          });
          this.sockets.add(s);
        });
      },
      () => rejectUpgrade(socket, 500, 'Internal error'),
    );
  }

  // SocketHub

  room(isPrivate: boolean, topic: string): Room {
    const key = `${isPrivate ? 'private' : 'public'}:${topic}`;
    let room = this.rooms.get(key);
    if (room === undefined) this.rooms.set(key, (room = new Room(topic)));
    return room;
  }

  attach(join: ChannelJoin): void {
    join.room.add(join);
    for (const ns of new Set(join.bindings.map((b) => b.namespace))) {
      let set = this.pgJoins.get(ns);
      if (set === undefined) this.pgJoins.set(ns, (set = new Set()));
      set.add(join);
    }
  }

  detach(join: ChannelJoin): void {
    join.room.remove(join);
    if (join.room.empty) this.rooms.delete(`${join.config.isPrivate ? 'private' : 'public'}:${join.topic}`);
    for (const b of join.bindings) {
      const set = this.pgJoins.get(b.namespace);
      set?.delete(join);
      if (set?.size === 0) this.pgJoins.delete(b.namespace);
    }
  }

  socketClosed(socket: PhoenixSocket): void {
    this.sockets.delete(socket);
  }

  // postgres_changes (§3.8)

  private onChange(change: ChangeRecord): void {
    if (this.pgJoins.size === 0) return;
    const dot = change.table.indexOf('.');
    const table = this.engine.getTable(change.table.slice(0, dot), change.table.slice(dot + 1));
    if (table === undefined) return;
    const targets = [...(this.pgJoins.get(table.namespace) ?? []), ...(this.pgJoins.get('*') ?? [])];
    if (targets.length === 0) return;
    const data = new PostgresChangeData(change, table, this.options.maxPayloadBytes);
    for (const join of new Set(targets)) join.postgresChange(change, table, data);
  }

  // Broadcast from HTTP (§3.6)

  /** Fans a REST broadcast out to every member of the room (`topic` without `realtime:`). */
  broadcast(subTopic: string, isPrivate: boolean, message: BroadcastMessage): void {
    const room = this.rooms.get(`${isPrivate ? 'private' : 'public'}:realtime:${subTopic}`);
    room?.broadcast(undefined, message, true);
  }

  // Diagnostics, test hooks, shutdown

  stats(): SupabaseRealtimeStats {
    let postgresJoins = 0;
    for (const set of this.pgJoins.values()) postgresJoins += set.size;
    return { ...this.counters, sockets: this.sockets.size, rooms: this.rooms.size, postgresJoins };
  }

  /**
   * Test hook: drops every socket, abruptly (`terminate`, the client sees 1006) or with a close
   * code (e.g. 1001, 1012). Clients reconnect and rejoin; presence leaves go out at once.
   */
  dropSockets(how: 'terminate' | { readonly code: number; readonly reason?: string } = 'terminate'): number {
    const all = [...this.sockets];
    for (const s of all) {
      if (how === 'terminate') s.terminate();
      else s.closeWith(how.code, how.reason ?? 'Server requested disconnect');
    }
    return all.length;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.sweeper);
    this.stopChanges();
    this.stopRevoked();
    const clients = [...this.wss.clients];
    for (const s of [...this.sockets]) s.closeWith(1001, 'Server shutting down');
    await awaitClosed(clients);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** An HTTP error instead of the upgrade, body `{"error":"…"}` (§1 handshake failure). */
export function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: message });
  const text = status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : status === 503 ? 'Service Unavailable' : 'Internal Server Error';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
