/**
 * Row keys (docs/SPEC.md §3.2): key columns are the `key` option, else the result's `pk`
 * columns, else `id`; values are normalized so `"1"` and `1` (and `1n`) are the same
 * key. A single-column key is the value's string form (so `byKey.get('42')` works); composite keys
 * are a JSON array of those strings.
 *
 * No silent merging: a result with no key column (no option, no `pk` column, no `id` column)
 * and a row whose key column is missing or null have no key. `resolveKeyColumns` and the live query
 * report them so the query can end with a SubscriptionError instead of folding rows into one.
 */
import type { Column } from '../protocol/driver.js';
import type { RowKey } from './types.js';

/**
 * The key columns: the explicit option, else the `pk` columns, else `id` (when the result has it,
 * or when the protocol described no columns). When none applies, or an explicit key names a column
 * the (non-empty) column list does not have: what is wrong, as a string (the caller adds the columns).
 */
export function resolveKeyColumns(option: string | readonly string[] | undefined, columns: readonly Column[]): readonly string[] | string {
  const names = columns.map((c) => c.name);
  if (option !== undefined) {
    const keys = typeof option === 'string' ? [option] : option;
    const unknown = notIn(keys, names);
    return unknown.length === 0 ? keys : `the key ${quoted(unknown)} is not in the result`;
  }
  const pk = columns.filter((c) => c.pk === true).map((c) => c.name);
  if (pk.length > 0) return pk;
  return names.length === 0 || names.includes('id') ? ['id'] : 'no column is flagged "pk" or named "id"';
}

/** The `wanted` columns that `names` lacks (none when `names` is empty: the protocol described no columns). */
export function notIn(wanted: readonly string[], names: readonly string[]): string[] {
  return names.length > 0 ? wanted.filter((c) => !names.includes(c)) : [];
}

/** Column names for messages: `a, b`, or `(none)`. */
export function columnList(names: readonly string[]): string {
  return names.join(', ') || '(none)';
}

/** The key columns, or none when they cannot be resolved (for changes(), which needs no key). */
export function keyColumnsFor(option: string | readonly string[] | undefined, columns: readonly Column[]): readonly string[] {
  const resolved = resolveKeyColumns(option, columns);
  return typeof resolved === 'string' ? [] : resolved;
}

/** Column names for messages: `"a", "b"`. */
export function quoted(names: readonly string[]): string {
  return names.map((c) => JSON.stringify(c)).join(', ');
}

/**
 * One key value in canonical form (callers check for missing values first): a string as it is, a
 * number, bigint or boolean as `String()` writes it, an object (JSON value, or null) as JSON; undefined as ''.
 */
export function keyPart(value: unknown): string {
  return typeof value === 'object' ? JSON.stringify(value) : value === undefined ? '' : String(value);
}

/** A `keyOf(row)` function for these columns (rows must have every key value). */
export function makeKeyOf(columns: readonly string[]): (row: Record<string, unknown>) => RowKey {
  if (columns.length === 1) {
    const column = columns[0] as string;
    return (row) => keyPart(row[column]);
  }
  return (row) => JSON.stringify(columns.map((c) => keyPart(row[c])));
}
