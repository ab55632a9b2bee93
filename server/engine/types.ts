/**
 * Contract between the storage engine (server/engine/: PGlite, SQL, change capture)
 * and the protocol front ends (server/kalamdb/ws: live queries; later server/supabase/).
 * The engine owns all database access; front ends never run SQL themselves.
 */

export type Role = 'anonymous' | 'user' | 'service' | 'dba' | 'system';

export interface AuthUser {
  readonly id: string;
  readonly role: Role;
}

export type TableType = 'user' | 'shared';

/** KalamDB data_type: a name such as "Text", "BigInt", "Timestamp", or an object like {"Decimal":{...}}. */
export type KalamDataType = string | Readonly<Record<string, unknown>>;

export interface ColumnInfo {
  /** Column name as stored (lower case unless quoted at creation). */
  readonly name: string;
  readonly dataType: KalamDataType;
  /** Postgres type name (e.g. "int8", "text", "timestamptz"). */
  readonly pgType: string;
  readonly flags: readonly ('pk' | 'nn' | 'uq')[];
  /** System columns: `_seq`, `_deleted`. The hidden partition column is never listed. */
  readonly system: boolean;
}

export interface TableInfo {
  readonly namespace: string;
  readonly name: string;
  /** `namespace.name`, lower case: the routing key of changes. */
  readonly qualifiedName: string;
  readonly type: TableType;
  readonly accessLevel: 'public' | 'private' | 'restricted';
  /** All visible columns in ordinal order, user columns first, then `_seq`, `_deleted`. */
  readonly columns: readonly ColumnInfo[];
  readonly primaryKey: readonly string[];
}

/** A wire-encoded cell (KalamDB §1.4): BIGINT as string, timestamps as µs integers, ... */
export type Cell = string | number | boolean | null | readonly unknown[] | Readonly<Record<string, unknown>>;
/** A row keyed by column name with wire-encoded cells; `_seq` is a decimal string. */
export type WireRow = Readonly<Record<string, Cell>>;

/** One committed row mutation, captured once (in commit order) and fanned out to every front end. */
export interface ChangeRecord {
  /** `namespace.table`, lower case. */
  readonly table: string;
  /** Owner partition for USER tables; null for SHARED tables. */
  readonly userId: string | null;
  readonly op: 'insert' | 'update' | 'delete';
  /** SeqId of the new version (delete: of the tombstone). */
  readonly seq: bigint;
  /** insert/update: every visible column of the new version, including `_seq` (string) and `_deleted`. */
  readonly newRow: WireRow | undefined;
  /** update/delete: every visible column of the previous version, with its old `_seq`. */
  readonly oldRow: WireRow | undefined;
}

export interface ReadRowsQuery {
  /** Columns to return (visible column names); `_seq` is always added. */
  readonly columns: readonly string[];
  /** A WHERE condition as SQL text produced by the live-query planner from a validated AST (never raw client text). */
  readonly whereSql?: string;
  /** Exclusive lower bound on `_seq`. */
  readonly afterSeq?: bigint;
  /** Inclusive upper bound on `_seq`. */
  readonly upToSeq: bigint;
  readonly limit: number;
  /** Order by `_seq` descending (for `last_rows`); default ascending. */
  readonly newestFirst?: boolean;
}

export interface Tombstone {
  readonly seq: bigint;
  /** The deleted row's last live values (all visible columns), `_seq` = the tombstone's seq. */
  readonly oldRow: WireRow;
  /**
   * `_seq` of the last live version. When it is above a resume's `from`, the row changed after the
   * client's checkpoint (e.g. moved out of a filter, then was deleted), so its last live values do
   * not tell whether the client still holds it.
   */
  readonly lastLiveSeq?: bigint;
}

export interface Engine {
  /** Look up a table visible to this user; undefined when it does not exist. */
  getTable(namespace: string, name: string): TableInfo | undefined;
  /** Verify an access token (HS256). Throws EngineAuthError with code TOKEN_EXPIRED / INVALID_CREDENTIALS. */
  verifyAccessToken(token: string): Promise<AuthUser>;
  /** Whether `user` may subscribe to / read `table` (USER tables: always, own partition; SHARED: access level). */
  canRead(user: AuthUser, table: TableInfo): boolean;
  /**
   * The load's upper bound: the highest SeqId committed so far. Runs in the engine's serial
   * queue, so every change with seq <= the result was already delivered to onChange listeners
   * and every later change has a larger seq.
   */
  snapshotBound(): Promise<bigint>;
  /** Live (non-deleted) rows of the user's partition, filtered and bounded by `_seq`. */
  readRows(user: AuthUser, table: TableInfo, query: ReadRowsQuery): Promise<WireRow[]>;
  /** Latest-version tombstones with afterSeq < seq <= upToSeq whose key is not live now. */
  tombstones(user: AuthUser, table: TableInfo, afterSeq: bigint, upToSeq: bigint): Promise<Tombstone[]>;
  /** Subscribe to committed changes; listeners run synchronously in commit order. */
  onChange(listener: (change: ChangeRecord) => void): () => void;
  /**
   * Called with a user id after sessions of that user ended (logout, refresh-token reuse, ALTER USER,
   * DROP USER), so long-lived sockets re-check their tokens at once instead of at their next check.
   */
  onSessionsRevoked(listener: (userId: string) => void): () => void;
  close(): Promise<void>;
}

/** Thrown by `Engine.verifyAccessToken`; `code` is the wire error code (§3.5). Never carries the token. */
export class EngineAuthError extends Error {
  readonly code: 'TOKEN_EXPIRED' | 'INVALID_CREDENTIALS';
  constructor(code: 'TOKEN_EXPIRED' | 'INVALID_CREDENTIALS', message = 'Invalid credentials') {
    super(message);
    this.name = 'EngineAuthError';
    this.code = code;
  }
}

/** Brand check that works across package copies. */
export function isEngineAuthError(e: unknown): e is EngineAuthError {
  return e instanceof Error && e.name === 'EngineAuthError' && typeof (e as { code?: unknown }).code === 'string';
}
