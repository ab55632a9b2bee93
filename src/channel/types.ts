/**
 * Public channel types: the handle `client.channel(topic, options)` returns, its states, presence
 * snapshots and events, and the send delivery policies. docs/SPEC.md "Channels" has the rules.
 */
import type { ChannelError, LivebindError } from '../errors.js';
import type { LiveObservable } from '../types.js';
import type { ChannelBroadcast } from './ChannelPort.js';

export type { ChannelBroadcast } from './ChannelPort.js';

/**
 * - `idle`: nobody uses the channel (no subscriber, track or pending send): not joined.
 * - `joining`: a join is on its way (first join, rejoin, refresh-and-rejoin).
 * - `joined`: the server accepted the join.
 * - `errored`: join refused or unanswered, the server's channel failed, or the socket is down.
 *   Retried automatically: at once when the socket reopens, else after the rejoin backoff.
 * - `closed`: the server ended the channel at runtime (`error` says why, e.g. `RATE_LIMITED`).
 *   NOT retried (doing so would repeat the offence); `rejoin()` tries again. A token expiry is the
 *   exception: the channel refreshes the token and rejoins (`joining`, error `TOKEN_EXPIRED`).
 */
export type ChannelStatus = 'idle' | 'joining' | 'joined' | 'errored' | 'closed';

export interface ChannelState {
  readonly status: ChannelStatus;
  /** Why the channel is (or last was) not joined; undefined once joined. */
  readonly error: LivebindError | undefined;
  /** Consecutive failed joins (0 after a successful join); picks the rejoin delay. */
  readonly attempt: number;
}

/** One connection's (tab's, device's) presence under a key. */
export interface PresenceConnection<M> {
  /** The server's ref of this track (changes when the meta changes). */
  readonly ref: string;
  readonly meta: M;
}

/** Everything present under one key (usually one user). */
export interface PresenceMember<M> {
  readonly key: string;
  /** One per connection, oldest first. A user in two tabs is one member with two connections. */
  readonly connections: readonly PresenceConnection<M>[];
  /** Merged view: the connections' metas shallow-merged, newer ones winning. */
  readonly meta: M;
}

/**
 * An immutable presence snapshot: a new object per change, unchanged members keep identity.
 * `synced` is false until the state for the current join arrived (members are then the last known ones).
 */
export interface PresenceSnapshot<M> {
  readonly synced: boolean;
  /** Number of keys. */
  readonly size: number;
  get(key: string): PresenceMember<M> | undefined;
  /** Members sorted by key (built on first read, then cached). */
  readonly members: readonly PresenceMember<M>[];
}

export type PresenceEvent<M> =
  | { readonly type: 'join'; readonly key: string; readonly member: PresenceMember<M>; readonly joined: readonly PresenceConnection<M>[] }
  | { readonly type: 'leave'; readonly key: string; readonly member: PresenceMember<M> | undefined; readonly left: readonly PresenceConnection<M>[] }
  | {
      readonly type: 'update';
      readonly key: string;
      readonly member: PresenceMember<M>;
      readonly updates: readonly { readonly previous: PresenceConnection<M>; readonly current: PresenceConnection<M> }[];
    };

/**
 * How `send()` delivers:
 * - `ack`: wait (up to `timeoutMs`) for the channel to be joined, push, resolve on the server's ack
 *   (needs `broadcast.ack`, the default). Rejects `NOT_JOINED` if not joined in time, `TIMED_OUT` without an ack.
 * - `queue`: while not joined, hold the message (at most `queueMax`, for `queueTtlMs`; the oldest is
 *   rejected `QUEUE_FULL` when full, an expired one `NOT_JOINED`); sent in order once joined.
 * - `drop`: push only if joined now, else resolve `{ delivered: 'dropped' }` (for cursors and the like).
 */
export type DeliveryPolicy = 'ack' | 'queue' | 'drop';

export interface SendOptions {
  readonly delivery?: DeliveryPolicy;
  /** Push timeout, and for `ack` the wait for the join (default 10 000 ms). */
  readonly timeoutMs?: number;
}

export interface SendReceipt {
  /** `acked`: the server acknowledged; `sent`: handed to the socket (no ack asked); `dropped`: not joined (`drop` policy). */
  readonly delivered: 'acked' | 'sent' | 'dropped';
}

export interface ChannelOptions {
  /** `ack` (default true): the server acknowledges broadcasts (needed by `delivery: 'ack'`); `self` (default false): receive your own broadcasts. */
  readonly broadcast?: { readonly ack?: boolean; readonly self?: boolean };
  /** This connection's presence key (default `''`: the server picks one per join). */
  readonly presence?: { readonly key?: string };
  /** Authorised (row-level security) channel (default false). */
  readonly private?: boolean;
}

/** A channel handle: shared per topic, joined while anything uses it (docs/SPEC.md "Channels"). */
export interface ChannelHandle<M = Record<string, unknown>> {
  readonly topic: string;
  readonly status$: LiveObservable<ChannelState>;
  /** Presence snapshots (also a store). Subscribing enables presence for the channel. */
  readonly presence$: LiveObservable<PresenceSnapshot<M>>;
  /** Presence events (join, leave, update); store snapshot: the last event. */
  readonly presenceEvents$: LiveObservable<PresenceEvent<M>, PresenceEvent<M> | undefined>;
  /** Broadcasts with this event (case-insensitive), or every broadcast for `'*'` / no event. */
  broadcast$(event?: string): LiveObservable<ChannelBroadcast, ChannelBroadcast | undefined>;
  /**
   * Be present with `meta` (desired state): re-sent after every rejoin, coalesced (latest wins) under
   * the presence budget. Resolves once the server acknowledged this meta or a newer one.
   */
  track(meta: M): Promise<void>;
  /** Stop being present. Resolves once the server acknowledged it (or at once if nothing was tracked). */
  untrack(): Promise<void>;
  send(event: string, payload: unknown, options?: SendOptions): Promise<SendReceipt>;
  /** Try again after `closed` (a runtime kill); no-op in other states. */
  rejoin(): void;
}

export type { ChannelError };
