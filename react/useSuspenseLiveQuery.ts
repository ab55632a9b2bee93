import { useEffect, useMemo } from 'react';
import { SubscriptionError, UnsupportedError } from '../src/errors.js';
import type { LiveRows, RowKey, RowSet, SqlParam } from '../src/types.js';
import { useSuspenseHolds } from './LiveProvider.js';
import { holdUntilSettled } from './suspenseHolds.js';
import { useIsServerRender } from './useIsServerRender.js';
import { useLiveRowsSource, type LiveRowsHookOptions } from './useLiveRowsSource.js';
import { useStore } from './useStore.js';

export interface UseSuspenseLiveQueryOptions extends LiveRowsHookOptions {
  /**
   * Only without a <LiveProvider> (client passed as an option): how long a settled load stays
   * subscribed for the retry render (ms, default 5000). With a provider the hold ends as soon as
   * the component commits.
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
 * nearest error boundary. No cache lives here: on the retry render the hook asks the client
 * again, gets the same shared observable back (kept subscribed by the pending load) and reads
 * its now-ready snapshot.
 *
 * On the server it throws a `CLIENT_ONLY` UnsupportedError before touching the client (no socket,
 * no server subscription): React then renders the nearest Suspense boundary's fallback into the
 * HTML and the browser renders the rows — React's documented way to keep a component client-only,
 * and it never stalls a streaming render the way a pending promise would.
 */
export function useSuspenseLiveQuery<Row = Record<string, unknown>>(
  sql: string,
  params?: readonly SqlParam[],
  options?: UseSuspenseLiveQueryOptions,
): SuspenseLiveQueryResult<Row> {
  if (useIsServerRender()) throw clientOnly();
  const live = useLiveRowsSource<Row>('useSuspenseLiveQuery', sql, params, options);
  const holds = useSuspenseHolds();
  const suspend = (): Promise<void> => {
    if (holds !== undefined) return holds.hold(live);
    // No provider to hand the hold over: it lets go by itself suspenseHoldMs after settling.
    const hold = holdUntilSettled(live, options?.suspenseHoldMs ?? 5000, () => hold.unsubscribe());
    return hold.promise;
  };

  if (live.getSnapshot().status === 'loading') throw suspend();
  const snapshot = useStore(live, () => live.getSnapshot());
  // Our own subscription (useSyncExternalStore's effect, which runs first) is in place: let the hold go.
  useEffect(() => holds?.release(live), [holds, live]);
  if (snapshot.status === 'error') {
    throw snapshot.error ?? new SubscriptionError(`Live query failed: ${sql}`, { code: 'LIVE_QUERY_FAILED', sql });
  }
  if (snapshot.status === 'loading') throw suspend();
  return useMemo(() => suspenseResult(snapshot, snapshot.status as 'ready' | 'reconnecting'), [snapshot]);
}

function clientOnly(): UnsupportedError {
  return new UnsupportedError(
    'useSuspenseLiveQuery() renders in the browser only: on the server the nearest <Suspense> boundary renders ' +
      'its fallback and the browser fills it in. For rows in the server HTML use useLiveQuery(sql, params, { initialData }).',
    { code: 'CLIENT_ONLY', capability: 'server rendering of useSuspenseLiveQuery' },
  );
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
