import { useMemo } from 'react';
import type { LiveObservable, LiveQueryOptions, LiveRows, SqlParam } from '../src/types.js';
import { useLivebindClient, type ClientOption } from './LiveProvider.js';
import { stableKey } from './stableKey.js';

/** The core's liveRows options a hook passes through (params are the hook's second argument). */
export type LiveRowsHookOptions = Omit<LiveQueryOptions, 'params'> & ClientOption;

/**
 * The shared live-rows observable for (client, sql, params, options), looked up again only when
 * one of them changes BY VALUE. The core returns the same observable for identical arguments
 * while it is alive, and creating one starts no work (the first store subscriber does), so a
 * render React throws away costs nothing.
 */
export function useLiveRowsSource<Row>(
  hookName: string,
  sql: string,
  params: readonly SqlParam[] | undefined,
  options: LiveRowsHookOptions | undefined,
): LiveObservable<LiveRows<Row>> {
  const client = useLivebindClient(options?.client, hookName);
  const coreOptions = pickCoreOptions(params, options);
  const key = stableKey(coreOptions);
  // `coreOptions` is rebuilt every render, but equal by value whenever `key` is unchanged.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(() => client.liveRows<Row>(sql, coreOptions), [client, sql, key]);
}

function pickCoreOptions(params: readonly SqlParam[] | undefined, o: LiveRowsHookOptions | undefined): LiveQueryOptions {
  const out: { -readonly [K in keyof LiveQueryOptions]: LiveQueryOptions[K] } = {};
  if (params !== undefined && params.length > 0) out.params = params;
  if (o?.key !== undefined) out.key = o.key;
  if (o?.orderBy !== undefined) out.orderBy = o.orderBy;
  if (o?.limit !== undefined) out.limit = o.limit;
  if (o?.lastRows !== undefined) out.lastRows = o.lastRows;
  if (o?.batchSize !== undefined) out.batchSize = o.batchSize;
  return out;
}
