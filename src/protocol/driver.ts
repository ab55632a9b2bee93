/**
 * The protocol seam (docs/SPEC.md §8): what the neutral core needs from a wire protocol, and what
 * it offers one. The core (src/connection, src/live, src/store, src/channel) imports only this file;
 * each protocol folder (src/protocol/kalamdb/, src/protocol/supabase/) implements it.
 *
 * Who owns what:
 * - Connection (src/connection): one socket and its states, lazy connect, a token before each
 *   socket, connect timeout, backoff with jitter and fault streak, ordered frame reading, dead-link
 *   detection with protocol Ping/Pong where the socket has them, and the outbound queue (pacing and
 *   frame limit from `Driver.limits`). It never looks inside a frame.
 * - Driver (one per client) and its Session (one per socket): socket URL, handshake and auth,
 *   heartbeat frame, decoding and fault policy, routing, request/reply refs, resume, wire-row
 *   normalisation into neutral rows and changes, and the protocol's HTTP calls.
 * - src/live: neutral rows, columns and changes (with an optional opaque cursor) → LiveRows snapshots.
 */
import type { AuthError, ConnectionError, LivebindError, ProtocolError } from '../errors.js';
import type { QueryOptions, SqlParam, UploadFile, UploadOptions } from '../types.js';
import type { Timers } from '../connection/timers.js';
import type { ChannelConfig, ChannelPort, ChannelSink } from '../channel/ChannelPort.js';
import type { ChannelRuntime } from '../channel/channelRuntime.js';
import type { ChannelHandle, ChannelOptions } from '../channel/types.js';
import type { TopicHandle } from '../topics/types.js';

/** One WebSocket frame, either way: text, or binary handed over raw (a session decodes it). */
export type Frame = string | Uint8Array;

// ---------------------------------------------------------------------------------------------
// Connection ↔ session (per socket)
// ---------------------------------------------------------------------------------------------

/**
 * What a session can do with its socket. Implemented by the Connection, one per socket: once that
 * socket is gone every call is ignored, so a late reply of an old socket never touches the next one.
 */
export interface Link {
  /** Queue a frame: sent in order and paced once the link is open. A keyed frame replaces a queued one with the same key. */
  send(frame: Frame, key?: string): void;
  /** Send ahead of the queue, before the link is open (the handshake). Takes a pacing slot like any frame. */
  sendFirst(frame: Frame): void;
  /** Handshake done (or none needed): status `open`, attempt and auth-failure counts reset, the queue flushes. */
  opened(): void;
  /** The server refused the token: the socket is dropped and the next attempt asks for a fresh one (counts as an auth failure). */
  rejected(error: AuthError): void;
  /** The stream cannot be trusted (undecodable frame, a message of ours dropped): drop the socket and reconnect with backoff; counts toward the fault streak. */
  broken(error: ProtocolError): void;
  /** The protocol's own heartbeat went unanswered: drop the socket and reconnect. */
  dead(error: ConnectionError): void;
  /** The server says we send too fast: halve the pacing for the rest of the client's life (at least 1 frame/s). */
  slowDown(): void;
  /** The server refused one of the frames sent on this socket for its size: lower the frame limit below the largest one sent. */
  frameTooLarge(): void;
}

/**
 * One socket's protocol state, created by `Driver.session` when the socket opens and dropped with it.
 * Calls arrive in this order: `start`, then `receive`/`heartbeat`/`tokenChanged` any number of
 * times, then `closed` exactly once.
 */
export interface Session {
  /** The socket is open: send the handshake (`link.sendFirst`) or, without one, call `link.opened()` at once. */
  start(token: string): void;
  /**
   * One inbound frame, in arrival order. A returned promise holds later frames until it settles (an
   * asynchronous decode such as DecompressionStream); a rejection breaks the link (INVALID_FRAME).
   */
  receive(frame: Frame): void | Promise<void>;
  /** Every `limits.heartbeatMs` while open: the frame to send, or undefined (the session tracks replies itself and calls `link.dead`). */
  heartbeat(): Frame | undefined;
  /** A new token from the auth option while open (a protocol that can re-authenticate in band). */
  tokenChanged?(token: string): void;
  /** The socket is gone (lost, dropped or client closed). */
  closed(): void;
}

/** The long-lived side of the one connection, as a driver sees it (survives every socket). */
export interface ConnectionPort {
  /** Queue a frame for the current or the next open socket (paced). Unkeyed frames queued when a socket is lost are dropped; keyed ones wait for the next socket. */
  send(frame: Frame, key?: string): void;
  /** Drop a queued keyed frame; true when it was still waiting (so it never reached the server). */
  unqueue(key: string): boolean;
  /** Connect if idle (lazy connect on first use). */
  start(): void;
  readonly isOpen: boolean;
  /** Largest frame the server is known to accept (from `limits.maxFrameBytes`, lowered by `Link.frameTooLarge`). */
  readonly maxFrameBytes: number;
  /** Set once the connection stopped for good (authentication gave up). */
  readonly fatalError: LivebindError | undefined;
}

export interface DriverLimits {
  /** Outbound frames per rolling second (undefined: no pacing). */
  readonly perSecond?: number | undefined;
  /** The server's inbound frame limit in bytes (UTF-8 for text). */
  readonly maxFrameBytes: number;
  /** Heartbeat interval while open (0: none). Also the tick of Ping/Pong dead-link detection. */
  readonly heartbeatMs: number;
}

// ---------------------------------------------------------------------------------------------
// Driver (per client)
// ---------------------------------------------------------------------------------------------

/** Why a token is needed: the connection's reasons, plus HTTP use and an HTTP TOKEN_EXPIRED. */
export type TokenNeed = 'connect' | 'reconnect' | 'rejected' | 'http' | 'expired';

export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
}

/** A protocol's password login and refresh calls, for `passwordLogin` (src/connection/passwordLogin.ts). */
export interface LoginCalls {
  login(user: string, password: string): Promise<Tokens>;
  refresh?(refreshToken: string): Promise<Tokens>;
}

/**
 * The `{ user, password }` auth form, built once per client (at createClient): the token source
 * for each TokenNeed. `produced` must see every token handed out (it tells the open session about
 * a new one). Usually `passwordLogin(loginCalls)`; may throw a UsageError (e.g. naming an opt-in).
 */
export type PasswordLogin = (
  user: string,
  password: string,
  now: () => number,
  produced: (token: string) => string,
) => (need: TokenNeed) => Promise<string>;

/** What createClient hands a driver. */
export interface DriverContext {
  readonly connection: ConnectionPort;
  /** A token from the auth option (cached/refreshed as the option says). */
  token(need: TokenNeed): Promise<string>;
  readonly timers: Timers;
  readonly now: () => number;
}

/**
 * The value passed as `createClient({ driver })` (e.g. `kalamdbDriver({ url })` from
 * `livebind/kalamdb`). Holds configuration only; `create` is called once per client.
 */
export interface DriverFactory {
  /** Protocol name for messages (`kalamdb`, `supabase`). */
  readonly name: string;
  readonly limits: DriverLimits;
  /** Password login for `{ user, password }` auth (undefined: the protocol has none; that auth form is refused). */
  readonly login?: PasswordLogin | undefined;
  /** The token used when the client has no `auth` option (e.g. Supabase's apikey); undefined: `auth` is required. */
  readonly anonymousToken?: string | undefined;
  /**
   * The channel core (src/channel's `channelRegistry`) for drivers whose `Driver.channel` exists.
   * Supplied by the driver so a client of a protocol without channels bundles none of it.
   */
  readonly channels?: ChannelCore | undefined;
  create(context: DriverContext): Driver;
}

/** Builds a client's channel registry: ports from the driver, settings from the client options. */
export type ChannelCore = (
  port: (topic: string, config: ChannelConfig, sink: ChannelSink) => ChannelPort,
  settings: Partial<ChannelRuntime>,
  backend: string,
) => { channel<M>(topic: string, options?: ChannelOptions): ChannelHandle<M>; closeAll(): void };

/** One client's protocol instance. */
export interface Driver {
  readonly name: string;
  /** The URL of the next socket (may change between sockets, e.g. a refreshed query parameter). */
  socketUrl(): string;
  /** A new socket opened: its session. */
  session(link: Link): Session;
  /** The connection stopped for good (authentication gave up): every feed and channel ends with `error`. */
  stopped(error: LivebindError): void;
  /** Live rows and row changes; absent: `liveRows()`/`changes()` throw UnsupportedError. */
  liveFeed?(spec: FeedSpec, sink: RowSink): FeedHandle;
  /** Presence and broadcast channels; absent: `channel()` throws UnsupportedError. */
  channel?(topic: string, config: ChannelConfig, sink: ChannelSink): ChannelPort;
  /** SQL over the protocol's HTTP API; absent: `query()`/`execute()` reject with UnsupportedError. */
  sql?(text: string, params: readonly SqlParam[] | undefined, options: QueryOptions | undefined): Promise<SqlOutcome>;
  /** SQL with FILE uploads (progress and abort in `options`); absent: `queryWithFiles()` rejects with UnsupportedError. */
  sqlWithFiles?(text: string, files: Readonly<Record<string, UploadFile>>, params: readonly SqlParam[] | undefined, options: UploadOptions | undefined): Promise<SqlOutcome>;
  /** Topic consumers (`client.topic(name)`); absent: `topic()` throws UnsupportedError. Built on src/topics' TopicCalls. */
  readonly topic?: ((name: string) => TopicHandle) | undefined;
  /** The client closed. */
  close?(): void;
}

/** What one SQL call produced: the rows of its last row-returning statement, and the rows DML affected. */
export interface SqlOutcome {
  readonly rows: readonly Row[];
  readonly affected: number;
}

// The topic seam is src/topics' (the consumer owns the interface).
export type { TopicBatch, TopicCalls, TopicHandle, TopicMessage, TopicPoll, TopicAck } from '../topics/types.js';

// The channel seam is src/channel's (the consumer owns the interface).
export type { ChannelConfig, ChannelPort, ChannelSink } from '../channel/ChannelPort.js';

// ---------------------------------------------------------------------------------------------
// Neutral rows (src/live consumes them)
// ---------------------------------------------------------------------------------------------

/** A user row keyed by column name; cells as the protocol delivers them, no protocol system columns. */
export type Row = Record<string, unknown>;

/** A result column. `pk`: part of the primary key (the default row key). */
export interface Column {
  readonly name: string;
  readonly pk?: boolean | undefined;
  readonly type?: string | undefined;
}

/** What a load means: the first one, a resume from the cursor (pages are upserts), or a full reload (rows replaced at its last page). */
export type LoadKind = 'initial' | 'resume' | 'reload';

export interface FeedSpec {
  /** The query as written, with `$n` placeholders. */
  readonly text: string;
  readonly params: readonly SqlParam[];
  /** `text` with the parameters bound as SQL literals (src/sql/sqlLiteral.ts). */
  readonly sql: string;
  /** true: initial rows, then changes (liveRows); false: changes only (changes()). */
  readonly load: boolean;
  /** The `key` option (the key columns are resolved against the columns with src/live/keyOf.ts). */
  readonly key: string | readonly string[] | undefined;
  /** Page size of the initial load, when the protocol pages. */
  readonly batchSize: number | undefined;
  /** Load only the newest N rows, when the protocol can. */
  readonly lastRows: number | undefined;
}

export interface FeedHandle {
  /** The protocol's id of the feed (for error fields), when it has one. */
  readonly id?: string | undefined;
  /** The resume cursor (highest version applied), when the protocol has one. */
  cursor?(): bigint | undefined;
  /** Stop the feed (unsubscribe). */
  close(): void;
}

/**
 * One row change. `cursor` is the protocol's opaque version of the change when it has one
 * (KalamDB `_seq`; undefined for Supabase postgres_changes).
 *
 * - `update.row`: the new values. Columns absent from it are unchanged, except those in `nulled`,
 *   which became null. A protocol that sends the whole new row (Supabase `record`, KalamDB once
 *   the columns are known) leaves `nulled` empty.
 * - `update.old`: what the protocol says about the previous version: at least the key columns
 *   when they changed (Supabase `old_record`: the primary key, or the whole row with REPLICA
 *   IDENTITY FULL; KalamDB `old_values`: the changed columns and the key). A key column absent or
 *   null in `old` is unchanged.
 * - `delete.row`: the deleted row's values: at least its key columns (Supabase `old_record`).
 * - `expire`: a row removed by a TTL, known only by a single id value (KalamDB stream tables).
 */
export type RowChange =
  | { readonly type: 'insert'; readonly row: Row; readonly cursor: bigint | undefined }
  | {
      readonly type: 'update';
      readonly row: Row;
      readonly nulled: readonly string[];
      readonly old: Row | undefined;
      readonly cursor: bigint | undefined;
    }
  | { readonly type: 'delete'; readonly row: Row; readonly cursor: bigint | undefined }
  | { readonly type: 'expire'; readonly rowId: unknown };

/** Where a live feed reports. Calls for one feed never interleave with another socket's. */
export interface RowSink {
  /** A (re)load starts; `columns` may be empty when the protocol does not describe its result. */
  /** `totalRows`: rows the load will send, when the server says (progress on the snapshot). */
  onColumns(columns: readonly Column[], kind: LoadKind, totalRows?: number): void;
  /**
   * One page of the load; `last`: the load is complete. `cursors[i]` is the version of `rows[i]`
   * where the protocol has one (given to feeds without `load`, whose only pages are resumes).
   */
  onPage(rows: readonly Row[], last: boolean, kind: LoadKind, cursors?: readonly (bigint | undefined)[]): void;
  /** A changes-only feed is live (no pages). */
  onReady(): void;
  onChange(change: RowChange): void;
  /** The socket was lost; a resume or reload follows. */
  onReconnecting(): void;
  /** Terminal. */
  onError(error: LivebindError): void;
}
