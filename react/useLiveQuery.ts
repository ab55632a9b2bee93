import { useEffect, useMemo, useRef, useState } from 'react';
import type { LivebindError } from '../src/errors.js';
import type { LiveRows, LiveStatus, RowKey, RowSet, SqlParam } from '../src/types.js';
import { EMPTY_LOADING, placeholderRows } from './placeholderRows.js';
import { useLiveRowsSource, type LiveRowsHookOptions } from './useLiveRowsSource.js';
import { useStore } from './useStore.js';

export interface UseLiveQueryOptions<Row> extends LiveRowsHookOptions {
  /**
   * While new params (or SQL) load, keep showing the last ready rows with status `loading`
   * instead of an empty list.
   */
  readonly keepPrevious?: boolean;
  /**
   * Rows to show (status `loading`) until the first live snapshot is ready; SSR renders them,
   * and hydration matches because the client renders them first too. Read once, on mount.
   */
  readonly initialData?: readonly Row[];
  /** Throw a live error to the nearest error boundary instead of returning it in `error`. */
  readonly throwOnError?: boolean;
}

export interface LiveQueryResult<Row> {
  /** Rows in order. Unchanged rows keep object identity across updates (memo-friendly). */
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

/**
 * Live rows of a SQL query, kept current by the server.
 *
 * ```tsx
 * const { rows, status } = useLiveQuery<Message>('SELECT * FROM app.messages WHERE room = $1', [room], { orderBy: 'id' });
 * ```
 * The result object changes only when the snapshot changes; `rows`/`byKey` are read lazily
 * so a component using only `snapshot.slice()` never builds the full array.
 */
export function useLiveQuery<Row = Record<string, unknown>>(
  sql: string,
  params?: readonly SqlParam[],
  options?: UseLiveQueryOptions<Row>,
): LiveQueryResult<Row> {
  const live = useLiveRowsSource<Row>('useLiveQuery', sql, params, options);
  const [initial] = useState(() =>
    options?.initialData === undefined ? undefined : placeholderRows(options.initialData, options.key),
  );
  const [getServerSnapshot] = useState(() => () => (initial ?? EMPTY_LOADING) as LiveRows<Row>);
  const snapshot = useStore(live, getServerSnapshot);

  // The last snapshot that was committed with settled data (ready/reconnecting), for keepPrevious.
  const settled = useRef<LiveRows<Row> | undefined>(undefined);
  useEffect(() => {
    if (snapshot.status === 'ready' || snapshot.status === 'reconnecting') settled.current = snapshot;
  }, [snapshot]);

  let shown: LiveRows<Row> = snapshot;
  if (snapshot.status === 'loading') {
    if (options?.keepPrevious === true && settled.current !== undefined) shown = settled.current;
    else if (initial !== undefined && settled.current === undefined) shown = initial;
  }
  if (options?.throwOnError === true && snapshot.status === 'error' && snapshot.error !== undefined) {
    throw snapshot.error;
  }
  // (During SSR and hydration the server snapshot IS `initial`.)
  const isPlaceholder = shown !== snapshot || (initial !== undefined && shown === initial);
  return useMemo(() => liveQueryResult(shown, snapshot.status, isPlaceholder), [shown, snapshot.status, isPlaceholder]);
}

function liveQueryResult<Row>(shown: LiveRows<Row>, status: LiveStatus, isPlaceholder: boolean): LiveQueryResult<Row> {
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
