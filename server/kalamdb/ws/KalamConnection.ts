/**
 * One `/v1/ws` connection: authentication (spec §5.2), inbound validation and limits (§5.3, §5.4),
 * message dispatch (§6.1) in arrival order, its subscriptions, and an outbound queue that closes
 * with 1013 instead of dropping notifications (§12.3.3).
 */
import type { WebSocket, RawData } from 'ws';
import type { AuthUser, Engine } from '../../engine/types.js';
import { LiveSubscription, type SubscriptionSink } from '../live/LiveSubscription.js';
import type { SubscriptionIndex } from '../live/SubscriptionIndex.js';
import { planSubscriptionOffThread } from '../live/planSubscription.js';
import { InvalidMessage, parseClientMessage, type ClientMessage, type WireProtocol } from './clientMessage.js';
import { OrderedFrames, PreparedFrame } from './OrderedFrames.js';
import { authErrorMessage, authSuccessMessage, errorMessage, type ErrorCode } from './serverMessages.js';
import { BoundedOutbound, OVERFLOW_CLOSE } from '../../ws/wsBounds.js';

export interface ResolvedKalamWsOptions {
  readonly authTimeoutMs: number;
  readonly maxMessageBytes: number;
  readonly maxMessagesPerSec: number;
  readonly maxSubscriptionsPerConnection: number;
  readonly maxSubscriptionsPerUser: number;
  readonly idleTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly outboundQueueLimit: number;
  readonly outboundBufferLimitBytes: number;
  readonly heldBackLimit: number;
  readonly compressThresholdBytes: number;
}

/** Cumulative inbound counters shared by every connection of one front end (diagnostics, tests). */
export interface InboundCounters {
  /** Data frames delivered by `ws` to a connection, dropped ones included. */
  framesReceived: number;
  /** Frames that arrived after the connection was closed and were not looked at. */
  framesDroppedAfterClose: number;
  /** Refused with MESSAGE_TOO_LARGE. */
  framesTooLarge: number;
  /** Refused with UNSUPPORTED_DATA. */
  framesBinary: number;
  /** Not a valid client message: connection closed with 1011. */
  framesInvalid: number;
  /** Valid client messages (rate-limited ones included). */
  messagesParsed: number;
  /** Of messagesParsed, refused with RATE_LIMIT_EXCEEDED. */
  messagesRateLimited: number;
}

export function newInboundCounters(): InboundCounters {
  return { framesReceived: 0, framesDroppedAfterClose: 0, framesTooLarge: 0, framesBinary: 0, framesInvalid: 0, messagesParsed: 0, messagesRateLimited: 0 };
}

export interface ConnectionContext {
  readonly engine: Engine;
  readonly index: SubscriptionIndex;
  readonly options: ResolvedKalamWsOptions;
  readonly counters: InboundCounters;
  readonly onClosed: (conn: KalamConnection) => void;
}

type AuthState = 'pending' | 'authenticating' | 'authenticated';

export class KalamConnection implements SubscriptionSink {
  private auth: AuthState = 'pending';
  private user: AuthUser | undefined;
  /** The access token `user` came from, kept to re-check it when the user's sessions end. */
  private token: string | undefined;
  private protocol: WireProtocol;
  private closed = false;
  private lastActivity = Date.now();
  private authTimer: NodeJS.Timeout | undefined;
  private windowStart = 0;
  private windowCount = 0;
  private readonly frames: OrderedFrames;
  private chain: Promise<void> = Promise.resolve();
  private readonly subs = new Map<string, LiveSubscription>();

  constructor(
    private readonly ws: WebSocket,
    private readonly ctx: ConnectionContext,
    private readonly compress: boolean,
    headerAuth: { user: AuthUser; token: string; protocol: WireProtocol } | undefined,
    defaultProtocol: WireProtocol,
  ) {
    this.protocol = headerAuth?.protocol ?? defaultProtocol;
    this.frames = new OrderedFrames(new BoundedOutbound(ws, ctx.options), () => this.overflow());
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('ping', () => this.touch());
    ws.on('pong', () => this.touch());
    ws.on('error', () => this.gone());
    ws.on('close', () => this.gone());
    if (headerAuth) {
      this.user = headerAuth.user;
      this.token = headerAuth.token;
      this.auth = 'authenticated';
      this.send(authSuccessMessage(headerAuth.user.id, headerAuth.user.role, this.protocol));
    } else {
      this.authTimer = setTimeout(() => this.authTimeout(), ctx.options.authTimeoutMs);
      this.authTimer.unref();
    }
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  ownsSubscription(sub: LiveSubscription): boolean {
    return this.subs.get(sub.id) === sub;
  }

  /** Heartbeat (§8.1): close 1000 after idleTimeoutMs of inbound silence. */
  checkIdle(now: number): void {
    if (now - this.lastActivity > this.ctx.options.idleTimeoutMs) this.closeWith(1000, 'Heartbeat timeout');
  }

  /** Closes after the frames already queued (a message sent just before, e.g. `auth_error`, still arrives); an overflow drops them. */
  closeWith(code: number, reason: string): void {
    if (this.closed) return;
    this.dispose();
    if (code === OVERFLOW_CLOSE.code) this.frames.stop();
    const close = (): void => {
      try {
        this.ws.close(code, truncateReason(reason));
      } catch {
        this.ws.terminate();
      }
    };
    if (this.frames.length === 0) close();
    else void this.frames.drained().then(close);
  }

  /**
   * Sessions of `userId` ended (logout, ALTER/DROP USER, refresh reuse): when this socket's token no
   * longer passes the session check, it closes with 1008 so no more rows reach it; the client logs
   * in again or reports the rejected token.
   */
  async sessionsRevoked(userId: string): Promise<void> {
    const token = this.token;
    if (this.closed || this.user?.id !== userId || token === undefined) return;
    const stillValid = await this.ctx.engine.verifyAccessToken(token).then(
      () => true,
      () => false,
    );
    if (!stillValid && this.token === token) this.closeWith(1008, 'Session ended; log in again');
  }

  terminate(): void {
    this.gone();
    this.ws.terminate();
  }

  // SubscriptionSink

  send(json: string): void {
    this.sendPrepared(this.prepare(json));
  }

  prepare(json: string): PreparedFrame {
    return PreparedFrame.of(json, this.compress, this.ctx.options.compressThresholdBytes);
  }

  sendPrepared(frame: PreparedFrame): void {
    if (this.closed) return;
    // In order, bounded in messages and in bytes: a client that stops reading must not make the server hold more.
    this.frames.send(frame);
  }

  overflow(): void {
    this.closeWith(OVERFLOW_CLOSE.code, OVERFLOW_CLOSE.reason);
  }

  failed(sub: LiveSubscription, error: unknown): void {
    if (this.subs.get(sub.id) !== sub) return;
    this.removeSub(sub);
    const detail = error instanceof Error ? error.message.split('\n')[0]?.slice(0, 200) : 'unknown error';
    this.send(errorMessage(sub.id, 'BATCH_FETCH_FAILED', `Failed to fetch rows: ${detail ?? ''}`));
  }

  // Inbound

  private touch(): void {
    this.lastActivity = Date.now();
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    this.touch();
    const counters = this.ctx.counters;
    counters.framesReceived++;
    if (this.closed) {
      counters.framesDroppedAfterClose++;
      return;
    }
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (buf.length > this.ctx.options.maxMessageBytes) {
      counters.framesTooLarge++;
      this.sendError('protocol', 'MESSAGE_TOO_LARGE', `Message too large: ${buf.length} bytes (max ${this.ctx.options.maxMessageBytes})`);
      return;
    }
    if (isBinary) {
      counters.framesBinary++;
      this.sendError('protocol', 'UNSUPPORTED_DATA', 'Binary not supported');
      return;
    }
    let msg: ClientMessage;
    try {
      msg = parseClientMessage(buf.toString('utf8'));
    } catch (e) {
      counters.framesInvalid++;
      this.closeWith(1011, `Invalid message: ${e instanceof InvalidMessage ? e.message : 'unreadable'}`);
      return;
    }
    counters.messagesParsed++;
    // next_batch is exempt: dropping one would stall the load for ever (and live changes with it).
    if (msg.type !== 'next_batch' && !this.allowByRate()) {
      counters.messagesRateLimited++;
      this.sendError('rate_limit', 'RATE_LIMIT_EXCEEDED', 'Too many messages');
      return;
    }
    this.chain = this.chain.then(() => this.handle(msg)).catch(() => this.closeWith(1011, 'Internal error'));
  }

  private allowByRate(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount++;
    return this.windowCount <= this.ctx.options.maxMessagesPerSec;
  }

  private async handle(msg: ClientMessage): Promise<void> {
    if (this.closed) return;
    switch (msg.type) {
      case 'ping':
        return;
      case 'authenticate':
        return this.authenticate(msg.token, msg.protocol);
      case 'subscribe':
        if (!this.user) return this.sendError('subscribe', 'AUTH_REQUIRED', 'Authentication required before subscribing');
        return this.subscribe(this.user, msg);
      case 'next_batch': {
        const sub = this.subs.get(msg.subscriptionId);
        if (!sub) return;
        try {
          await sub.nextBatch(msg.lastSeqId);
        } catch (error) {
          this.failed(sub, error);
        }
        return;
      }
      case 'unsubscribe': {
        const sub = this.subs.get(msg.subscriptionId);
        if (sub) this.removeSub(sub);
        return;
      }
    }
  }

  private async authenticate(token: string, protocol: WireProtocol): Promise<void> {
    if (this.auth === 'authenticated' && this.user) {
      this.send(authSuccessMessage(this.user.id, this.user.role, this.protocol));
      return;
    }
    this.auth = 'authenticating';
    clearTimeout(this.authTimer);
    let user: AuthUser;
    try {
      user = await this.ctx.engine.verifyAccessToken(token);
    } catch {
      this.send(authErrorMessage('Invalid credentials'));
      this.closeWith(1008, 'Authentication failed');
      return;
    }
    if (this.closed) return;
    this.user = user;
    this.token = token;
    this.auth = 'authenticated';
    // msgpack is not implemented: the echo names the serialization actually used.
    this.protocol = { serialization: 'json', compression: protocol.compression };
    this.send(authSuccessMessage(user.id, user.role, this.protocol));
  }

  private authTimeout(): void {
    if (this.auth !== 'pending' || this.closed) return;
    const secs = this.ctx.options.authTimeoutMs / 1000;
    this.send(authErrorMessage(`Authentication timeout - no auth message received within ${secs} seconds`));
    this.closeWith(1008, 'Authentication timeout');
  }

  private async subscribe(user: AuthUser, msg: ClientMessage & { type: 'subscribe' }): Promise<void> {
    const { id, options } = msg;
    if (id.trim() === '') return this.sendError('invalid_subscription', 'INVALID_SUBSCRIPTION_ID', 'Subscription ID cannot be empty');
    const existing = this.subs.get(id);
    const replacing = existing ? 1 : 0;
    const limits = this.ctx.options;
    if (this.subs.size - replacing >= limits.maxSubscriptionsPerConnection) {
      return this.sendError(id, 'UNSUPPORTED', `Maximum subscriptions (${limits.maxSubscriptionsPerConnection}) per connection exceeded`);
    }
    if (this.ctx.index.countForUser(user.id) - replacing >= limits.maxSubscriptionsPerUser) {
      return this.sendError(id, 'SUBSCRIPTION_LIMIT_EXCEEDED', 'Maximum subscriptions reached');
    }
    const plan = await planSubscriptionOffThread(msg.sql, user, this.ctx.engine);
    if (this.closed) return;
    if ('code' in plan) return this.sendError(id, plan.code, plan.message);
    if (existing) this.removeSub(existing);
    const sub = new LiveSubscription(id, plan, user, options, this.ctx.engine, this, limits.heldBackLimit);
    // Register before reading (§7.1.2): every later change is captured.
    this.subs.set(id, sub);
    this.ctx.index.add(sub);
    if (!options) {
      sub.startLiveOnly();
      return;
    }
    try {
      await sub.startLoad();
    } catch (error) {
      this.failed(sub, error);
    }
  }

  private removeSub(sub: LiveSubscription): void {
    sub.close();
    this.ctx.index.remove(sub);
    if (this.subs.get(sub.id) === sub) this.subs.delete(sub.id);
  }

  private sendError(subscriptionId: string, code: ErrorCode, message: string): void {
    this.send(errorMessage(subscriptionId, code, message));
  }

  /** The socket closed or failed: nothing more can be sent. */
  private gone(): void {
    this.frames.stop();
    this.dispose();
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.authTimer);
    for (const sub of this.subs.values()) {
      sub.close();
      this.ctx.index.remove(sub);
    }
    this.subs.clear();
    this.ctx.onClosed(this);
  }
}

/** Close reasons are limited to 123 bytes of UTF-8. */
function truncateReason(reason: string): string {
  let r = reason;
  while (Buffer.byteLength(r) > 123) r = r.slice(0, -1);
  return r;
}
