/**
 * One WebSocket per client: lazy connect, message auth, keepalive, reconnect with capped
 * exponential backoff and jitter, an outbound queue while disconnected, ordered frame decoding.
 * States and transitions: docs/SPEC.md §1. Subscriptions live elsewhere (src/live/SubscriptionManager);
 * they hear about the socket through the hooks below.
 */
import { AuthError, ConnectionError, isLivebindError } from '../errors.js';
import type { LivebindError, ProtocolError } from '../errors.js';
import type { LiveDriver } from '../protocol/kalamdb/wireCodec.js';
import type { BinaryDecoder } from '../protocol/kalamdb/gunzip.js';
import { defaultBinaryDecoder } from '../protocol/kalamdb/gunzip.js';
import type { ServerMessage } from '../protocol/kalamdb/messages.js';
import type { ConnectionState, ConnectionStatus } from '../types.js';
import { backoffDelay } from './backoff.js';
import type { ReconnectOptions } from './backoff.js';
import { inboundFault, MESSAGE_TOO_LARGE, RATE_LIMIT_EXCEEDED, undecodable } from './inboundFault.js';
import { FrameReader } from './FrameReader.js';
import { OutboundQueue } from './OutboundQueue.js';
import { resolveWebSocket } from './socket.js';
import type { SocketLike, WebSocketConstructor } from './socket.js';
import type { Timers } from './timers.js';

export const IDLE = 'idle' satisfies ConnectionStatus;
export const CONNECTING = 'connecting' satisfies ConnectionStatus;
export const AUTHENTICATING = 'authenticating' satisfies ConnectionStatus;
export const OPEN = 'open' satisfies ConnectionStatus;
export const RECONNECTING = 'reconnecting' satisfies ConnectionStatus;
export const CLOSED = 'closed' satisfies ConnectionStatus;

/** Ping intervals without any inbound frame or Pong before a link with Ping frames is declared dead. */
const DEAD_AFTER_TICKS = 2;
/** A socket open this long without a broken-stream fault ends a fault streak (see `faultStreak`). */
const STABLE_AFTER_MS = 30_000;

/** Why a token is requested: first connect, a reconnect, or after the server rejected the last one (1008). */
export type TokenReason = 'connect' | 'reconnect' | 'rejected';

export interface ConnectionHooks {
  /** Authenticated (state `open`); runs before the outbound queue is flushed. */
  onOpen(): void;
  /** The socket was lost after connecting or the attempt failed; a reconnect is scheduled (or the connection stopped). */
  onDisconnect(): void;
  onMessage(message: ServerMessage): void;
  onState(state: ConnectionState): void;
}

export interface ConnectionOptions {
  readonly url: string;
  readonly driver: LiveDriver;
  readonly token: (reason: TokenReason) => Promise<string>;
  readonly timers: Timers;
  readonly random: () => number;
  readonly pingIntervalMs: number;
  readonly reconnect: ReconnectOptions;
  /** Consecutive authentication failures before giving up with an AuthError (default 3). */
  readonly maxAuthFailures: number;
  /** The credentials can make a new token (password login, provider), so a rejected token means: log in again at once. */
  readonly renewableAuth: boolean;
  /** Socket open + auth must finish within this time, else the attempt counts as failed (default 10000). */
  readonly connectTimeoutMs: number;
  readonly compression: 'gzip' | 'none';
  /** Outbound frames per rolling second (default 45; the server allows 50, K§5.4); halved after a `rate_limit` error. */
  readonly maxMessagesPerSecond: number;
  /** The server's inbound frame limit in UTF-8 bytes (default 1 MiB, K§5.4); lowered when the server says a frame was too large. */
  readonly maxMessageBytes: number;
  readonly WebSocket?: WebSocketConstructor | undefined;
  readonly binaryDecoder?: BinaryDecoder | undefined;
}

export class Connection {
  private status: ConnectionStatus = IDLE;
  private lastError: LivebindError | undefined;
  private attempt = 0;
  private authFailures = 0;
  private generation = 0;
  private socket: SocketLike | undefined;
  private readonly out: OutboundQueue;
  private maxBytes: number;
  private retryTimer: unknown;
  private connectTimer: unknown;
  private pingTimer: unknown;
  private authRejected = false;
  private fatal: LivebindError | undefined;
  private decoder: BinaryDecoder | undefined;
  private readonly reader = new FrameReader(() => this.decoder);
  /** Ping intervals since the last inbound frame or Pong (only counted where Ping frames exist). */
  private silentTicks = 0;
  /**
   * Sockets dropped in a row for a broken stream (SPEC §1.5). Authentication succeeding does not
   * reset it (a server that sends a bad frame right after auth_success would otherwise be retried
   * every second for ever); a socket that stays open STABLE_AFTER_MS without a fault does.
   */
  private faultStreak = 0;
  private stableTimer: unknown;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.out = new OutboundQueue(options.timers, options.maxMessagesPerSecond);
    this.maxBytes = options.maxMessageBytes;
  }

  get state(): ConnectionState {
    return { status: this.status, lastError: this.lastError, attempt: this.attempt };
  }

  get isOpen(): boolean {
    return this.status === OPEN;
  }

  /** Largest frame (UTF-8 bytes) the server is known to accept; bigger subscribes fail locally (SPEC §2.1). */
  get maxFrameBytes(): number {
    return this.maxBytes;
  }

  /** The error the connection stopped with for good (authentication gave up), else undefined. */
  get fatalError(): LivebindError | undefined {
    return this.fatal;
  }

  /** Start connecting if idle (lazy connect on first use). */
  start(): void {
    if (this.status === IDLE) void this.connect('connect');
  }

  /** Queue the frame: sent in order, paced, once open (SPEC §1.4). A keyed frame replaces a queued frame with the same key. */
  send(frame: string, key?: string): void {
    if (this.status !== CLOSED) this.out.push(frame, key);
  }

  /** Drop a queued frame (e.g. the subscribe of a released subscription); true when it had not been sent. */
  unqueue(key: string): boolean {
    return this.out.remove(key);
  }

  /** Close for good: no reconnect, queue dropped. */
  close(): void {
    if (this.status === CLOSED) return;
    this.generation++;
    this.clearTimers();
    const socket = this.socket;
    this.socket = undefined;
    this.out.clear();
    if (socket) {
      detach(socket);
      try {
        socket.close(1000, 'Client closed');
      } catch {
        // already closing
      }
    }
    this.setStatus(CLOSED);
  }

  private async connect(reason: TokenReason): Promise<void> {
    const gen = ++this.generation;
    this.setStatus(CONNECTING);
    // The deadline covers the whole attempt: credentials (a login that never answers) included.
    this.options.timers.clearTimeout(this.connectTimer);
    this.connectTimer = this.options.timers.setTimeout(() => {
      if (gen !== this.generation) return;
      this.dropSocket();
      this.lost(new ConnectionError(`Connecting timed out after ${this.options.connectTimeoutMs} ms; retrying.`, { code: 'CONNECT_TIMEOUT' }));
    }, this.options.connectTimeoutMs);
    let token: string;
    let Ctor: WebSocketConstructor;
    try {
      token = await this.options.token(reason);
      Ctor = await resolveWebSocket(this.options.WebSocket);
      this.decoder ??= this.options.binaryDecoder ?? (await defaultBinaryDecoder());
    } catch (error) {
      if (gen !== this.generation) return;
      if (isLivebindError(error) && error.kind === 'auth') this.authFailed(error);
      else this.retry(asConnectionError(error, 'Could not prepare the connection'));
      return;
    }
    if (gen !== this.generation) return;
    let socket: SocketLike;
    try {
      socket = new Ctor(this.options.url);
    } catch (error) {
      this.retry(asConnectionError(error, 'Could not open the WebSocket'));
      return;
    }
    this.socket = socket;
    this.authRejected = false;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      if (gen !== this.generation) return;
      this.setStatus(AUTHENTICATING);
      this.out.attach((frame) => socket.send(frame));
      this.out.sendFirst(this.options.driver.encode({ type: 'authenticate', token, compression: this.options.compression }));
    };
    // One pair of callbacks per socket, not per frame.
    const handleText = (text: string): void => {
      if (gen === this.generation) this.handle(text);
    };
    // A lost frame cannot be skipped: resume from the checkpoint instead (SPEC §1.5).
    const failFrame = (error: unknown): void => {
      if (gen === this.generation) this.broken(undecodable('binary frame could not be decoded', error));
    };
    socket.onmessage = (ev) => {
      this.silentTicks = 0;
      if (gen !== this.generation) return;
      this.reader.read(ev.data, handleText, failFrame);
    };
    socket.onerror = () => {
      // Always followed by onclose, which decides what to do.
    };
    socket.onclose = (ev) => {
      if (gen !== this.generation) return;
      // Frames still being decoded are dropped: the resume checkpoint does not include them.
      this.socket = undefined;
      this.reader.reset();
      this.generation++;
      if (ev.code === 1008 || this.authRejected) {
        this.authFailed(
          new AuthError(
            this.options.renewableAuth
              ? 'The server rejected the access token of the live connection (1008), e.g. after a restart or a logout; logging in again.'
              : 'The server rejected the access token of the live connection (1008); the `auth` token is not valid (expired, revoked or for another server): pass a fresh one or a provider function.',
            { code: 'AUTH_FAILED' },
          ),
          true,
        );
        return;
      }
      this.lost(
        new ConnectionError(`The live connection closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''}); reconnecting.`, {
          code: 'SOCKET_CLOSED',
          closeCode: ev.code,
        }),
      );
    };
  }

  private handle(text: string): void {
    const message = this.options.driver.decode(text);
    const fault = inboundFault(message, text);
    if (fault === 'ignore') return;
    if (fault) {
      this.broken(fault);
      return;
    }
    if (this.status === AUTHENTICATING) {
      if (message.type === 'auth_success') {
        this.hooks.onMessage(message); // server capabilities (resumeDeletes) before the queue flushes
        this.opened();
        return;
      }
      if (message.type === 'auth_error') {
        this.authRejected = true;
        return;
      }
    }
    if (message.type === 'auth_success' || message.type === 'auth_error') return;
    this.hooks.onMessage(message);
  }

  private opened(): void {
    const socket = this.socket;
    if (!socket) return;
    this.options.timers.clearTimeout(this.connectTimer);
    this.attempt = 0;
    this.authFailures = 0;
    this.lastError = undefined;
    this.status = OPEN;
    if (this.options.pingIntervalMs > 0) this.startKeepalive(socket);
    if (this.faultStreak > 0) {
      this.options.timers.clearTimeout(this.stableTimer);
      this.stableTimer = this.options.timers.setTimeout(() => (this.faultStreak = 0), STABLE_AFTER_MS);
    }
    this.hooks.onState(this.state);
    this.hooks.onOpen();
    if (this.socket === socket && this.status === OPEN) this.out.start();
  }

  /**
   * The stream cannot be trusted (SPEC §1.5): an undecodable frame, or the server dropped one of our
   * messages. Adjust (slower pacing, a lower frame limit), then drop the socket: every close is a
   * resume point, so each subscription is re-sent from its checkpoint and nothing is stranded.
   */
  private broken(error: ProtocolError): void {
    if (error.code === RATE_LIMIT_EXCEEDED) this.out.slowDown();
    // Some frame sent on this socket exceeded the limit, so the limit is below the largest one sent.
    if (error.code === MESSAGE_TOO_LARGE && this.out.largestSent > 0) this.maxBytes = Math.min(this.maxBytes, this.out.largestSent - 1);
    this.faultStreak++;
    this.dropSocket();
    this.lost(error);
  }

  /**
   * `{"type":"ping"}` every interval (K§8.1; it gets no reply). Where the socket can send protocol
   * Ping frames (`ws` in Node) a Pong proves the link alive: after DEAD_AFTER_TICKS intervals with
   * no inbound frame and no Pong, the link is declared dead and the client reconnects (a half-open
   * TCP connection would otherwise look open for ever). Browsers cannot ping, so they rely on close events.
   */
  private startKeepalive(socket: SocketLike): void {
    const ping = this.options.driver.encode({ type: 'ping' });
    const native = socket as SocketLike & { ping?: () => void; on?: (event: 'pong', fn: () => void) => void };
    const canPing = typeof native.ping === 'function' && typeof native.on === 'function';
    this.silentTicks = 0;
    if (canPing) native.on?.('pong', () => (this.silentTicks = 0));
    const gen = this.generation;
    this.pingTimer = this.options.timers.setInterval(() => {
      if (this.status !== OPEN || this.socket !== socket || gen !== this.generation) return;
      if (canPing && ++this.silentTicks > DEAD_AFTER_TICKS) {
        this.dropSocket();
        this.lost(new ConnectionError('No reply to pings; the link looks dead. Reconnecting.', { code: 'PING_TIMEOUT' }));
        return;
      }
      this.out.push(ping);
      if (canPing) {
        try {
          native.ping?.();
        } catch {
          // closing: onclose follows
        }
      }
    }, this.options.pingIntervalMs);
  }

  /** `tokenRejected`: the server refused the token itself (1008 / auth_error), not the credential source. */
  private authFailed(error: LivebindError, tokenRejected = false): void {
    this.authFailures++;
    this.dropSocket();
    // A login refused with 401/403 is final: the same credentials would be refused again.
    const final = (error as { final?: unknown }).final === true;
    if (final || this.authFailures >= this.options.maxAuthFailures) {
      if (final) {
        this.stop(error);
        return;
      }
      this.lastError = new AuthError(
        `Authentication failed ${this.authFailures} times in a row; the live connection stopped. Fix the credentials and create a new client.`,
        { code: error.code, cause: error, ...statusOf(error) },
      );
      this.stop(this.lastError);
      return;
    }
    // A rejected token with credentials that can make a new one (password, provider): log in again
    // at once the first time, then back off like any failed attempt.
    this.retry(error, 'rejected', tokenRejected && this.options.renewableAuth && this.authFailures === 1 ? 0 : undefined);
  }

  /** Stop for good with `error` (SPEC §1.3): every live query ends with it. */
  private stop(error: LivebindError): void {
    this.lastError = error;
    this.fatal = error;
    this.clearTimers();
    this.out.clear();
    this.setStatus(CLOSED);
    this.hooks.onDisconnect();
  }

  private lost(error: LivebindError): void {
    this.retry(error);
  }

  private retry(error: LivebindError, reason: TokenReason = 'reconnect', delayMs?: number): void {
    this.clearTimers();
    this.lastError = error;
    // Repeated broken streams back off like failed attempts, even though each one authenticated.
    const tries = Math.max(this.attempt, this.faultStreak - 1);
    // A server that said how long to wait (429/503 Retry-After) is not asked sooner.
    const asked = (error as { retryAfterMs?: unknown }).retryAfterMs;
    const delay = Math.max(delayMs ?? backoffDelay(tries, this.options.reconnect, this.options.random), typeof asked === 'number' ? asked : 0);
    this.attempt++;
    this.out.detach();
    this.setStatus(RECONNECTING);
    this.hooks.onDisconnect();
    const gen = this.generation;
    this.retryTimer = this.options.timers.setTimeout(() => {
      if (gen === this.generation && this.status === RECONNECTING) void this.connect(reason);
    }, delay);
  }

  private dropSocket(): void {
    this.options.timers.clearTimeout(this.connectTimer);
    const socket = this.socket;
    this.socket = undefined;
    this.reader.reset();
    this.generation++;
    if (socket) {
      detach(socket);
      try {
        socket.close(1000, 'Reconnecting');
      } catch {
        // ignore
      }
    }
  }

  private clearTimers(): void {
    const t = this.options.timers;
    t.clearTimeout(this.retryTimer);
    t.clearTimeout(this.connectTimer);
    t.clearInterval(this.pingTimer);
    t.clearTimeout(this.stableTimer);
    this.retryTimer = this.connectTimer = this.pingTimer = this.stableTimer = undefined;
  }

  private setStatus(status: ConnectionStatus): void {
    if (status !== OPEN) this.options.timers.clearInterval(this.pingTimer);
    this.status = status;
    this.hooks.onState(this.state);
  }
}

function detach(socket: SocketLike): void {
  socket.onopen = socket.onmessage = socket.onerror = null;
  socket.onclose = null;
}

function asConnectionError(error: unknown, what: string): LivebindError {
  if (isLivebindError(error)) return error;
  return new ConnectionError(`${what}; retrying.`, { code: 'CONNECT_FAILED', cause: error });
}

function statusOf(error: LivebindError): { status?: number } {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? { status } : {};
}
