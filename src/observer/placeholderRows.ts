import { keyColumnsFor, makeKeyOf } from '../live/keyOf.js';
import { liveRowsSnapshot } from '../live/liveRowsSnapshot.js';
import type { LiveRows, RowKey } from '../types.js';

/**
 * A read-only LiveRows (status `loading`) over a plain array: what SSR renders before the socket
 * exists, and the `initialData` placeholder until the first live snapshot is ready.
 * `byKey` is built on first read only.
 */
export function placeholderRows<Row>(rows: readonly Row[], key: string | readonly string[] | undefined): LiveRows<Row> {
  // No result columns to check yet: the core's rule gives `key` as given, else `id`.
  const keyOf = makeKeyOf(keyColumnsFor(key, []));
  let byKey: Map<RowKey, Row> | undefined;
  const map = (): Map<RowKey, Row> => (byKey ??= new Map(rows.map((row) => [keyOf(row as Record<string, unknown>), row])));
  // The same snapshot class as the live query's, over a RowSet of the plain array.
  return liveRowsSnapshot(
    {
      size: rows.length,
      rows,
      get byKey() {
        return map();
      },
      at: (index) => rows.at(index),
      slice: (start, end) => rows.slice(start, end),
      get: (k) => map().get(k),
    },
    'loading',
    undefined,
    undefined,
  );
}

/** Empty loading rows: the server snapshot of every live query without `initialData`. */
export const EMPTY_LOADING: LiveRows<never> = placeholderRows<never>([], undefined);
