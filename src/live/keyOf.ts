/**
 * Row keys (spec §11.4, done better): key columns default to the schema's `pk`-flagged columns,
 * then `id`; values are normalized so `"1"` and `1` (and `1n`) are the same key. A single-column
 * key is the value's string form (so `byKey.get('42')` works); composite keys are a JSON array of
 * those strings. Missing/null key values map to a marker that no string value can produce.
 */
import type { SchemaField } from '../protocol/kalamdb/messages.js';
import type { RowKey } from './types.js';

const NULL_KEY = '\u0000null';

/** The key columns: the explicit option, else schema `pk` columns, else `id`. */
export function keyColumnsFor(option: string | readonly string[] | undefined, schema: readonly SchemaField[]): readonly string[] {
  if (option !== undefined) return typeof option === 'string' ? [option] : option;
  const pk = schema.filter((f) => f.flags.includes('pk')).map((f) => f.name);
  return pk.length > 0 ? pk : ['id'];
}

/** One key value in canonical form. */
export function keyPart(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'undefined':
      return NULL_KEY;
    default:
      return value === null ? NULL_KEY : JSON.stringify(value);
  }
}

/** A `keyOf(row)` function for these columns. */
export function makeKeyOf(columns: readonly string[]): (row: Record<string, unknown>) => RowKey {
  if (columns.length === 1) {
    const column = columns[0] as string;
    return (row) => keyPart(row[column]);
  }
  return (row) => JSON.stringify(columns.map((c) => keyPart(row[c])));
}
