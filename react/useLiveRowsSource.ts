import { useMemo } from 'react';
import { liveRowsOptions } from '../src/observer/LiveQueryObserver.js';
import { stableKey } from '../src/observer/stableKey.js';
import type { LiveObservable, LiveQueryOptions, LiveRows, SqlParam } from '../src/types.js';
import { useLivebindClient, type ClientOption } from './LiveProvider.js';

/** The core's liveRows options a hook passes through (params are the hook's second argument). */
export type LiveRowsHookOptions = Omit<LiveQueryOptions, 'params'> & ClientOption;

/**
 * The shared live-rows observable for (client, sql, params, options), looked up again only when
 * one of them changes BY VALUE (useSuspenseLiveQuery; useLiveQuery goes through LiveQueryObserver).
 */
export function useLiveRowsSource<Row>(
  hookName: string,
  sql: string,
  params: readonly SqlParam[] | undefined,
  options: LiveRowsHookOptions | undefined,
): LiveObservable<LiveRows<Row>> {
  const client = useLivebindClient(options?.client, hookName);
  const coreOptions = liveRowsOptions(params, options);
  const key = stableKey(coreOptions);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(() => client.liveRows<Row>(sql, coreOptions), [client, sql, key]);
}
