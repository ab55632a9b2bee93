/**
 * The ChannelPort of src/channel for one Phoenix topic (spec §3.2–§3.7, §3.9). It owns the wire:
 * `phx_join` with the config and a token that is never expired, `phx_leave`, broadcast (kind 3
 * under vsn 2.0.0) and presence pushes with their replies, and the mapping of server pushes onto
 * the sink. Timers and retry policy belong to the channel (src/channel/Channel.ts); the port only
 * reports. Replies and messages of a superseded join are dropped.
 */
import { ChannelError, isLivebindError } from '../../errors.js';
import type { LivebindError } from '../../errors.js';
import type {
  ChannelConfig,
  ChannelPort,
  ChannelPush,
  ChannelSink,
  JoinRequest,
  PresenceWireDiff,
  PresenceWireMeta,
  PresenceWireState,
  PushDone,
  PushOptions,
} from '../../channel/ChannelPort.js';
import { buildJoinPayload } from './joinPayload.js';
import type { PhoenixHub, TopicMember } from './PhoenixHub.js';
import type { PhoenixMessage } from './phoenixMessage.js';
import {
  BROADCAST,
  PHX_CLOSE,
  PHX_ERROR,
  PHX_JOIN,
  PHX_LEAVE,
  PRESENCE,
  PRESENCE_DIFF,
  PRESENCE_STATE,
  SYSTEM,
  isRecord,
} from './phoenixMessage.js';
import type { Reply } from './PhoenixSession.js';
import { joinError, killError, pushError } from './serverErrors.js';

const noop = (): void => {};

export class SupabaseChannelPort implements ChannelPort, TopicMember {
  private currentJoinRef: string | undefined;
  private isJoined = false;
  private config: ChannelConfig;
  /** A `system` error seen under this join: the `phx_close` that follows is a kill. */
  private kill: ChannelError | undefined;
  /** A join asked for while no socket was open: sent as soon as one opens. */
  private waiting: JoinRequest | undefined;

  constructor(
    readonly topic: string,
    config: ChannelConfig,
    private readonly sink: ChannelSink,
    private readonly hub: PhoenixHub,
  ) {
    this.config = config;
  }

  get joinRef(): string | undefined {
    return this.currentJoinRef;
  }

  get joined(): boolean {
    return this.isJoined;
  }

  join(request: JoinRequest): void {
    const ref = this.hub.refs.next();
    this.currentJoinRef = ref;
    this.isJoined = false;
    this.kill = undefined;
    this.config = request.config;
    this.hub.register(this);
    // No socket yet (register() asked for one): the join is sent when it opens.
    this.waiting = this.hub.session === undefined ? request : undefined;
    if (this.waiting === undefined) this.sendJoin(ref, request);
  }

  private sendJoin(ref: string, request: JoinRequest): void {
    void this.hub.joinToken(request.refreshToken).then((token) => {
      const session = this.hub.session;
      if (this.currentJoinRef !== ref || session === undefined) return;
      if (isLivebindError(token)) {
        this.sink.joinError(new ChannelError(`Cannot join "${this.topic}": ${token.message}`, { code: 'TOKEN_EXPIRED', topic: this.topic, cause: token }));
        return;
      }
      const payload = buildJoinPayload({ ...this.config, postgresChanges: [] }, token);
      const failed = session.push({ joinRef: ref, ref, topic: this.topic, event: PHX_JOIN, payload }, (reply) => this.joinReplied(ref, reply), `join:${this.topic}`);
      if (failed) this.sink.joinError(new ChannelError(`Cannot join "${this.topic}": ${failed.message}`, { code: 'JOIN_REFUSED', topic: this.topic, cause: failed }));
    });
  }

  leave(): void {
    this.waiting = undefined;
    const joinRef = this.currentJoinRef;
    this.currentJoinRef = undefined;
    this.isJoined = false;
    this.hub.unregister(this);
    if (joinRef === undefined) return;
    this.hub.session?.push({ joinRef, ref: this.hub.refs.next(), topic: this.topic, event: PHX_LEAVE, payload: {} });
  }

  push(message: ChannelPush, options: PushOptions, done: PushDone): () => void {
    const session = this.hub.session;
    const joinRef = this.currentJoinRef;
    if (!this.isJoined || session === undefined || joinRef === undefined) {
      done(new ChannelError(`Cannot send on "${this.topic}": the channel is not joined.`, { code: 'NOT_JOINED', topic: this.topic }));
      return noop;
    }
    const ref = this.hub.refs.next();
    const payload =
      message.kind === 'broadcast'
        ? { type: BROADCAST, event: message.event, payload: message.payload }
        : message.kind === 'track'
          ? { type: PRESENCE, event: 'track', payload: message.meta }
          : { type: PRESENCE, event: 'untrack' };
    // The server replies to a broadcast only when the join asked for acks; presence always replies.
    const awaitsReply = options.ack && (message.kind !== 'broadcast' || this.config.broadcast.ack);
    const event = message.kind === 'broadcast' ? BROADCAST : PRESENCE;
    let settled = false;
    const settle = (error?: ChannelError): void => {
      if (settled) return;
      settled = true;
      done(error);
    };
    const onReply = awaitsReply ? (reply: Reply) => settle(reply.status === 'ok' ? undefined : pushError(this.topic, reply.response)) : undefined;
    const failed = session.push({ joinRef, ref, topic: this.topic, event, payload }, onReply);
    if (failed) {
      settle(new ChannelError(`Cannot send on "${this.topic}": ${failed.message}`, { code: failed.code === 'FRAME_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : 'PUSH_REJECTED', topic: this.topic, cause: failed }));
      return noop;
    }
    if (!awaitsReply) settle();
    return () => {
      settled = true;
      session.forget(ref);
    };
  }

  // ---- TopicMember -------------------------------------------------------------------------

  socketOpened(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    // The channel is still `joining` (it never saw the socket down), so it would wait for its join timeout.
    if (waiting !== undefined && this.currentJoinRef !== undefined) this.sendJoin(this.currentJoinRef, waiting);
    this.sink.socketOpened();
  }

  socketClosed(error: LivebindError): void {
    this.isJoined = false;
    this.sink.socketClosed(error);
  }

  stopped(error: LivebindError): void {
    this.isJoined = false;
    const code = error.kind === 'auth' ? 'UNAUTHORIZED' : 'KILLED';
    this.sink.closed('the connection stopped', new ChannelError(`"${this.topic}" stopped: ${error.message}`, { code, topic: this.topic, cause: error }));
  }

  receive(message: PhoenixMessage): void {
    const joinRef = this.currentJoinRef;
    if (joinRef === undefined) return;
    switch (message.event) {
      case BROADCAST:
        return this.broadcast(message.payload);
      case PRESENCE_DIFF: {
        const diff = presenceDiffOf(message.payload);
        if (diff) this.sink.presenceDiff(diff, joinRef);
        return;
      }
      case PRESENCE_STATE: {
        const state = presenceStateOf(message.payload);
        if (state) this.sink.presenceState(state, joinRef);
        return;
      }
      case SYSTEM:
        return this.system(message.payload);
      case PHX_CLOSE:
      case PHX_ERROR:
        // vsn 1.0.0 strips join_ref; these carry the join ref as `ref`.
        if (message.ref !== null && message.ref !== joinRef) return;
        this.isJoined = false;
        if (message.event === PHX_ERROR) {
          this.sink.errored(new ChannelError(`The server's side of "${this.topic}" failed (phx_error); rejoining.`, { code: 'CHANNEL_ERROR', topic: this.topic, reason: reasonText(message.payload) ?? 'phx_error' }));
        } else {
          const kill = this.kill;
          this.kill = undefined;
          if (kill) this.sink.closed(kill.reason ?? 'killed', kill);
          else this.sink.closed('closed by the server');
        }
        return;
      default:
        return; // unknown events are ignored (forward compatible)
    }
  }

  private joinReplied(ref: string, reply: Reply): void {
    if (ref !== this.currentJoinRef) return;
    if (reply.status === 'ok') {
      this.isJoined = true;
      this.sink.joined(ref);
    } else {
      this.sink.joinError(joinError(this.topic, reply.response));
    }
  }

  private broadcast(payload: unknown): void {
    if (!isRecord(payload) || typeof payload['event'] !== 'string') return;
    const meta = payload['meta'];
    // Frozen once here: the channel hands this very object to every listener (no copy per message).
    this.sink.broadcast(Object.freeze(isRecord(meta) ? { event: payload['event'], payload: payload['payload'], meta } : { event: payload['event'], payload: payload['payload'] }));
  }

  private system(payload: unknown): void {
    if (!isRecord(payload)) return;
    const extension = typeof payload['extension'] === 'string' ? payload['extension'] : 'system';
    const status = payload['status'] === 'ok' ? 'ok' : 'error';
    const message = typeof payload['message'] === 'string' ? payload['message'] : JSON.stringify(payload['message'] ?? '');
    // postgres_changes errors are retried by the server; other errors precede a phx_close.
    if (status === 'error' && extension !== 'postgres_changes') this.kill = killError(this.topic, message);
    this.sink.system({ extension, status, message });
  }
}

function reasonText(payload: unknown): string | undefined {
  return isRecord(payload) && typeof payload['reason'] === 'string' ? payload['reason'] : undefined;
}

/** A presence state with only well-formed entries (metas that carry a string `phx_ref`). */
export function presenceStateOf(value: unknown): PresenceWireState | undefined {
  if (!isRecord(value)) return undefined;
  const state: Record<string, { metas: PresenceWireMeta[] }> = {};
  for (const key of Object.keys(value)) {
    const entry = value[key];
    if (!isRecord(entry) || !Array.isArray(entry['metas'])) continue;
    const metas = entry['metas'].filter((m): m is PresenceWireMeta => isRecord(m) && typeof m['phx_ref'] === 'string');
    if (metas.length === 0) continue;
    Object.defineProperty(state, key, { value: { metas }, enumerable: true, writable: true, configurable: true });
  }
  return state;
}

function presenceDiffOf(value: unknown): PresenceWireDiff | undefined {
  if (!isRecord(value)) return undefined;
  return { joins: presenceStateOf(value['joins']) ?? {}, leaves: presenceStateOf(value['leaves']) ?? {} };
}
