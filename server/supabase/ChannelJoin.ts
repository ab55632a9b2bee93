/**
 * One joined channel of one socket (a `join_ref`): its identity, broadcast config, presence key,
 * postgres_changes bindings and token watchdog. Handles the channel events after `phx_join`
 * (broadcast, presence, access_token; spec §3.5–§3.8) and ends with `kill` (system error +
 * phx_close, §3.4) or `destroy` (leave, duplicate join, socket drop).
 */
import { randomUUID } from 'node:crypto';
import type { AuthUser, ChangeRecord, Engine, TableInfo } from '../engine/types.js';
import type { JoinConfig } from './joinConfig.js';
import { bindingMatches, type PostgresBinding } from './postgresBinding.js';
import type { PostgresChangeData } from './postgresChangeData.js';
import type { UserBroadcastPush } from './phoenixFrame.js';
import { parseJsonBytes } from './phoenixFrame.js';
import { checkToken, expiredMessage } from './realtimeAuth.js';
import type { ResolvedRealtimeOptions } from './realtimeOptions.js';
import type { MemberSocket, Room, RoomMember } from './Room.js';

/** What a join needs from its socket. */
export interface JoinSocket extends MemberSocket {
  push(joinRef: string | null, ref: string | null, topic: string, event: string, payloadJson: string): void;
  reply(joinRef: string | null, ref: string | null, topic: string, status: 'ok' | 'error', responseJson: string): void;
  /** The socket's apikey (an access_token equal to it means "the connection's identity"). */
  readonly apikey: string | undefined;
  forget(join: ChannelJoin): void;
}

export interface Identity {
  readonly user: AuthUser | undefined;
  readonly token: string | undefined;
  readonly expiresAtMs: number | undefined;
}

export interface JoinDeps {
  readonly engine: Engine;
  readonly options: ResolvedRealtimeOptions;
  /** Called once when the join ends (room and postgres index cleanup). */
  readonly onDestroy: (join: ChannelJoin) => void;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export class ChannelJoin implements RoomMember {
  readonly subTopic: string;
  readonly presenceKey: string;
  private presenceOn: boolean;
  private identity: Identity;
  private presenceTimes: number[] = [];
  private watchdog: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    readonly socket: JoinSocket,
    readonly topic: string,
    readonly joinRef: string,
    readonly room: Room,
    readonly config: JoinConfig,
    readonly bindings: readonly PostgresBinding[],
    identity: Identity,
    private readonly deps: JoinDeps,
  ) {
    this.subTopic = topic.slice('realtime:'.length);
    this.presenceKey = config.presenceKey === '' ? randomUUID() : config.presenceKey;
    this.presenceOn = config.presenceEnabled;
    this.identity = identity;
    this.armWatchdog();
  }

  get receivesPresence(): boolean {
    return this.presenceOn;
  }

  get user(): AuthUser | undefined {
    return this.identity.user;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** A channel event other than phx_join/phx_leave; a promise only for access_token. */
  handle(event: string, payload: unknown, ref: string | null): void | Promise<void> {
    switch (event) {
      case 'broadcast':
        return this.onBroadcast(payload, ref);
      case 'presence':
        return this.onPresence(payload, ref);
      case 'access_token':
        return this.onAccessToken(payload);
      default:
        if (ref !== null) this.replyError(ref, `{"reason":${JSON.stringify(`UnknownEvent: ${event.slice(0, 64)} is not a channel event (broadcast, presence, access_token, phx_leave)`)}}`);
    }
  }

  // Broadcast (§3.6)

  private onBroadcast(payload: unknown, ref: string | null): void {
    if (!isRecord(payload) || typeof payload['event'] !== 'string') {
      if (ref !== null) this.replyError(ref, '{"reason":"broadcast payload must be {\\"type\\":\\"broadcast\\",\\"event\\":<string>,\\"payload\\":<any>}"}');
      return;
    }
    const payloadJson = JSON.stringify(payload['payload'] ?? {});
    if (Buffer.byteLength(payloadJson) > this.deps.options.maxPayloadBytes) {
      if (this.config.ack && ref !== null) this.replyError(ref, '"payload_size_exceeded"');
      return;
    }
    this.room.broadcast(this, { event: payload['event'], payloadJson, payloadBytes: undefined }, this.config.self);
    if (this.config.ack && ref !== null) this.socket.reply(this.joinRef, ref, this.topic, 'ok', '{}');
  }

  /** A v2 kind 3 push: JSON payloads must parse; raw bytes go to v2 members only. */
  binaryBroadcast(push: UserBroadcastPush): void {
    if (push.payload.length > this.deps.options.maxPayloadBytes) {
      if (this.config.ack && push.ref !== null) this.replyError(push.ref, '"payload_size_exceeded"');
      return;
    }
    let payloadJson: string | undefined;
    if (push.encoding === 'json') {
      const parsed = parseJsonBytes(push.payload);
      if (parsed === undefined) {
        if (push.ref !== null) this.replyError(push.ref, '{"reason":"MalformedWebSocketMessage: the kind 3 payload is marked JSON but is not valid UTF-8 JSON"}');
        return;
      }
      payloadJson = JSON.stringify(parsed.value);
    }
    this.room.broadcast(this, { event: push.event, payloadJson, payloadBytes: push.payload.slice() }, this.config.self);
    if (this.config.ack && push.ref !== null) this.socket.reply(this.joinRef, push.ref, this.topic, 'ok', '{}');
  }

  // Presence (§3.7)

  private onPresence(payload: unknown, ref: string | null): void {
    const p = isRecord(payload) ? payload : {};
    const event = typeof p['event'] === 'string' ? p['event'].toLowerCase() : '';
    if (event !== 'track' && event !== 'untrack') {
      if (ref !== null) this.replyError(ref, '{}');
      return;
    }
    if (!this.allowPresenceEvent()) {
      this.kill('Client presence rate limit exceeded');
      return;
    }
    if (event === 'untrack') {
      this.room.presenceDiff(this.room.presence.remove(this));
      if (ref !== null) this.socket.reply(this.joinRef, ref, this.topic, 'ok', '{}');
      return;
    }
    const meta = p['payload'];
    if (!isRecord(meta)) {
      if (ref !== null) this.replyError(ref, '{"reason":"Presence track payload must be a map"}');
      return;
    }
    const json = JSON.stringify(meta);
    if (Buffer.byteLength(json) > this.deps.options.maxPresenceBytes) {
      this.kill('Track message size exceeded');
      return;
    }
    this.presenceOn = true;
    this.room.presenceDiff(this.room.presence.track(this, this.presenceKey, json));
    if (ref !== null) this.socket.reply(this.joinRef, ref, this.topic, 'ok', '{}');
  }

  /** `presenceLimit` track/untrack per `presenceWindowMs` (Supabase: 5 per 30 s per client). */
  private allowPresenceEvent(): boolean {
    const now = Date.now();
    const since = now - this.deps.options.presenceWindowMs;
    this.presenceTimes = this.presenceTimes.filter((t) => t > since);
    if (this.presenceTimes.length >= this.deps.options.presenceLimit) return false;
    this.presenceTimes.push(now);
    return true;
  }

  // access_token (§3.5)

  private async onAccessToken(payload: unknown): Promise<void> {
    const token = isRecord(payload) ? payload['access_token'] : undefined;
    if (typeof token !== 'string' || token === '' || token.startsWith('sb_') || token === this.identity.token || token === this.socket.apikey) return;
    const check = await checkToken(this.deps.engine, token);
    if (this.ended) return;
    if (!check.ok) {
      this.kill(check.message);
      return;
    }
    this.identity = { user: check.user, token, expiresAtMs: check.expiresAtMs };
    this.armWatchdog();
  }

  /**
   * Re-checks the token at min(5 min, exp − now) (§3.5 watchdog): expiry, and the same session check
   * as every HTTP request. A logout, password or role change or DROP USER ends the join at once (the
   * engine announces revoked sessions, see sessionsRevoked); this timer is the backstop.
   */
  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    const exp = this.identity.expiresAtMs;
    if (exp === undefined) return;
    const wait = exp - Date.now();
    if (wait <= 0) {
      this.watchdog = setTimeout(() => this.kill(expiredMessage(exp)), 0);
    } else {
      this.watchdog = setTimeout(() => void this.recheck(), Math.min(Math.max(50, this.deps.options.tokenRecheckMs), wait + 1));
    }
    this.watchdog.unref();
  }

  /** Sessions of `userId` ended: re-check this join's token now rather than at the next watchdog tick. */
  sessionsRevoked(userId: string): void {
    if (!this.ended && this.identity.user?.id === userId) void this.recheck();
  }

  private async recheck(): Promise<void> {
    const identity = this.identity;
    const token = identity.token;
    if (this.ended) return;
    if (token !== undefined && (identity.expiresAtMs === undefined || identity.expiresAtMs > Date.now())) {
      const check = await checkToken(this.deps.engine, token).catch(() => undefined);
      // A token push meanwhile replaced the identity (and re-armed the watchdog): nothing to do.
      if (this.ended || this.identity !== identity) return;
      if (check !== undefined && !check.ok) {
        this.kill(check.message);
        return;
      }
    }
    this.armWatchdog();
  }

  // postgres_changes (§3.8)

  /** Whether this join's user may see the change: own rows of USER tables; SHARED tables by access level. */
  private canSee(change: ChangeRecord, table: TableInfo): boolean {
    const user = this.identity.user;
    if (user === undefined) return false;
    if (table.type === 'user') return change.userId === user.id;
    return this.deps.engine.canRead(user, table);
  }

  postgresChange(change: ChangeRecord, table: TableInfo, data: PostgresChangeData): void {
    if (this.ended || this.bindings.length === 0 || !this.canSee(change, table)) return;
    const groups = new Map<string, { select: readonly string[] | undefined; ids: number[] }>();
    for (const b of this.bindings) {
      if (!bindingMatches(b, change, data.type, table)) continue;
      const key = b.select === undefined ? '*' : JSON.stringify(b.select);
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { select: b.select, ids: [b.id] });
      else if (!group.ids.includes(b.id)) group.ids.push(b.id);
    }
    for (const { select, ids } of groups.values()) {
      this.socket.push(null, null, this.topic, 'postgres_changes', `{"ids":[${ids.join(',')}],"data":${data.json(select)}}`);
    }
  }

  // Endings

  /** A runtime kill (§3.4): system error, then phx_close; realtime-js does not rejoin. */
  kill(message: string): void {
    if (this.ended) return;
    this.socket.push(this.joinRef, null, this.topic, 'system', systemJson('system', 'error', message, this.subTopic));
    this.close();
  }

  /** phx_close with the join_ref as ref (§3.4), then destroy. */
  close(): void {
    if (this.ended) return;
    this.socket.push(this.joinRef, this.joinRef, this.topic, 'phx_close', '{}');
    this.destroy();
  }

  /** Ends the join without a message (socket drop), or after the caller sent one. */
  destroy(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.watchdog);
    this.socket.forget(this);
    this.deps.onDestroy(this);
  }

  private replyError(ref: string, responseJson: string): void {
    this.socket.reply(this.joinRef, ref, this.topic, 'error', responseJson);
  }
}

export function systemJson(extension: string, status: 'ok' | 'error', message: string, channel: string): string {
  return JSON.stringify({ extension, status, message, channel });
}
