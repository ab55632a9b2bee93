/**
 * One Supabase Realtime WebSocket (Phoenix, vsn 1.0.0 or 2.0.0): decodes frames (malformed ones get
 * an error reply on topic `phoenix` and the socket stays open, spec §2.3), answers heartbeats,
 * routes channel messages by topic and join_ref (§3.3), and processes messages in arrival order
 * (a join or token check may wait for the token check; later messages wait behind it, bounded).
 */
import type { RawData, WebSocket } from 'ws';
import { ChannelJoin, type JoinSocket } from './ChannelJoin.js';
import { joinChannel, type JoinHub } from './joinChannel.js';
import { decodeBinary, decodeText, encodeText, type PhoenixMessage, type UserBroadcastPush, type Vsn } from './phoenixFrame.js';
import type { Identity } from './ChannelJoin.js';

export interface SocketCounters {
  framesReceived: number;
  framesMalformed: number;
  messagesRateLimited: number;
}

export interface SocketHub extends JoinHub {
  readonly counters: SocketCounters;
  socketClosed(socket: PhoenixSocket): void;
}

type Inbound = { readonly kind: 'message'; readonly message: PhoenixMessage } | { readonly kind: 'binary'; readonly push: UserBroadcastPush };

const UNMATCHED = '{"reason":"unmatched topic"}';

export class PhoenixSocket implements JoinSocket {
  readonly joins = new Map<string, ChannelJoin>();
  private readonly queue: Inbound[] = [];
  private busy = false;
  private closed = false;
  private lastActivity = Date.now();
  private lastChannelAt = Date.now();
  private windowStart = 0;
  private windowCount = 0;
  private joinWindowStart = 0;
  private joinWindowCount = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly ws: WebSocket,
    private readonly hub: SocketHub,
    readonly vsn: Vsn,
    readonly apikey: string | undefined,
    /** Who the apikey identifies (anonymous: user undefined). */
    readonly connection: Identity,
  ) {
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('ping', () => this.touch());
    ws.on('pong', () => this.touch());
    ws.on('error', () => this.dispose());
    ws.on('close', () => this.dispose());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // Outbound

  sendFrame(frame: string | Uint8Array): void {
    if (this.closed) return;
    this.ws.send(frame, { binary: typeof frame !== 'string' });
    if (this.ws.bufferedAmount > this.hub.options.outboundBufferLimitBytes) {
      // A client that does not read: drop it (it reconnects) rather than buffer without bound.
      this.dispose();
      this.ws.terminate();
    }
  }

  push(joinRef: string | null, ref: string | null, topic: string, event: string, payloadJson: string): void {
    this.sendFrame(encodeText(this.vsn, joinRef, ref, topic, event, payloadJson));
  }

  reply(joinRef: string | null, ref: string | null, topic: string, status: 'ok' | 'error', responseJson: string): void {
    this.push(joinRef, ref, topic, 'phx_reply', `{"status":"${status}","response":${responseJson}}`);
  }

  /** Runs `fn` after `ms` unless the socket closed meanwhile. */
  later(ms: number, fn: () => void): void {
    if (ms <= 0) {
      fn();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  forget(join: ChannelJoin): void {
    if (this.joins.get(join.topic) === join) this.joins.delete(join.topic);
    if (this.joins.size === 0) this.lastChannelAt = Date.now();
  }

  // Lifecycle

  /** Idle close (no inbound data for idleTimeoutMs) and channel-less close (noChannelTimeoutMs). */
  sweep(now: number): void {
    const o = this.hub.options;
    if (now - this.lastActivity > o.idleTimeoutMs) this.closeWith(1000, 'Idle timeout: no message (heartbeat) received');
    else if (this.joins.size === 0 && now - this.lastChannelAt > o.noChannelTimeoutMs) this.closeWith(1000, 'No channels joined');
  }

  closeWith(code: number, reason: string): void {
    if (this.closed) return;
    this.dispose();
    try {
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      this.ws.terminate();
    }
  }

  /** Test hook and shutdown: drop without a close frame. */
  terminate(): void {
    this.dispose();
    this.ws.terminate();
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    for (const join of [...this.joins.values()]) join.destroy();
    this.joins.clear();
    this.hub.socketClosed(this);
  }

  // Inbound

  private touch(): void {
    this.lastActivity = Date.now();
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    this.touch();
    if (this.closed) return;
    this.hub.counters.framesReceived++;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let decoded;
    if (isBinary) {
      decoded = this.vsn === '2.0.0' ? decodeBinary(buf) : ({ kind: 'error', error: 'MalformedWebSocketMessage: binary frames need vsn=2.0.0', ref: null, topic: null } as const);
    } else {
      decoded = decodeText(buf.toString('utf8'), this.vsn);
    }
    if (decoded.kind === 'error') {
      this.hub.counters.framesMalformed++;
      // On the frame's topic when it was readable (its push then fails), else on `phoenix` (ignored by realtime-js).
      this.reply(null, decoded.ref, decoded.topic ?? 'phoenix', 'error', JSON.stringify({ reason: decoded.error }));
      return;
    }
    const item: Inbound = decoded.kind === 'message' ? { kind: 'message', message: decoded.message } : { kind: 'binary', push: decoded.push };
    if (this.queue.length >= this.hub.options.maxPendingMessages) {
      this.closeWith(1013, 'Too many messages waiting for a token check');
      return;
    }
    this.queue.push(item);
    if (!this.busy) void this.drain();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const item = this.queue.shift()!;
        const pending = this.handle(item);
        if (pending !== undefined) await pending;
      }
    } catch {
      this.closeWith(1011, 'Internal error');
    } finally {
      this.busy = false;
    }
  }

  private allowMessage(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    return ++this.windowCount <= this.hub.options.maxMessagesPerSecond;
  }

  /** Joins per second on this socket (`ClientJoinRateLimitReached`). */
  allowJoin(): boolean {
    const now = Date.now();
    if (now - this.joinWindowStart >= 1000) {
      this.joinWindowStart = now;
      this.joinWindowCount = 0;
    }
    return ++this.joinWindowCount <= this.hub.options.maxJoinsPerSecond;
  }

  private handle(item: Inbound): void | Promise<void> {
    if (item.kind === 'binary') {
      const push = item.push;
      if (!this.allowMessage()) return this.rateLimited(push.topic);
      const join = this.joins.get(push.topic);
      if (join === undefined) return this.reply(null, push.ref, push.topic, 'error', UNMATCHED);
      if (push.joinRef !== null && push.joinRef !== join.joinRef) return undefined;
      return join.binaryBroadcast(push);
    }
    const m = item.message;
    if (m.topic === 'phoenix') {
      if (m.event === 'heartbeat') return this.reply(null, m.ref, 'phoenix', 'ok', '{}');
      return this.reply(null, m.ref, 'phoenix', 'error', JSON.stringify({ reason: `UnknownEvent: topic phoenix only takes heartbeat, not ${m.event.slice(0, 64)}` }));
    }
    if (!this.allowMessage()) return this.rateLimited(m.topic);
    if (m.event === 'phx_join') return joinChannel(this, this.hub, m);
    const join = this.joins.get(m.topic);
    if (join === undefined) return this.reply(null, m.ref, m.topic, 'error', UNMATCHED);
    // Stale join_ref (an earlier join of this topic): ignored (§3.3). A null join_ref is accepted.
    if (m.joinRef !== null && m.joinRef !== join.joinRef) return undefined;
    if (m.event === 'phx_leave') {
      this.reply(join.joinRef, m.ref, m.topic, 'ok', '{}');
      join.close();
      return undefined;
    }
    return join.handle(m.event, m.payload, m.ref);
  }

  /** Over maxMessagesPerSecond: the targeted channel is killed (Supabase: "Too many messages per second"). */
  private rateLimited(topic: string): void {
    this.hub.counters.messagesRateLimited++;
    this.joins.get(topic)?.kill('Too many messages per second');
  }
}
