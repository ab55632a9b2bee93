/**
 * The heartbeat of one open socket (docs/SPEC.md §1.2): every interval the session's heartbeat
 * frame is queued and, where the socket can send protocol Ping frames (`ws` in Node), a Ping goes
 * with it. A Pong or any inbound frame (`alive()`) proves the link alive: after DEAD_AFTER_TICKS
 * intervals with neither, the link is declared dead (a half-open TCP connection would otherwise
 * look open for ever). Browsers cannot ping; there the session's own heartbeat replies (where the
 * protocol has them) or close events decide.
 */
import type { Frame } from '../protocol/driver.js';
import type { SocketLike } from './socket.js';
import type { Timers } from './timers.js';

/** Heartbeat intervals without any inbound frame or Pong before a link with Ping frames is declared dead. */
const DEAD_AFTER_TICKS = 2;

export interface HeartbeatTarget {
  /** False once the socket is no longer the current open one (the tick does nothing). */
  current(): boolean;
  /** The session's heartbeat frame, if any. */
  frame(): Frame | undefined;
  send(frame: Frame): void;
  /** No Pong and no frame for too long. */
  dead(): void;
}

export interface Heartbeat {
  /** Something arrived on the socket. */
  alive(): void;
  stop(): void;
}

type PingSocket = SocketLike & { ping?: () => void; on?: (event: 'pong', fn: () => void) => void };

export function startHeartbeat(socket: SocketLike, timers: Timers, intervalMs: number, target: HeartbeatTarget): Heartbeat {
  const native = socket as PingSocket;
  const canPing = typeof native.ping === 'function' && typeof native.on === 'function';
  let silentTicks = 0;
  const alive = (): void => {
    silentTicks = 0;
  };
  if (canPing) native.on?.('pong', alive);
  const timer = timers.setInterval(() => {
    if (!target.current()) return;
    if (canPing && ++silentTicks > DEAD_AFTER_TICKS) return target.dead();
    const frame = target.frame();
    if (frame !== undefined && target.current()) target.send(frame);
    if (canPing && target.current()) {
      try {
        native.ping?.();
      } catch {
        // closing: onclose follows
      }
    }
  }, intervalMs);
  return { alive, stop: () => timers.clearInterval(timer) };
}
