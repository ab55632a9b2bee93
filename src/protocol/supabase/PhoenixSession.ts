/**
 * One Phoenix socket (spec §2, §3.1, §6.3). There is no handshake: the token travels in each
 * `phx_join`, so the link opens at once. The session owns the heartbeat on topic `phoenix` (a beat
 * still unanswered when the next one is due marks the link dead), the replies pending on THIS
 * socket (dropped with it, so a late reply or stale heartbeat ref never reaches the next socket,
 * §7 #12), and routing: replies by ref, everything else by topic to the hub, which drops stale join
 * refs. An undecodable frame breaks the link (a lost postgres_changes frame could otherwise go
 * unnoticed; every feed converges again after the reconnect).
 */
import { ConnectionError, isLivebindError, UsageError } from '../../errors.js';
import type { LivebindError } from '../../errors.js';
import type { PhoenixMessage } from './phoenixMessage.js';
import { HEARTBEAT, PHOENIX_TOPIC, PHX_REPLY, isRecord } from './phoenixMessage.js';
import type { RefCounter } from './RefCounter.js';
import type { Frame, Link, Session } from './seam.js';
import type { PhoenixSerializer } from './serializer.js';

/** A `phx_reply`'s payload: `{status, response}`. */
export interface Reply {
  readonly status: string;
  readonly response: unknown;
}

export type ReplyHandler = (reply: Reply) => void;

/** What a session reports to the driver's topic registry. */
export interface SessionHub {
  socketOpened(session: PhoenixSession, token: string): void;
  socketClosed(session: PhoenixSession, error: LivebindError): void;
  tokenChanged(token: string): void;
  /** A non-reply message for a topic (the hub drops it when the topic or join ref is stale). */
  route(message: PhoenixMessage): void;
}

export interface HeartbeatObserver {
  (event: { readonly status: 'sent' | 'ok' | 'error' | 'timeout'; readonly latencyMs?: number }): void;
}

export interface PhoenixSessionOptions {
  readonly serializer: PhoenixSerializer;
  readonly refs: RefCounter;
  readonly now: () => number;
  readonly onHeartbeat?: HeartbeatObserver | undefined;
  /** Largest frame the server accepts (5 000 000 bytes, §1); a bigger push is refused with `FRAME_TOO_LARGE`. */
  readonly maxFrameBytes: number;
}

export class PhoenixSession implements Session {
  private readonly pending = new Map<string, ReplyHandler>();
  private heartbeatRef: string | undefined;
  private heartbeatSentAt = 0;
  private closedAlready = false;
  private closeReason: LivebindError | undefined;

  constructor(
    private readonly link: Link,
    private readonly hub: SessionHub,
    private readonly options: PhoenixSessionOptions,
  ) {}

  start(token: string): void {
    this.link.opened();
    this.hub.socketOpened(this, token);
  }

  receive(frame: Frame): void {
    const message = this.options.serializer.decode(frame);
    if (isLivebindError(message)) {
      this.link.broken(message);
      return;
    }
    if (message.event === PHX_REPLY && message.ref !== null) {
      if (message.topic === PHOENIX_TOPIC && message.ref === this.heartbeatRef) return this.heartbeatReplied(message);
      const handler = this.pending.get(message.ref);
      if (handler !== undefined) {
        this.pending.delete(message.ref);
        handler(replyOf(message.payload));
        return;
      }
    }
    if (message.topic !== PHOENIX_TOPIC) this.hub.route(message);
  }

  heartbeat(): Frame | undefined {
    if (this.heartbeatRef !== undefined) {
      this.options.onHeartbeat?.({ status: 'timeout' });
      this.heartbeatRef = undefined;
      const error = new ConnectionError('The Supabase Realtime server did not answer a heartbeat within one interval; reconnecting.', { code: 'HEARTBEAT_TIMEOUT' });
      this.closeReason = error;
      this.link.dead(error);
      return undefined;
    }
    const ref = this.options.refs.next();
    const frame = this.options.serializer.encode({ joinRef: null, ref, topic: PHOENIX_TOPIC, event: HEARTBEAT, payload: {} });
    if (isLivebindError(frame)) return undefined;
    this.heartbeatRef = ref;
    this.heartbeatSentAt = this.options.now();
    this.options.onHeartbeat?.({ status: 'sent' });
    return frame;
  }

  tokenChanged(token: string): void {
    this.hub.tokenChanged(token);
  }

  closed(): void {
    if (this.closedAlready) return;
    this.closedAlready = true;
    this.pending.clear();
    this.heartbeatRef = undefined;
    this.hub.socketClosed(this, this.closeReason ?? new ConnectionError('The Supabase Realtime socket closed; reconnecting.', { code: 'SOCKET_CLOSED' }));
  }

  get isClosed(): boolean {
    return this.closedAlready;
  }

  /**
   * Send one message on this socket; `onReply` hears the `phx_reply` to its ref (never after the
   * socket closed). Returns the encoding error when the message cannot go on the wire.
   */
  push(message: PhoenixMessage, onReply?: ReplyHandler, key?: string): LivebindError | undefined {
    if (this.closedAlready) return undefined;
    const frame = this.options.serializer.encode(message);
    if (isLivebindError(frame)) return frame;
    const limit = this.options.maxFrameBytes;
    const size = typeof frame === 'string' ? overLimit(frame, limit) : frame.length > limit ? frame.length : undefined;
    if (size !== undefined) {
      return new UsageError(`The message is ${String(size)} bytes; Supabase Realtime accepts at most ${String(this.options.maxFrameBytes)}. Send a smaller payload.`, { code: 'FRAME_TOO_LARGE' });
    }
    if (onReply !== undefined && message.ref !== null) this.pending.set(message.ref, onReply);
    this.link.send(frame, key);
    return undefined;
  }

  /** Forget the reply handler of `ref` (its caller gave up). */
  forget(ref: string): void {
    this.pending.delete(ref);
  }

  /** Number of replies this socket still waits for (tests and diagnostics). */
  get pendingReplies(): number {
    return this.pending.size;
  }

  private heartbeatReplied(message: PhoenixMessage): void {
    this.heartbeatRef = undefined;
    const reply = replyOf(message.payload);
    this.options.onHeartbeat?.(reply.status === 'ok' ? { status: 'ok', latencyMs: this.options.now() - this.heartbeatSentAt } : { status: 'error' });
  }
}

export function replyOf(payload: unknown): Reply {
  if (!isRecord(payload)) return { status: 'error', response: payload };
  return { status: typeof payload['status'] === 'string' ? payload['status'] : 'error', response: payload['response'] };
}

/** True when `text` is over `limit` UTF-8 bytes; counts only when 3 bytes per code unit could exceed it. */
function overLimit(text: string, limit: number): number | undefined {
  if (text.length * 3 <= limit) return undefined;
  const bytes = new TextEncoder().encode(text).length;
  return bytes > limit ? bytes : undefined;
}
