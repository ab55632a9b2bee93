/**
 * The framework-free live-query observer (the role TanStack Query's `QueryObserver` plays): every
 * binding (React, Vue, Svelte, Solid, TanStack Query) materializes one of these and nothing more.
 *
 * - A store: `subscribe(listener)` → unsubscribe, `getSnapshot()` → the same {@link LiveQueryResult}
 *   object until something a reader can see changed (one result per revision of the rows).
 * - `setOptions(input)` switches to new SQL/params/options (compared BY VALUE, so a new params array
 *   of equal values is a no-op); with `keepPrevious` the last settled rows stay visible (status
 *   `loading`, `isPlaceholder`) while the new query loads.
 * - `initialData` rows show (status `loading`, `isPlaceholder`) until the first ready snapshot;
 *   `getServerSnapshot()` is what a server render shows (no socket there).
 * - The server subscription lives while the observer has listeners (the client's own grace period
 *   covers remounts); `dispose()` drops every listener.
 * - `getOptimisticResult(input)` reads the result for `input` without committing it (React renders
 *   with it before its effect calls `setOptions`).
 */
import type { LivebindError } from '../errors.js';
import type { LiveObservable, LiveQueryOptions, LiveRows, LiveStatus, LivebindClient, RowKey, RowSet, SqlParam, Store } from '../types.js';
import { EMPTY_LOADING, placeholderRows } from './placeholderRows.js';
import { stableKey } from './stableKey.js';

/** Options of a live query binding: the core's liveRows options (minus params) plus placeholders. */
export interface LiveQueryObserverOptions<Row> extends Omit<LiveQueryOptions, 'params'> {
  /** While new params (or SQL) load, keep showing the last settled rows (status `loading`) instead of an empty list. */
  readonly keepPrevious?: boolean | undefined;
  /** Rows to show (status `loading`) until the first live snapshot is ready; read once, when the observer is created. */
  readonly initialData?: readonly Row[] | undefined;
}

/** What an observer watches: a client and one query. */
export interface LiveQueryInput<Row> {
  readonly client: Pick<LivebindClient, 'liveRows'>;
  readonly sql: string;
  readonly params?: readonly SqlParam[] | undefined;
  readonly options?: LiveQueryObserverOptions<Row> | undefined;
}

export interface LiveQueryResult<Row> {
  /** Rows in order. Unchanged rows keep object identity across updates (memo-friendly). Built on first read. */
  readonly rows: readonly Row[];
  readonly byKey: ReadonlyMap<RowKey, Row>;
  readonly status: LiveStatus;
  readonly error: LivebindError | undefined;
  /** `status === 'loading'` (also true while `keepPrevious`/`initialData` rows are shown). */
  readonly isLoading: boolean;
  /** True while the rows shown are `keepPrevious` rows or `initialData`, not this query's. */
  readonly isPlaceholder: boolean;
  /** The snapshot itself: `size`, `at(i)`, `slice(a, b)` for virtualized lists without building `rows`. */
  readonly snapshot: RowSet<Row>;
}

interface Current<Row> {
  readonly client: Pick<LivebindClient, 'liveRows'>;
  readonly key: string;
  readonly source: LiveObservable<LiveRows<Row>>;
}

interface Cached<Row> {
  readonly shown: LiveRows<Row>;
  readonly status: LiveStatus;
  readonly isPlaceholder: boolean;
  readonly result: LiveQueryResult<Row>;
}

/** The value key of a query (SQL + the liveRows options a hook passes through). */
export function liveQueryKey(input: Pick<LiveQueryInput<unknown>, 'sql' | 'params' | 'options'>): string {
  return stableKey([input.sql, liveRowsOptions(input.params, input.options)]);
}

/** The core's liveRows options for a binding's (params, options): binding-only fields dropped. */
export function liveRowsOptions(params: readonly SqlParam[] | undefined, o: Omit<LiveQueryOptions, 'params'> | undefined): LiveQueryOptions {
  const out: { -readonly [K in keyof LiveQueryOptions]: LiveQueryOptions[K] } = {};
  if (params !== undefined && params.length > 0) out.params = params;
  if (o?.key !== undefined) out.key = o.key;
  if (o?.orderBy !== undefined) out.orderBy = o.orderBy;
  if (o?.limit !== undefined) out.limit = o.limit;
  if (o?.lastRows !== undefined) out.lastRows = o.lastRows;
  if (o?.batchSize !== undefined) out.batchSize = o.batchSize;
  return out;
}

export class LiveQueryObserver<Row = Record<string, unknown>> implements Store<LiveQueryResult<Row>> {
  private current: Current<Row>;
  private keepPrevious: boolean;
  private readonly initial: LiveRows<Row> | undefined;
  /** The last ready/reconnecting snapshot seen (what keepPrevious shows). */
  private settled: LiveRows<Row> | undefined;
  private readonly listeners = new Set<() => void>();
  private unsubscribeSource: (() => void) | undefined;
  private committed: Cached<Row> | undefined;
  private optimistic: Cached<Row> | undefined;
  private server: LiveQueryResult<Row> | undefined;
  private notified: LiveQueryResult<Row> | undefined;

  constructor(input: LiveQueryInput<Row>) {
    this.current = this.resolve(input);
    this.keepPrevious = input.options?.keepPrevious === true;
    const initialData = input.options?.initialData;
    this.initial = initialData === undefined ? undefined : placeholderRows(initialData, input.options?.key);
  }

  /** The live rows observable currently watched (shared by every consumer of the same query). */
  get source(): LiveObservable<LiveRows<Row>> {
    return this.current.source;
  }

  /** True when `input` is the query this observer watches (same client, SQL and options by value). */
  isCurrent(input: LiveQueryInput<Row>): boolean {
    return input.client === this.current.client && liveQueryKey(input) === this.current.key;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (this.unsubscribeSource === undefined) this.unsubscribeSource = (this.current.source as Store<LiveRows<Row>>).subscribe(this.onChange);
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      this.unsubscribeSource?.();
      this.unsubscribeSource = undefined;
    };
  };

  readonly getSnapshot = (): LiveQueryResult<Row> => {
    const snapshot = this.current.source.getSnapshot();
    const cached = this.result(snapshot, this.keepPrevious, this.committed);
    this.committed = cached;
    return cached.result;
  };

  /** What a server render shows: `initialData` (or empty `loading` rows). The same object on every call. */
  readonly getServerSnapshot = (): LiveQueryResult<Row> => {
    if (this.server === undefined) {
      const shown = this.initial ?? (EMPTY_LOADING as LiveRows<Row>);
      this.server = resultOf(shown, 'loading', this.initial !== undefined);
    }
    return this.server;
  };

  /** Commit a new query or options; a no-op when nothing changed by value. Notifies when the result changed. */
  setOptions(input: LiveQueryInput<Row>): void {
    this.keepPrevious = input.options?.keepPrevious === true;
    if (!this.isCurrent(input)) {
      this.current = this.resolve(input);
      if (this.unsubscribeSource !== undefined) {
        const previous = this.unsubscribeSource;
        // Subscribe to the new query before releasing the old one (the client's grace period keeps it briefly).
        this.unsubscribeSource = (this.current.source as Store<LiveRows<Row>>).subscribe(this.onChange);
        previous();
      }
    }
    this.onChange();
  }

  /** The result `input` would show, without committing it (same as getSnapshot() when `input` is current). */
  getOptimisticResult(input: LiveQueryInput<Row>): LiveQueryResult<Row> {
    if (this.isCurrent(input)) return this.getSnapshot();
    const source = input.client.liveRows<Row>(input.sql, liveRowsOptions(input.params, input.options));
    const cached = this.result(source.getSnapshot(), input.options?.keepPrevious === true, this.optimistic);
    this.optimistic = cached;
    return cached.result;
  }

  /** Drop every listener (and with them the server subscription, after the client's grace period). */
  dispose(): void {
    this.listeners.clear();
    this.unsubscribeSource?.();
    this.unsubscribeSource = undefined;
  }

  private readonly onChange = (): void => {
    if (this.listeners.size === 0) return;
    const result = this.getSnapshot();
    if (result === this.notified) return;
    this.notified = result;
    for (const listener of [...this.listeners]) listener();
  };

  private resolve(input: LiveQueryInput<Row>): Current<Row> {
    return {
      client: input.client,
      key: liveQueryKey(input),
      source: input.client.liveRows<Row>(input.sql, liveRowsOptions(input.params, input.options)),
    };
  }

  private result(snapshot: LiveRows<Row>, keepPrevious: boolean, cache: Cached<Row> | undefined): Cached<Row> {
    let shown = snapshot;
    if (snapshot.status === 'ready' || snapshot.status === 'reconnecting') this.settled = snapshot;
    else if (snapshot.status === 'loading') {
      if (keepPrevious && this.settled !== undefined) shown = this.settled;
      else if (this.initial !== undefined && this.settled === undefined) shown = this.initial;
    }
    const isPlaceholder = shown !== snapshot;
    if (cache !== undefined && cache.shown === shown && cache.status === snapshot.status && cache.isPlaceholder === isPlaceholder) return cache;
    return { shown, status: snapshot.status, isPlaceholder, result: resultOf(shown, snapshot.status, isPlaceholder) };
  }
}

function resultOf<Row>(shown: LiveRows<Row>, status: LiveStatus, isPlaceholder: boolean): LiveQueryResult<Row> {
  return {
    get rows() {
      return shown.rows;
    },
    get byKey() {
      return shown.byKey;
    },
    status,
    error: isPlaceholder ? undefined : shown.error,
    isLoading: status === 'loading',
    isPlaceholder,
    snapshot: shown,
  };
}
