import { useEffect, useState, useSyncExternalStore } from 'react';
import { createLiveQueryObserver, type LiveQueryInput, type LiveQueryObserverOptions, type LiveQueryResult } from '../src/observer/LiveQueryObserver.js';
import { useLivebindClient, type ClientOption } from './LiveProvider.js';
import type { SqlParam } from '../src/types.js';

export type { LiveQueryResult } from '../src/observer/LiveQueryObserver.js';

export interface UseLiveQueryOptions<Row> extends LiveQueryObserverOptions<Row>, ClientOption {
  /** Throw a live error to the nearest error boundary instead of returning it in `error`. */
  readonly throwOnError?: boolean;
}

/**
 * Live rows of a SQL query, kept current by the server.
 *
 * ```tsx
 * const { rows, status } = useLiveQuery<Message>('SELECT * FROM app.messages WHERE room = $1', [room], { orderBy: 'id' });
 * ```
 * A thin binding over the core's LiveQueryObserver (keepPrevious, initialData, params by value):
 * the result object changes only when the snapshot changes; `rows`/`byKey` are read lazily so a
 * component using only `snapshot.slice()` never builds the full array.
 */
export function useLiveQuery<Row = Record<string, unknown>>(
  sql: string,
  params?: readonly SqlParam[],
  options?: UseLiveQueryOptions<Row>,
): LiveQueryResult<Row> {
  const client = useLivebindClient(options?.client, 'useLiveQuery');
  const input: LiveQueryInput<Row> = { client, sql, params, options };
  const [observer] = useState(() => createLiveQueryObserver<Row>(input));
  const committed = useSyncExternalStore(observer.subscribe, observer.getSnapshot, observer.getServerSnapshot);
  // Commit new SQL/params after render (the observer compares by value, so this is cheap when equal).
  useEffect(() => observer.setOptions(input));
  const result = observer.isCurrent(input) ? committed : observer.getOptimisticResult(input);
  // `error` is set only in status `error` (never on placeholder rows).
  if (options?.throwOnError && result.error) throw result.error;
  return result;
}
