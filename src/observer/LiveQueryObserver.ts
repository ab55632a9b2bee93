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

/** The value key of a query (SQL + the liveRows options a hook passes through). */
export function liveQueryKey(input: Pick<LiveQueryInput<unknown>, 'sql' | 'params' | 'options'>): string {
  return stableKey([input.sql, liveRowsOptions(input.params, input.options)]);
}

/** The liveRows options a binding passes through to the core (besides params). */
const PASSED_THROUGH = ['key', 'orderBy', 'limit', 'lastRows', 'batchSize'] as const;

/** The core's liveRows options for a binding's (params, options): binding-only fields dropped. */
export function liveRowsOptions(params: readonly SqlParam[] | undefined, o: Omit<LiveQueryOptions, 'params'> | undefined): LiveQueryOptions {
  const out: Record<string, unknown> = {};
  if (params?.length) out.params = params;
  // Named fields only: a hook's options also carry `client`, `keepPrevious`, ... (not the core's, and not part of the key).
  for (const name of PASSED_THROUGH) if (o?.[name] !== undefined) out[name] = o[name];
  return out as LiveQueryOptions;
}

/** A live-query observer (see the file comment); create one with {@link createLiveQueryObserver}. */
export interface LiveQueryObserver<Row = Record<string, unknown>> extends Store<LiveQueryResult<Row>> {
  /** The live rows observable currently watched (shared by every consumer of the same query). */
  readonly source: LiveObservable<LiveRows<Row>>;
  /** True when `input` is the query this observer watches (same client, SQL and options by value). */
  isCurrent(input: LiveQueryInput<Row>): boolean;
  /** What a server render shows: `initialData` (or empty `loading` rows). The same object on every call. */
  getServerSnapshot(): LiveQueryResult<Row>;
  /** Commit a new query or options; a no-op when nothing changed by value. Notifies when the result changed. */
  setOptions(input: LiveQueryInput<Row>): void;
  /** The result `input` would show, without committing it (getSnapshot() when `input` is current). */
  getOptimisticResult(input: LiveQueryInput<Row>): LiveQueryResult<Row>;
  /** Drop every listener (and with them the server subscription, after the client's grace period). */
  dispose(): void;
}

// Closures rather than a class: local names minify, property names do not (this sits in every React bundle).
export function createLiveQueryObserver<Row = Record<string, unknown>>(first: LiveQueryInput<Row>): LiveQueryObserver<Row> {
  // The query watched: its client, value key and shared observable (locals, not an object: they minify).
  let client: LiveQueryInput<Row>['client'];
  let key: string;
  let source: LiveObservable<LiveRows<Row>>;
  const watch = (input: LiveQueryInput<Row>): void => {
    client = input.client;
    key = liveQueryKey(input);
    source = sourceOf(input);
  };
  watch(first);
  let keepPrevious = keeps(first);
  const initialData = first.options?.initialData;
  const initial = initialData === undefined ? undefined : placeholderRows(initialData, first.options?.key);
  /** The last ready/reconnecting snapshot seen (what keepPrevious shows). */
  let settled: LiveRows<Row> | undefined;
  const listeners = new Set<() => void>();
  let unsubscribeSource: (() => void) | undefined;
  let committed: LiveQueryResult<Row> | undefined;
  let optimistic: LiveQueryResult<Row> | undefined;
  let server: LiveQueryResult<Row> | undefined;
  let notified: LiveQueryResult<Row> | undefined;

  // `cache` is the previous result: kept while it shows the same rows, status and placeholder flag.
  const result = (snapshot: LiveRows<Row>, keep: boolean, cache: LiveQueryResult<Row> | undefined): LiveQueryResult<Row> => {
    let shown = snapshot;
    if (snapshot.status === 'ready' || snapshot.status === 'reconnecting') settled = snapshot;
    else if (snapshot.status === 'loading') {
      if (keep && settled !== undefined) shown = settled;
      else if (initial !== undefined && settled === undefined) shown = initial;
    }
    // Same rows and status: same placeholder flag too (placeholders show only while `loading`, and a
    // settled or initialData snapshot is never the loading snapshot itself).
    if (cache?.snapshot === shown && cache.status === snapshot.status) return cache;
    return resultOf(shown, snapshot.status, shown !== snapshot);
  };
  const getSnapshot = (): LiveQueryResult<Row> => (committed = result(source.getSnapshot(), keepPrevious, committed));
  // Without listeners (setOptions before subscribe) this only reads the snapshot: subscribe() resets `notified`.
  const onChange = (): void => {
    const next = getSnapshot();
    if (next === notified) return;
    notified = next;
    for (const listener of [...listeners]) listener();
  };
  const listen = (): (() => void) => (source as Store<LiveRows<Row>>).subscribe(onChange);
  const release = (): void => {
    unsubscribeSource?.();
    unsubscribeSource = undefined;
  };
  const isCurrent = (input: LiveQueryInput<Row>): boolean => input.client === client && liveQueryKey(input) === key;

  return {
    get source() {
      return source;
    },
    isCurrent,
    subscribe(listener) {
      listeners.add(listener);
      if (unsubscribeSource === undefined) {
        notified = getSnapshot(); // what the new listener reads now: the source's replay is not news
        unsubscribeSource = listen();
      }
      return () => {
        if (listeners.delete(listener) && listeners.size === 0) release();
      };
    },
    getSnapshot,
    getServerSnapshot: () => (server ??= resultOf(initial ?? (EMPTY_LOADING as LiveRows<Row>), 'loading', initial !== undefined)),
    setOptions(input) {
      keepPrevious = keeps(input);
      if (!isCurrent(input)) {
        watch(input);
        if (unsubscribeSource !== undefined) {
          const previous = unsubscribeSource;
          // Subscribe to the new query before releasing the old one (the client's grace period keeps it briefly).
          unsubscribeSource = listen();
          previous();
        }
      }
      onChange();
    },
    getOptimisticResult(input) {
      if (isCurrent(input)) return getSnapshot();
      return (optimistic = result(sourceOf(input).getSnapshot(), keeps(input), optimistic));
    },
    dispose() {
      listeners.clear();
      release();
    },
  };
}

const sourceOf = <Row>(input: LiveQueryInput<Row>): LiveObservable<LiveRows<Row>> =>
  input.client.liveRows<Row>(input.sql, liveRowsOptions(input.params, input.options));
const keeps = (input: LiveQueryInput<unknown>): boolean => input.options?.keepPrevious === true;

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
