/**
 * Public types of the framework-free core. Bindings (react/, adapters/) depend only on these
 * and on the observables/stores the client returns, never on core internals.
 */
import type { ChannelHandle, ChannelOptions } from './channel/types.js';
import type { TopicHandle } from './topics/types.js';
import type { Observable } from 'rxjs';
import type { LivebindError } from './errors.js';
import type { OrderSpec, RowKey, RowSet } from './live/types.js';

export type { OrderSpec, RowKey, RowSet } from './live/types.js';

/** A value that may be bound to `$n` in SQL. bigint is written exactly. */
export type SqlParam = string | number | boolean | bigint | null;

/** The store contract every observable also offers (for useSyncExternalStore and adapters). */
export interface Store<T> {
  /** Register a listener; the first listener starts the work, the last one stops it after a grace period. */
  subscribe(listener: () => void): () => void;
  /** Current value. Same object until something changed. Never starts work by itself. */
  getSnapshot(): T;
}

/** An RxJS observable that is also a store. */
/**
 * An RxJS Observable of `T` that is also a store whose snapshot is `S` (the same as `T` for state
 * streams; for event streams such as `changes()` the snapshot is the last event or `undefined`,
 * while subscribers only ever receive events).
 */
export type LiveObservable<T, S = T> = Observable<T> & Store<S>;

export type ConnectionStatus = 'idle' | 'connecting' | 'authenticating' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionState {
  readonly status: ConnectionStatus;
  /** The last connection-level error (kept until the next successful open). */
  readonly lastError: LivebindError | undefined;
  /** Reconnect attempts since the last successful open. */
  readonly attempt: number;
}

export type LiveStatus = 'loading' | 'ready' | 'reconnecting' | 'error';

/** One immutable snapshot of a live query. Unchanged rows keep object identity across snapshots. */
export interface LiveRows<R> extends RowSet<R> {
  readonly status: LiveStatus;
  readonly error: LivebindError | undefined;
  /**
   * The protocol's resume cursor (an opaque checkpoint; KalamDB: the highest `_seq` applied),
   * undefined before any row or batch, and always undefined for protocols without one (Supabase).
   */
  readonly seq: bigint | undefined;
  /**
   * While an initial load or a reload pages in: rows received so far and the total the server
   * announced (`total_rows` when positive; KalamDB and the dev server send 0, so `total` is then
   * undefined); undefined once the load is complete.
   */
  readonly progress: LoadProgress | undefined;
}

export interface LoadProgress {
  readonly loaded: number;
  readonly total: number | undefined;
}

/** One change event of `changes()`: a row change, or a stream-table row that expired. */
export type ChangeEvent<R> = RowChangeEvent<R> | ExpiredRowEvent<R>;

/** A row inserted, updated or deleted by a write; carries the protocol's cursor when it has one. */
export interface RowChangeEvent<R> {
  readonly type: 'insert' | 'update' | 'delete';
  /** insert/update: the row after the change (update: merged with the previous version when known). delete: the deleted row's values. */
  readonly row: R;
  /**
   * update: the previous values the server sent (KalamDB: the changed columns and the key;
   * Supabase: the primary key, or the whole old row with REPLICA IDENTITY FULL); delete: same as `row`.
   */
  readonly oldRow: Partial<R> | undefined;
  /** The version of the change as an opaque cursor (KalamDB: `_seq` of the new version, of the tombstone for a delete); undefined where the protocol has none (Supabase). */
  readonly seq: bigint | undefined;
  readonly expired?: false;
}

/**
 * A stream-table row removed by its TTL (K§6.4): the server sends only `{"row_id": …}`, with no
 * values and no `_seq`, so `seq` is undefined (there is no version to point at) and `row` holds
 * what is known: the last version from a running liveRows() query of the same SQL when it holds
 * the row, else the single key column set to `rowId` (nothing for composite keys).
 */
export interface ExpiredRowEvent<R> {
  readonly type: 'delete';
  readonly expired: true;
  /** The server's `row_id`, as a string. */
  readonly rowId: string;
  readonly row: Partial<R>;
  readonly oldRow: undefined;
  readonly seq: undefined;
}

export interface LiveQueryOptions {
  /** Values for `$1..$n` in the SQL; encoded as SQL literals by one tested function. */
  readonly params?: readonly SqlParam[];
  /**
   * Key column(s). Default: schema columns flagged `pk`, then `id`. A result with neither, or a
   * row whose key value is missing or null, ends the query in status `error` (SubscriptionError
   * `KEY_REQUIRED` / `MISSING_KEY`) instead of merging rows: select the primary key or pass `key`.
   */
  readonly key?: string | readonly string[];
  /** Client-side order; without it rows keep arrival order. */
  readonly orderBy?: string | OrderSpec | readonly OrderSpec[];
  /** Client-side limit applied after ordering. */
  readonly limit?: number;
  /** Server-side: load only the newest N rows initially. */
  readonly lastRows?: number;
  /** Server-side page size for the initial load (KalamDB driver default 10,000, at least `lastRows`; the dev server caps it at 10,000). */
  readonly batchSize?: number;
}

export interface ChangesOptions {
  readonly params?: readonly SqlParam[];
  readonly key?: string | readonly string[];
}

/**
 * A FILE upload: a Blob/File (browsers), a Uint8Array/Buffer (Node), either with a file name and
 * MIME type, or a stream of known size ({@link UploadStream}). The file name defaults to a File's
 * own name, else the placeholder name; the type to the Blob's, else `application/octet-stream`.
 */
export type UploadFile = Blob | Uint8Array | { readonly data: Blob | Uint8Array; readonly filename?: string; readonly type?: string } | UploadStream;

/**
 * A file read while it uploads, never held whole in memory (Node: `fs.createReadStream(path)` with
 * `size` from `fs.stat`). `size` is required and must be the exact byte count: the request body's
 * length (and progress `total`) is known before the first byte is sent, and a stream that ends
 * early or runs long fails the upload with UsageError `FILE_SIZE_MISMATCH`. In browsers a stream
 * is read into a Blob first (XMLHttpRequest cannot send a stream).
 */
export interface UploadStream {
  /** A web ReadableStream, or any async iterable of bytes (a Node `Readable`). */
  readonly stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
  readonly size: number;
  readonly filename?: string;
  readonly type?: string;
}

/** Upload progress: request body bytes sent so far, of `total` (the exact body size, multipart framing included). */
export interface UploadProgress {
  readonly loaded: number;
  readonly total: number;
}

export interface QueryOptions {
  /** Namespace for unqualified table names (`namespace_id` on the wire). */
  readonly namespace?: string;
  /** Aborts the call: it rejects with AbortError (code `ABORTED`) and sends nothing more. */
  readonly signal?: AbortSignal;
}

/** Options of `queryWithFiles`: those of `query`, plus upload progress. */
export interface UploadOptions extends QueryOptions {
  /**
   * Called as the request body goes out: first `{ loaded: 0, total }`, then non-decreasing
   * `loaded`, and `loaded === total` once the whole body was sent (before the server answers).
   * Browsers report through XMLHttpRequest's `upload.onprogress` (about every 50 ms); Node counts
   * the bytes handed to the socket. An exception thrown here aborts the upload and `queryWithFiles`
   * rejects with that exception (as with any abort, a body already sent in full may have run).
   */
  readonly onProgress?: (progress: UploadProgress) => void;
}

/**
 * The client returned by createClient(). Observables are hot, shared and ref-counted:
 * calling liveRows()/changes() twice with the same SQL and options returns the SAME
 * LiveObservable object while it is alive (so getSnapshot/subscribe identities are stable
 * across renders), and both consumers share one server subscription.
 */
export interface LivebindClient {
  /**
   * Run SQL over HTTP; rows as objects keyed by column name. Over KalamDB it needs `sql: kalamdbSql`
   * from `livebind/kalamdb` (else UsageError `OPT_IN_REQUIRED`); rejects with UnsupportedError on a backend without SQL.
   */
  query<R = Record<string, unknown>>(sql: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<R[]>;
  /**
   * One INSERT or UPDATE with `FILE("name")` placeholders and the files by name (KalamDB multipart
   * SQL): the server stores each file and puts its FileRef JSON in the row (`fileDownloadUrl` from
   * `livebind/kalamdb` turns one into its download URL). `options.onProgress` reports the upload,
   * `options.signal` aborts it (AbortError). Over KalamDB it needs `files: kalamdbFiles` from
   * `livebind/kalamdb` (else UsageError `OPT_IN_REQUIRED`); rejects with UnsupportedError on
   * backends without FILE columns.
   */
  queryWithFiles<R = Record<string, unknown>>(sql: string, files: Readonly<Record<string, UploadFile>>, params?: readonly SqlParam[], options?: UploadOptions): Promise<R[]>;
  /** Run DML/DDL over HTTP; resolves to the affected row count. Needs `sql: kalamdbSql` over KalamDB, as `query` does. */
  execute(sql: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<number>;
  /** Live materialized rows: a snapshot per change (first snapshot has status `loading`). */
  liveRows<R = Record<string, unknown>>(sql: string, options?: LiveQueryOptions): LiveObservable<LiveRows<R>>;
  /** Raw change events (live changes after subscribing). Store snapshot: the last event, or undefined. */
  changes<R = Record<string, unknown>>(sql: string, options?: ChangesOptions): LiveObservable<ChangeEvent<R>, ChangeEvent<R> | undefined>;
  /**
   * A presence and broadcast channel, shared per topic and ref-counted like `liveRows()` (docs/SPEC.md §7).
   * Throws UnsupportedError (`UNSUPPORTED`, capability `channel`) when the backend has no channels (KalamDB).
   */
  channel<M = Record<string, unknown>>(topic: string, options?: ChannelOptions): ChannelHandle<M>;
  /**
   * A topic for workers (KalamDB topics, docs/SPEC.md §9): `topic(name).consume({ group })` is an
   * Observable of records with `ack()`. Throws UnsupportedError (`UNSUPPORTED`, capability `topic`)
   * on a backend without topics, and over KalamDB unless `topics: kalamdbTopics` was passed.
   */
  topic(name: string): TopicHandle;
  /** Connection state of the one shared socket. */
  readonly status$: LiveObservable<ConnectionState>;
  /** Close the socket and complete every observable. */
  close(): Promise<void>;
}
