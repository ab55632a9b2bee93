/**
 * One WebSocket per client, protocol-neutral (docs/SPEC.md §1, §7): lazy connect, a token before
 * each socket, connect timeout, reconnect with capped exponential backoff, jitter and a fault
 * streak, ordered frame reading, dead-link detection, and the outbound queue (pacing and frame
 * limit from the driver). What a frame means is the driver's business: each socket gets a Session
 * (`protocol.session(link)`) that owns the handshake, heartbeat frame, decoding, fault policy and
 * routing, and reports back through its Link.
 */
import { AuthError, ConnectionError, isLivebindError, ProtocolError } from '../errors.js';
import type { LivebindError } from '../errors.js';
import type { ConnectionPort, DriverLimits, Frame, Link, Session } from '../protocol/driver.js';
import type { ConnectionState, ConnectionStatus } from '../types.js';
import { backoffDelay } from './backoff.js';
import type { ReconnectOptions } from './backoff.js';
import { FrameReader } from './FrameReader.js';
import { Heartbeat } from './Heartbeat.js';
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

/** A socket open this long without a broken-stream fault ends a fault streak (see `faultStreak`). */
const STABLE_AFTER_MS = 30_000;

/** Why a token is requested: first connect, a reconnect, or after the server rejected the last one. */
export type TokenReason = 'connect' | 'reconnect' | 'rejected';

/** The per-socket side of the driver. */
export interface SocketProtocol {
  /** URL of the next socket. */
  socketUrl(): string;
  /** The session of a socket that just opened. */
  session(link: Link): Session;
}

export interface ConnectionHooks {
  onState(state: ConnectionState): void;
  /** The connection stopped for good (authentication gave up): `error` is its last error. */
  onStopped(error: LivebindError): void;
}

export interface ConnectionOptions {
  readonly protocol: SocketProtocol;
  readonly limits: DriverLimits;
  readonly token: (reason: TokenReason) => Promise<string>;
  readonly timers: Timers;
  readonly random: () => number;
  readonly reconnect: ReconnectOptions;
  /** Consecutive authentication failures before giving up with an AuthError (default 3). */
  readonly maxAuthFailures: number;
  /** The credentials can make a new token (password login, provider), so a rejected token means: log in again at once. */
  readonly renewableAuth: boolean;
  /** Socket open + handshake must finish within this time, else the attempt counts as failed (default 10000). */
  readonly connectTimeoutMs: number;
  readonly WebSocket?: WebSocketConstructor | undefined;
}

export class Connection implements ConnectionPort {
  private status: ConnectionStatus = IDLE;
  private lastError: LivebindError | undefined;
  private attempt = 0;
  private authFailures = 0;
  private generation = 0;
  private socket: SocketLike | undefined;
  private session: Session | undefined;
  private readonly out: OutboundQueue;
  private maxBytes: number;
  private retryTimer: unknown;
  private connectTimer: unknown;
  private heartbeat: Heartbeat | undefined;
  private fatal: LivebindError | undefined;
  private readonly reader = new FrameReader();
  /**
   * Sockets dropped in a row for a broken stream (SPEC §1.5). Opening does not reset it (a server
   * that sends a bad frame right after the handshake would otherwise be retried every second for
   * ever); a socket that stays open STABLE_AFTER_MS without a fault does.
   */
  private faultStreak = 0;
  private stableTimer: unknown;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.out = new OutboundQueue(options.timers, options.limits.perSecond ?? Infinity);
    this.maxBytes = options.limits.maxFrameBytes;
  }

  get state(): ConnectionState {
    return { status: this.status, lastError: this.lastError, attempt: this.attempt };
  }

  get isOpen(): boolean {
    return this.status === OPEN;
  }

  /** Largest frame (bytes) the server is known to accept; bigger frames fail locally (SPEC §2.1). */
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
  send(frame: Frame, key?: string): void {
    if (this.status !== CLOSED) this.out.push(frame, key);
  }

  /** The auth option produced a new token: the open session may pass it on in band (`Session.tokenChanged`). */
  tokenChanged(token: string): void {
    if (this.status === OPEN) this.session?.tokenChanged?.(token);
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
    this.endSession();
  }

  private async connect(reason: TokenReason): Promise<void> {
    const gen = ++this.generation;
    this.setStatus(CONNECTING);
    // The deadline covers the whole attempt: credentials (a login that never answers) included.
    this.options.timers.clearTimeout(this.connectTimer);
    this.connectTimer = this.options.timers.setTimeout(() => {
      if (gen !== this.generation) return;
      this.dropSocket();
      this.retry(new ConnectionError(`Connecting timed out after ${this.options.connectTimeoutMs} ms; retrying.`, { code: 'CONNECT_TIMEOUT' }));
    }, this.options.connectTimeoutMs);
    let token: string;
    let Ctor: WebSocketConstructor;
    try {
      token = await this.options.token(reason);
      Ctor = await resolveWebSocket(this.options.WebSocket);
    } catch (error) {
      if (gen !== this.generation) return;
      if (isLivebindError(error) && error.kind === 'auth') this.authFailed(error);
      else this.retry(asConnectionError(error, 'Could not prepare the connection'));
      return;
    }
    if (gen !== this.generation) return;
    let socket: SocketLike;
    try {
      socket = new Ctor(this.options.protocol.socketUrl());
    } catch (error) {
      this.retry(asConnectionError(error, 'Could not open the WebSocket'));
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      if (gen !== this.generation) return;
      this.out.attach((frame) => socket.send(frame));
      const session = this.options.protocol.session(this.linkFor(socket, gen));
      this.session = session;
      session.start(token);
      // A protocol without a handshake opened the link inside start().
      if (gen === this.generation && this.status === CONNECTING) this.setStatus(AUTHENTICATING);
    };
    // One pair of callbacks per socket, not per frame.
    const deliver = (frame: Frame): void | Promise<void> => {
      if (gen === this.generation) return this.session?.receive(frame);
    };
    // A lost frame cannot be skipped: resume from the checkpoint instead (SPEC §1.5).
    const failFrame = (error: unknown): void => {
      if (gen === this.generation) this.broken(unreadable(error));
    };
    socket.onmessage = (ev) => {
      this.heartbeat?.alive();
      if (gen !== this.generation) return;
      this.reader.read(ev.data, deliver, failFrame);
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
      if (ev.code === 1008) {
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
      this.retry(
        new ConnectionError(`The live connection closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''}); reconnecting.`, {
          code: 'SOCKET_CLOSED',
          closeCode: ev.code,
        }),
      );
    };
  }

  /** The Link of one socket: every call is ignored once that socket is gone. */
  private linkFor(socket: SocketLike, gen: number): Link {
    const live = (): boolean => gen === this.generation && this.socket === socket;
    return {
      send: (frame, key) => {
        if (live()) this.out.push(frame, key);
      },
      sendFirst: (frame) => {
        if (live()) this.out.sendFirst(frame);
      },
      opened: () => {
        if (live() && this.status !== OPEN) this.opened(socket);
      },
      rejected: (error) => {
        if (live()) this.authFailed(error, true);
      },
      broken: (error) => {
        if (live()) this.broken(error);
      },
      dead: (error) => {
        if (!live()) return;
        this.dropSocket();
        this.retry(error);
      },
      slowDown: () => {
        if (live()) this.out.slowDown();
      },
      frameTooLarge: () => {
        // Some frame sent on this socket exceeded the limit, so the limit is below the largest one sent.
        if (live() && this.out.largestSent > 0) this.maxBytes = Math.min(this.maxBytes, this.out.largestSent - 1);
      },
    };
  }

  private opened(socket: SocketLike): void {
    this.options.timers.clearTimeout(this.connectTimer);
    this.attempt = 0;
    this.authFailures = 0;
    this.lastError = undefined;
    this.status = OPEN;
    if (this.options.limits.heartbeatMs > 0) this.startHeartbeat(socket);
    if (this.faultStreak > 0) {
      this.options.timers.clearTimeout(this.stableTimer);
      this.stableTimer = this.options.timers.setTimeout(() => (this.faultStreak = 0), STABLE_AFTER_MS);
    }
    this.hooks.onState(this.state);
    if (this.socket === socket && this.status === OPEN) this.out.start();
  }

  /**
   * The stream cannot be trusted (SPEC §1.5): drop the socket. Every close is a resume point, so
   * each subscription is re-sent from its checkpoint and nothing is stranded. Counts toward the fault streak.
   */
  private broken(error: ProtocolError): void {
    this.faultStreak++;
    this.dropSocket();
    this.retry(error);
  }

  /** The session's heartbeat frame every interval while open, with Ping/Pong dead-link detection (SPEC §1.2). */
  private startHeartbeat(socket: SocketLike): void {
    this.heartbeat?.stop();
    const gen = this.generation;
    this.heartbeat = new Heartbeat(socket, this.options.timers, this.options.limits.heartbeatMs, {
      current: () => this.status === OPEN && this.socket === socket && gen === this.generation,
      frame: () => this.session?.heartbeat(),
      send: (frame) => this.out.push(frame),
      dead: () => {
        this.dropSocket();
        this.retry(new ConnectionError('No reply to pings; the link looks dead. Reconnecting.', { code: 'PING_TIMEOUT' }));
      },
    });
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
    this.endSession();
    this.hooks.onStopped(error);
  }

  private retry(error: LivebindError, reason: TokenReason = 'reconnect', delayMs?: number): void {
    this.clearTimers();
    this.lastError = error;
    // Repeated broken streams back off like failed attempts, even though each one opened.
    const tries = Math.max(this.attempt, this.faultStreak - 1);
    // A server that said how long to wait (429/503 Retry-After) is not asked sooner.
    const asked = (error as { retryAfterMs?: unknown }).retryAfterMs;
    const delay = Math.max(delayMs ?? backoffDelay(tries, this.options.reconnect, this.options.random), typeof asked === 'number' ? asked : 0);
    this.attempt++;
    this.out.detach();
    this.setStatus(RECONNECTING);
    this.endSession();
    const gen = this.generation;
    this.retryTimer = this.options.timers.setTimeout(() => {
      if (gen === this.generation && this.status === RECONNECTING) void this.connect(reason);
    }, delay);
  }

  /** The socket of the current session is gone: tell it (once). */
  private endSession(): void {
    const session = this.session;
    this.session = undefined;
    session?.closed();
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
    t.clearTimeout(this.stableTimer);
    this.stopHeartbeat();
    this.retryTimer = this.connectTimer = this.stableTimer = undefined;
  }

  private stopHeartbeat(): void {
    this.heartbeat?.stop();
    this.heartbeat = undefined;
  }

  private setStatus(status: ConnectionStatus): void {
    if (status !== OPEN) this.stopHeartbeat();
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

/** A frame the connection could not read (a Blob that failed), or a session decode that rejected. */
function unreadable(cause: unknown): ProtocolError {
  if (isLivebindError(cause) && cause.kind === 'protocol') return cause as ProtocolError;
  return new ProtocolError('A frame from the server could not be read; reconnecting to resume from the checkpoint.', {
    code: 'INVALID_FRAME',
    cause,
  });
}

function statusOf(error: LivebindError): { status?: number } {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? { status } : {};
}
