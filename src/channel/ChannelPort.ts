/**
 * The channel seam (STYLE §15, consumer owns the interface): what src/channel needs from a protocol
 * driver for ONE topic, and what the driver reports back. Protocol-neutral: no Phoenix frame,
 * event name or ref format appears here; a driver (Supabase/Phoenix today) maps its wire onto it.
 *
 * Ownership (docs/SPEC.md "Channels"):
 * - src/channel owns every timer and policy: join timeout, rejoin backoff, push timeouts, send
 *   queues, presence budget and grace. A port has no timers of its own for channels.
 * - The driver owns the wire: join/leave/push frames, join refs, routing (it delivers only messages
 *   of its newest join ref, and drops replies to superseded ones), the token in each join, and
 *   decoding server errors into {@link ChannelError} codes.
 *
 * Presence travels in the Phoenix shapes, which are also the neutral ones: a state is
 * `{ [key]: { metas: [{ phx_ref, phx_ref_prev?, ...meta }] } }`, a diff is `{ joins, leaves }` of states.
 */
import type { ChannelError, LivebindError } from '../errors.js';

/** One tracked presence (one connection / tab) as it travels: the tracked meta plus server refs. */
export interface PresenceWireMeta {
  /** Opaque, unique per track (a re-track with a changed meta gets a new one). */
  readonly phx_ref: string;
  /** On an update: the `phx_ref` of the meta this one replaces. */
  readonly phx_ref_prev?: string;
  readonly [field: string]: unknown;
}

export interface PresenceWireEntry {
  readonly metas: readonly PresenceWireMeta[];
}

/** Presence key → its metas (several metas per key are normal: one per connection). */
export type PresenceWireState = { readonly [key: string]: PresenceWireEntry };

export interface PresenceWireDiff {
  readonly joins: PresenceWireState;
  readonly leaves: PresenceWireState;
}

/** What a channel asks the server for when it joins. */
export interface ChannelConfig {
  /** `ack`: the server acknowledges each broadcast; `self`: this connection receives its own broadcasts. */
  readonly broadcast: { readonly ack: boolean; readonly self: boolean };
  /** `key`: this connection's presence key (`''`: the server picks one per join); `enabled`: send the presence state after the join. */
  readonly presence: { readonly key: string; readonly enabled: boolean };
  /** Authorised (row-level security) channel. */
  readonly private: boolean;
}

export interface JoinRequest {
  /** The config for this join (a rejoin may differ from the first: presence is enabled once anyone listens). */
  readonly config: ChannelConfig;
  /** Fetch a fresh token before joining (the previous membership was closed for an expired token). */
  readonly refreshToken: boolean;
}

/** Messages a channel pushes to the server. */
export type ChannelPush =
  | { readonly kind: 'broadcast'; readonly event: string; readonly payload: unknown }
  | { readonly kind: 'track'; readonly meta: Readonly<Record<string, unknown>> }
  | { readonly kind: 'untrack' };

export interface PushOptions {
  /**
   * Wait for the server's reply. When false the driver settles `done` once the frame is handed to
   * the connection. (A broadcast is acknowledged only when the join asked for `broadcast.ack`.)
   */
  readonly ack: boolean;
}

/** Settles a push once: `undefined` on success, else a ChannelError (`PAYLOAD_TOO_LARGE`, `RATE_LIMITED`, `NOT_JOINED`, `PUSH_REJECTED`). */
export type PushDone = (error?: ChannelError) => void;

/** One topic's connection to the server, implemented by a protocol driver. */
export interface ChannelPort {
  /** The ref of the newest join attempt (undefined before the first join and after `leave()`). */
  readonly joinRef: string | undefined;
  /**
   * Join, or rejoin over a previous membership. Never preceded by a leave: the driver sends a new
   * join with a new ref and from then on ignores everything of the old ref. While the socket is
   * down the join waits in the connection's queue (a newer join replaces a queued older one).
   * Answered by `joined` or `joinError` on the sink (or by nothing: the channel times out and rejoins).
   */
  join(request: JoinRequest): void;
  /** Leave the topic. The channel considers itself closed at once; the driver may ignore the reply. Joinable again later. */
  leave(): void;
  /**
   * Push a message under the current join. `done` is called at most once; the returned function
   * cancels (the channel timed out or gave up): the driver forgets the reply and never calls `done`.
   * A push while not joined is refused with `NOT_JOINED` (the channel holds pushes until joined).
   */
  push(message: ChannelPush, options: PushOptions, done: PushDone): () => void;
}

/** A broadcast as received. `meta` carries server extras (e.g. `{ id }` of a persisted message). */
export interface ChannelBroadcast {
  readonly event: string;
  readonly payload: unknown;
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** An informational or error notice from the server about this channel. */
export interface ChannelSystemMessage {
  /** What it is about (Supabase: `postgres_changes`, `system`). */
  readonly extension: string;
  readonly status: 'ok' | 'error';
  readonly message: string;
}

/** What the driver reports for one topic. Every call concerns the port's newest join ref unless it says otherwise. */
export interface ChannelSink {
  /** The server accepted the join `joinRef` (every successful rejoin too). */
  joined(joinRef: string): void;
  /** The server refused the join (code `JOIN_REFUSED`, `UNAUTHORIZED`, `TOKEN_EXPIRED`, `RATE_LIMITED`; `reason` = the server's text). The channel rejoins with backoff. */
  joinError(error: ChannelError): void;
  /** The server's side of the channel failed while the socket stays up (Phoenix `phx_error`). The channel rejoins with backoff. */
  errored(error: LivebindError): void;
  /** The socket closed or its heartbeat went unanswered: every channel of it is down until `socketOpened`. */
  socketClosed(error: LivebindError): void;
  /** A (new) socket is open: channels that are down rejoin at once. */
  socketOpened(): void;
  /**
   * The server closed the channel. Without `kill` it was an ordinary close (the server stopped it);
   * with `kill` the server ended it at runtime (Supabase: a `system` error then `phx_close`), e.g.
   * `TOKEN_EXPIRED`, `RATE_LIMITED`, `PRESENCE_RATE_LIMITED`, `PAYLOAD_TOO_LARGE`, `UNAUTHORIZED`, `KILLED`.
   */
  closed(reason: string, kill?: ChannelError): void;
  /** The full presence state for join `joinRef`. */
  presenceState(state: PresenceWireState, joinRef: string): void;
  /** A presence change under join `joinRef` (the driver's newest join ref when the wire carries none). */
  presenceDiff(diff: PresenceWireDiff, joinRef: string): void;
  broadcast(message: ChannelBroadcast): void;
  system(message: ChannelSystemMessage): void;
}

/** How a driver creates a port (the optional `Driver.channel` of src/protocol/driver.ts). */
export type ChannelPortFactory = (topic: string, config: ChannelConfig, sink: ChannelSink) => ChannelPort;
