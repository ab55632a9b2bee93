import type { LiveRows, RowKey } from '../src/types.js';

/**
 * A read-only LiveRows (status `loading`) over a plain array: what SSR renders before the socket
 * exists, and the `initialData` placeholder until the first live snapshot is ready.
 * `byKey` is built on first read only.
 */
export function placeholderRows<Row>(rows: readonly Row[], key: string | readonly string[] | undefined): LiveRows<Row> {
  const columns = key === undefined ? ['id'] : typeof key === 'string' ? [key] : key;
  let byKey: Map<RowKey, Row> | undefined;
  const map = (): Map<RowKey, Row> => {
    if (byKey === undefined) {
      byKey = new Map();
      for (const row of rows) byKey.set(keyOfRow(row, columns), row);
    }
    return byKey;
  };
  return {
    status: 'loading',
    error: undefined,
    seq: undefined,
    size: rows.length,
    rows,
    get byKey() {
      return map();
    },
    at: (index) => rows.at(index),
    slice: (start, end) => rows.slice(start, end),
    get: (k) => map().get(k),
  };
}

/** Empty loading rows: the server snapshot of every live query without `initialData`. */
export const EMPTY_LOADING: LiveRows<never> = placeholderRows<never>([], undefined);

// The core's canonical RowKey (documented on LiveRows.byKey): a single key column's value as a
// string (`1` and `"1"` are the same key), composite keys as a JSON array of those strings.
function keyOfRow(row: unknown, columns: readonly string[]): RowKey {
  const record = row as Record<string, unknown>;
  if (columns.length === 1) return keyPart(record[columns[0] as string]);
  return JSON.stringify(columns.map((c) => keyPart(record[c])));
}

function keyPart(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return value === null || value === undefined ? '\u0000null' : JSON.stringify(value);
}
