import { useMemo } from 'react';
import { SubscriptionError } from '../src/errors.js';
import type { LiveRows, RowKey, RowSet, SqlParam, Store } from '../src/types.js';
import { useLiveRowsSource, type LiveRowsHookOptions } from './useLiveRowsSource.js';
import { useStore } from './useStore.js';

export interface UseSuspenseLiveQueryOptions extends LiveRowsHookOptions {
  /**
   * How long a settled load keeps its server subscription for the component that suspended on
   * it (ms, default 5000). The component takes over on commit; this only bounds how long an
   * abandoned suspended render (never committed) keeps the subscription alive.
   */
  readonly suspenseHoldMs?: number;
}

export interface SuspenseLiveQueryResult<Row> {
  readonly rows: readonly Row[];
  readonly byKey: ReadonlyMap<RowKey, Row>;
  /** Never `loading` (the component suspends instead) and never `error` (it throws instead). */
  readonly status: 'ready' | 'reconnecting';
  readonly snapshot: RowSet<Row>;
}

/**
 * Like useLiveQuery, but suspends until the first `ready` snapshot and throws errors to the
 * nearest error boundary. There is no cache here: after the load settles, React retries the
 * render, asks the client again for the same arguments and gets the same shared observable
 * back (kept alive by the pending load's subscription), now holding ready rows.
 *
 * On the server (renderToString) it renders the Suspense fallback.
 */
export function useSuspenseLiveQuery<Row = Record<string, unknown>>(
  sql: string,
  params?: readonly SqlParam[],
  options?: UseSuspenseLiveQueryOptions,
): SuspenseLiveQueryResult<Row> {
  const live = useLiveRowsSource<Row>('useSuspenseLiveQuery', sql, params, options);
  const first = live.getSnapshot();
  if (first.status === 'loading') throw settled(live, options?.suspenseHoldMs ?? 5000);
  const snapshot = useStore(live, () => live.getSnapshot());
  if (snapshot.status === 'error') {
    throw snapshot.error ?? new SubscriptionError(`Live query failed: ${sql}`, { code: 'LIVE_QUERY_FAILED', sql });
  }
  if (snapshot.status === 'loading') throw settled(live, options?.suspenseHoldMs ?? 5000);
  return useMemo(() => suspenseResult(snapshot, snapshot.status as 'ready' | 'reconnecting'), [snapshot]);
}

/** Resolves when `live` leaves `loading`; holds one store subscription so the load runs. */
function settled<Row>(live: Store<LiveRows<Row>>, holdMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = false;
    let release: (() => void) | undefined;
    const check = (): void => {
      if (done || live.getSnapshot().status === 'loading') return;
      done = true;
      resolve();
      setTimeout(() => release?.(), holdMs);
    };
    release = live.subscribe(check);
    check();
  });
}

function suspenseResult<Row>(s: LiveRows<Row>, status: 'ready' | 'reconnecting'): SuspenseLiveQueryResult<Row> {
  return {
    get rows() {
      return s.rows;
    },
    get byKey() {
      return s.byKey;
    },
    status,
    snapshot: s,
  };
}
