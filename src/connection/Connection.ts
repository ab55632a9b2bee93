/**
 * One WebSocket per client, protocol-neutral (docs/SPEC.md §1, §7): lazy connect, a token before
 * each socket, connect timeout, reconnect with capped exponential backoff, jitter and a fault
 * streak, ordered frame reading, dead-link detection, and the outbound queue (pacing and frame
 * limit from the driver). What a frame means is the driver's business: each socket gets a Session
 * (`protocol.session(link)`) that owns the handshake, heartbeat frame, decoding, fault policy and
 * routing, and reports back through its Link.
 *
 * Written as a closure (state in local variables) rather than a class: local names minify,
 * property names do not, and this sits in every browser bundle.
 */
import { AuthError, ConnectionError, isLivebindError, ProtocolError } from '../errors.js';
import type { LivebindError } from '../errors.js';
import type { ConnectionPort, DriverLimits, Frame, Link, Session } from '../protocol/driver.js';
import type { ConnectionState, ConnectionStatus } from '../types.js';
import { backoffDelay } from './backoff.js';
import type { ReconnectOptions } from './backoff.js';
import { createFrameReader, undecodable } from './FrameReader.js';
import { utf8Length } from './utf8Length.js';
import { WS_MODULE } from './socket.js';
import type { SocketLike, WebSocketConstructor } from './socket.js';
import type { Timers } from './timers.js';

// Statuses are written as their string literals (ConnectionStatus checks them): the strings appear in
// the bundle anyway and compress better than six constants.

/** The outbound pacing window (`limits.perSecond` frames per rolling window). */
const WINDOW_MS = 1000;

/** A socket open this long without a broken-stream fault ends a fault streak (see `faultStreak`). */
const STABLE_AFTER_MS = 30_000;

/** Heartbeat intervals without any inbound frame or Pong before a link with Ping frames is declared dead. */
const DEAD_AFTER_TICKS = 2;

/** `ws` in Node can send protocol Ping frames and reports Pongs; browser sockets cannot. */
type PingSocket = SocketLike & { ping?: () => void; on?: (event: 'pong', fn: () => void) => void };

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

/** The state is not read back: every change goes to `hooks.onState`. */
export interface Connection extends ConnectionPort {
  /** The auth option produced a new token: the open session may pass it on in band (`Session.tokenChanged`). */
  tokenChanged(token: string): void;
  /** Close for good: no reconnect, queue dropped. */
  close(): void;
}

export function createConnection(options: ConnectionOptions, hooks: ConnectionHooks): Connection {
  const { timers, limits } = options;
  let status: ConnectionStatus = 'idle';
  let lastError: LivebindError | undefined;
  let attempt = 0;
  let authFailures = 0;
  /** Bumped whenever the current socket is given up: callbacks of older sockets compare and bail. */
  let generation = 0;
  let socket: SocketLike | undefined;
  let session: Session | undefined;
  let maxBytes = limits.maxFrameBytes;
  /** The reconnect delay while reconnecting, the connect deadline while connecting (never both). */
  let timer: unknown;
  /** The heartbeat interval while open (see `opened`). */
  let beat: unknown;
  /** Heartbeat ticks without a Pong or an inbound frame on the open socket. */
  let silentTicks = 0;
  let fatal: LivebindError | undefined;
  /**
   * Sockets dropped in a row for a broken stream (SPEC §1.5). Opening does not reset it (a server
   * that sends a bad frame right after the handshake would otherwise be retried every second for
   * ever); a socket that stays open STABLE_AFTER_MS without a fault does.
   */
  let faultStreak = 0;
  let stableTimer: unknown;

  // The outbound queue (SPEC §1.4, §1.5): frames in order, held until the link is open, then sent
  // paced by a sliding window of at most `perWindow` frames per rolling WINDOW_MS (Infinity:
  // unpaced). Servers drop what exceeds their per-connection rate (KalamDB: 50/s, pings included),
  // so every frame the client sends goes through here. Each frame sent holds one slot for
  // WINDOW_MS; a timer frees it and sends the next queued frame, so any interval of WINDOW_MS holds
  // at most `perWindow` sends, whatever the clock. The window restarts with each socket (`leave`
  // clears the slots): the server counts per connection.
  let queue: (readonly [frame: Frame, key: string | undefined])[] = [];
  let perWindow = limits.perSecond ?? Infinity;
  /**
   * One pending timer per frame sent on this socket in the current window: its slot, freed when it
   * fires. They all run WINDOW_MS, so they fire in the order they were set: the oldest goes first.
   */
  let slots: unknown[] = [];
  /** Largest frame (bytes) sent from the queue on the current socket (the handshake excluded). */
  let largest = 0;

  const setStatus = (next: ConnectionStatus): void => {
    status = next;
    hooks.onState({ status, lastError, attempt });
  };

  /** Send on the open socket now, taking a pacing slot (the handshake goes this way, ahead of the queue). */
  const sendNow = (frame: Frame): void => {
    if (perWindow < Infinity) {
      slots.push(
        timers.setTimeout(() => {
          slots.shift();
          pump();
        }, WINDOW_MS),
      );
    }
    socket!.send(frame);
  };
  /** Send queued frames in order while the link is open and a slot is free. */
  const pump = (): void => {
    while (status === 'open' && queue.length > 0 && slots.length < perWindow) {
      const [frame] = queue.shift()!;
      // Its size on the wire: UTF-8 bytes of a text frame, length of a binary one.
      largest = Math.max(largest, typeof frame === 'string' ? utf8Length(frame) : frame.byteLength);
      sendNow(frame);
    }
  };
  /** Drop a queued keyed frame; true when one was still waiting (so it never reached the server). */
  const unqueue = (key: string): boolean => {
    const before = queue.length;
    queue = queue.filter((q) => q[1] !== key);
    return queue.length !== before;
  };
  /** Queue a frame (sent at once when open and a slot is free). A keyed frame replaces a queued one with the same key. */
  const push = (frame: Frame, key?: string): void => {
    if (key !== undefined) unqueue(key);
    queue.push([frame, key]);
    pump();
  };

  /**
   * Give up the current socket, if any (`reason`: its close reason), and everything that lived with
   * it: its late callbacks (each checks the generation), the timers, the session, and the queue's
   * window. Frames that only meant something on that socket (the unkeyed ones: KalamDB
   * `next_batch`, `unsubscribe`, `ping`) are dropped; keyed frames (subscribes) wait for the next
   * socket, unless `next` is 'closed': then the whole queue goes.
   * Every timer and every socket ends here, so nothing else needs to clear them.
   */
  const leave = (next: 'reconnecting' | 'closed', reason = 'Reconnecting'): void => {
    generation++;
    try {
      socket?.close(1000, reason);
    } catch {
      // already closing
    }
    socket = undefined;
    timers.clearTimeout(timer);
    timers.clearTimeout(stableTimer);
    timers.clearInterval(beat);
    for (const slot of slots) timers.clearTimeout(slot);
    slots = [];
    largest = 0;
    queue = next === 'closed' ? [] : queue.filter((q) => q[1] !== undefined);
    setStatus(next);
    const ended = session;
    session = undefined;
    ended?.closed();
  };

  /** Drop the socket and reconnect after the backoff delay (or `delayMs`). */
  const retry = (error: LivebindError, reason: TokenReason = 'reconnect', delayMs?: number): void => {
    lastError = error;
    const delay = Math.max(
      // Repeated broken streams back off like failed attempts, even though each one opened.
      delayMs ?? backoffDelay(Math.max(attempt, faultStreak - 1), options.reconnect, options.random),
      // A server that said how long to wait (429/503 Retry-After) is not asked sooner.
      // (Only a ConnectionError has `retryAfterMs`: a number or undefined.)
      (error as { retryAfterMs?: number }).retryAfterMs ?? 0,
    );
    attempt++;
    leave('reconnecting');
    // `leave` clears this timer, so when it fires the connection is still waiting for it. A status
    // listener may have closed the client while `leave` announced 'reconnecting': then no timer.
    if (status === 'reconnecting') timer = timers.setTimeout(() => void connect(reason), delay);
  };

  /** Drop the socket for a network fault (`what` went wrong, in a ConnectionError `code`) and reconnect. */
  const lost = (what: string, code: string, fields?: { cause?: unknown; closeCode?: number }): void =>
    retry(new ConnectionError(`${what}; reconnecting.`, { code, ...fields }));

  /**
   * An authentication failure; after `maxAuthFailures` in a row, or a final one, the connection
   * stops for good (SPEC §1.3): every live query ends with the error.
   * `tokenRejected`: the server refused the token itself (1008 / auth_error), not the credential source.
   */
  const authFailed = (error: AuthError, tokenRejected = false): void => {
    // A login refused with 401/403 is final: the same credentials would be refused again.
    if (!error.final && ++authFailures < options.maxAuthFailures) {
      // A rejected token with credentials that can make a new one (password, provider): log in
      // again at once the first time, then back off like any failed attempt.
      return retry(error, 'rejected', tokenRejected && options.renewableAuth && authFailures === 1 ? 0 : undefined);
    }
    lastError = fatal = error.final
      ? error
      : new AuthError(`Authentication failed ${authFailures} times in a row; fix the credentials and create a new client.`, {
          code: error.code,
          cause: error,
          status: error.status,
        });
    leave('closed');
    hooks.onStopped(fatal);
  };

  /**
   * The stream cannot be trusted (SPEC §1.5): drop the socket. Every close is a resume point, so
   * each subscription is re-sent from its checkpoint and nothing is stranded. Counts toward the fault streak.
   */
  const broken = (error: ProtocolError): void => {
    faultStreak++;
    retry(error);
  };

  const connect = async (reason: TokenReason): Promise<void> => {
    const gen = ++generation;
    /**
     * Still the socket of this attempt (any drop bumps the generation), so also still open once
     * opened. Every callback of the attempt checks it, again after each outside call.
     */
    const live = (): boolean => gen === generation;
    // The deadline covers the whole attempt: credentials (a login that never answers) included.
    // `leave` and `opened` clear it, so when it fires the attempt is still under way (it is set
    // before the status changes: a state listener that closes the client clears it too).
    timer = timers.setTimeout(() => lost(`Connecting timed out after ${options.connectTimeoutMs} ms`, 'CONNECT_TIMEOUT'), options.connectTimeoutMs);
    setStatus('connecting');
    let token: string;
    let ws: PingSocket;
    try {
      token = await options.token(reason);
      // Node 20 has no global WebSocket: `ws` is loaded then, with a dynamic import of a variable
      // (WS_MODULE), which bundlers leave alone, so the core stays browser-safe.
      const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? ((await import(/* @vite-ignore */ WS_MODULE)) as { WebSocket: WebSocketConstructor }).WebSocket;
      if (!live()) return;
      ws = new Ctor(options.protocol.socketUrl());
    } catch (error) {
      if (!live()) return;
      if (!isLivebindError(error)) lost('Could not open the live connection', 'CONNECT_FAILED', { cause: error });
      else if (error.kind === 'auth') authFailed(error as AuthError);
      else retry(error);
      return;
    }
    socket = ws;

    /** The handshake is done (or none was needed): status 'open', the counts reset, the queue flows. */
    const opened = (): void => {
      timers.clearTimeout(timer);
      attempt = authFailures = 0;
      lastError = undefined;
      if (limits.heartbeatMs > 0) {
        // The session's heartbeat frame every interval while open (SPEC §1.2). Where the socket can
        // send protocol Pings (`ws` in Node) a Ping goes with it, and a Pong or any inbound frame
        // proves the link alive: after DEAD_AFTER_TICKS intervals with neither, it is dead (a
        // half-open TCP connection would otherwise look open for ever). Browsers cannot ping; there
        // the session's own heartbeat replies (where the protocol has them) or close events decide.
        const canPing = typeof ws.ping === 'function' && typeof ws.on === 'function';
        silentTicks = 0;
        if (canPing) ws.on!('pong', () => live() && (silentTicks = 0));
        beat = timers.setInterval(() => {
          if (canPing && ++silentTicks > DEAD_AFTER_TICKS) return lost('No reply to pings', 'PING_TIMEOUT');
          const frame = session?.heartbeat();
          if (frame !== undefined && live()) push(frame);
          if (canPing && live()) {
            try {
              ws.ping!();
            } catch {
              // closing: onclose follows
            }
          }
        }, limits.heartbeatMs);
      }
      if (faultStreak > 0) stableTimer = timers.setTimeout(() => (faultStreak = 0), STABLE_AFTER_MS);
      // Sends what was queued while closed (`pump` runs only while open).
      setStatus('open');
      if (live()) pump();
    };

    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      if (!live()) return;
      // The Link of this socket: every call is ignored once the socket is gone.
      session = options.protocol.session({
        send: (frame, key) => live() && push(frame, key),
        sendFirst: (frame) => live() && sendNow(frame),
        opened: () => live() && status !== 'open' && opened(),
        rejected: (error) => live() && authFailed(error, true),
        broken: (error) => live() && broken(error),
        dead: (error) => live() && retry(error),
        // Halve the rate (at least 1 frame per window) for the rest of this client's life; Infinity
        // halves to Infinity: unpaced stays unpaced.
        slowDown: () => live() && (perWindow = Math.max(1, Math.floor(perWindow / 2))),
        // Some frame sent on this socket exceeded the limit, so the limit is below the largest one sent.
        frameTooLarge: () => live() && largest > 0 && (maxBytes = Math.min(maxBytes, largest - 1)),
      });
      session.start(token);
      // A protocol without a handshake opened the link inside start().
      if (live() && status === 'connecting') setStatus('authenticating');
    };
    const read = createFrameReader(
      (frame) => {
        if (live()) return session?.receive(frame);
      },
      // A lost frame cannot be skipped: resume from the checkpoint instead (SPEC §1.5).
      (error) => {
        if (live()) broken(isLivebindError(error) && error.kind === 'protocol' ? (error as ProtocolError) : undecodable('unreadable', error));
      },
    );
    ws.onmessage = (ev) => {
      if (live()) {
        silentTicks = 0;
        read(ev.data);
      }
    };
    // onerror is always followed by onclose, which decides what to do.
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (!live()) return;
      // Already closed: nothing to close. Frames still being decoded are dropped with the generation
      // (`leave`): the resume checkpoint does not include them.
      socket = undefined;
      if (ev.code === 1008) {
        authFailed(
          new AuthError(
            `The server rejected the access token (1008)${options.renewableAuth ? '; logging in again.' : ': pass a fresh `auth` token or a token provider function.'}`,
            { code: 'AUTH_FAILED' },
          ),
          true,
        );
      } else lost(`The live connection closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})`, 'SOCKET_CLOSED', { closeCode: ev.code });
    };
  };

  return {

    get isOpen() {
      return status === 'open';
    },
    /** Largest frame (bytes) the server is known to accept; bigger frames fail locally (SPEC §2.1). */
    get maxFrameBytes() {
      return maxBytes;
    },
    /** The error the connection stopped with for good (authentication gave up), else undefined. */
    get fatalError() {
      return fatal;
    },
    /** Start connecting if idle (lazy connect on first use). */
    start() {
      if (status === 'idle') void connect('connect');
    },
    /** Queue the frame: sent in order, paced, once open (SPEC §1.4). A keyed frame replaces a queued frame with the same key. */
    send(frame, key) {
      if (status !== 'closed') push(frame, key);
    },
    tokenChanged(token) {
      if (status === 'open') session?.tokenChanged?.(token);
    },
    /** Drop a queued frame (e.g. the subscribe of a released subscription); true when it had not been sent. */
    unqueue,
    close() {
      if (status !== 'closed') leave('closed', 'Client closed');
    },
  };
}
