/**
 * Contract between the materializer (src/live/) and its users (the client, bindings).
 * A RowSet is one immutable revision of a live result. Operations never mutate a RowSet;
 * they return a new one that shares every unchanged row object and internal chunk.
 */

/** Canonical string form of a row's key (see `keyOf` in createMaterializer options). */
export type RowKey = string;

export type RowOp<R> =
  /** Insert, or replace the row with the same key. */
  | { readonly op: 'upsert'; readonly row: R }
  /**
   * Merge a partial update into the row with this key: `{...old, ...patch}`, then every column
   * named in `nulled` becomes `null`. Unknown key: treated as an upsert of `patch` (documented).
   */
  | { readonly op: 'patch'; readonly key: RowKey; readonly patch: Partial<R>; readonly nulled?: readonly string[] }
  | { readonly op: 'delete'; readonly key: RowKey };

export interface OrderSpec {
  readonly column: string;
  readonly direction?: 'asc' | 'desc';
  /** Default: nulls last for asc, first for desc (Postgres rules). */
  readonly nulls?: 'first' | 'last';
}

/** One immutable revision of a (possibly ordered and limited) row set. */
export interface RowSet<R> {
  /** Number of visible rows (after `limit`). */
  readonly size: number;
  /** Visible rows in order. Built lazily on first read, then cached for this revision. */
  readonly rows: readonly R[];
  /**
   * Visible rows by key. `get`/`has`: O(1) on the current revision; on an older revision (a newer
   * one was committed) O(n) on its first keyed lookup, then O(1).
   */
  readonly byKey: ReadonlyMap<RowKey, R>;
  /** Visible row at position `index` (negative counts from the end), O(log n). */
  at(index: number): R | undefined;
  /** Visible rows `[start, end)`, O(log n + (end - start)); for virtualized lists. */
  slice(start?: number, end?: number): readonly R[];
  /** Visible row for `key` (same cost as `byKey.get`). */
  get(key: RowKey): R | undefined;
}

export interface MaterializerOptions<R> {
  /** Canonical key of a row; equal keys = same row. */
  readonly keyOf: (row: R) => RowKey;
  /** Sort order; without it rows keep arrival order and updates stay in place. */
  readonly orderBy?: readonly OrderSpec[];
  /** Keep only the first `limit` rows of the order visible (rows past it are retained so they can move in). */
  readonly limit?: number;
}

export interface Materializer<R> {
  /** The current revision. */
  readonly current: RowSet<R>;
  /**
   * Apply ops in one step. Returns the new revision, or the SAME object as `current` when the
   * visible result did not change (so callers emit nothing). Bulk batches build once per call.
   */
  apply(ops: readonly RowOp<R>[]): RowSet<R>;
  /**
   * Replace the whole set (full reload / reconcile). Row objects equal (shallowly) to the
   * current row with the same key are reused, so identity survives a reload.
   */
  replaceAll(rows: readonly R[]): RowSet<R>;
}
