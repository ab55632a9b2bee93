/**
 * KalamDB wire rows → neutral rows, columns and changes (spec §6.4 merge rule, §11.3 done better).
 * User rows drop the system columns `_seq`, `_deleted`, `_commit_seq` (the checkpoint is exposed as
 * the feed's cursor, `LiveRows.seq`); every other cell stays exactly as the wire sent it (BIGINT as
 * decimal strings, timestamps as µs numbers). Update rows are completed to the ack schema or merged
 * by the §6.4 null rule, stream-table TTL deletes (`{"row_id": …}`, no `_seq`) become `expire`
 * changes, and `pk` flags become `Column.pk`.
 */
import type { Column, RowChange } from '../driver.js';
import type { SchemaField, WireRow } from './messages.js';

export function isSystemColumn(name: string): boolean {
  return name === '_seq' || name === '_deleted' || name === '_commit_seq';
}

/** The row without system columns (a new object; the wire row is not modified). */
export function userRow(row: WireRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name in row) {
    if (!isSystemColumn(name)) out[name] = row[name];
  }
  return out;
}

/** The neutral columns of an ack schema: system columns left out, `pk` flags → `Column.pk`, in schema order. */
export function userColumns(schema: readonly SchemaField[]): Column[] {
  const columns: Column[] = [];
  for (const f of schema) {
    if (isSystemColumn(f.name)) continue;
    columns.push({ name: f.name, pk: f.flags.includes('pk'), ...(typeof f.dataType === 'string' ? { type: f.dataType } : {}) });
  }
  return columns;
}

/**
 * A stream-table TTL delete (K§6.4): `old_values` is exactly `[{"row_id": …}]`, with no `_seq`.
 * (Every other delete carries the tombstone's projected row and its `_seq`.)
 */
export function isTtlDelete(old: WireRow): boolean {
  // Its only key is `row_id` (so there is no `_seq` either).
  return 'row_id' in old && Object.keys(old).length === 1;
}

/**
 * One `change` frame as a neutral change. `wire`: the change's one row (K§6.4), the new version
 * (delete: the tombstone); `old`: an update's `old_values[0]`; `seq`: `_seq` of `wire`, the cursor.
 *
 * An update follows §6.4: changed columns = keys of `old_values` that are neither key columns nor
 * `_`-prefixed; new row = `{...current, ...rows[0]}`, then changed columns missing from `rows[0]`
 * become null (`nulled`).
 *
 * `columns` are the subscription's user columns (from the ack schema; empty when unknown). Update
 * rows carry every non-null projected column and omit null ones (§6.4), so with `columns` known the
 * update's row is the whole new version in schema order, absent columns null. A row that first
 * arrives as an update (it moved into the filter, K§7.6) then equals a fresh SELECT instead of
 * missing its null columns. Cells outside `columns` (KalamDB and the dev server add an unprojected
 * primary key) are left out for the same reason, but key columns are kept. Without `columns` the
 * §6.4 merge rule above applies.
 */
export function rowChange(
  type: 'insert' | 'update' | 'delete',
  wire: WireRow,
  old: WireRow | undefined,
  seq: bigint | undefined,
  keyColumns: readonly string[],
  columns: readonly Column[],
): RowChange {
  if (type !== 'update') {
    // K§6.4 stream TTL expiry: only the row id is known, and there is no `_seq`.
    return type === 'delete' && isTtlDelete(wire) ? { type: 'expire', rowId: wire['row_id'] } : { type, row: userRow(wire), cursor: seq };
  }
  let row: Record<string, unknown> = {};
  const nulled: string[] = [];
  if (columns.length > 0) {
    // The whole new version, in schema order: absent columns are null (§6.4 omits them).
    for (const { name } of columns) row[name] = name in wire ? wire[name] : null;
    for (const name of keyColumns) if (!(name in row) && name in wire) row[name] = wire[name];
  } else {
    row = userRow(wire);
    if (old) {
      for (const name in old) {
        if (!name.startsWith('_') && !keyColumns.includes(name) && !(name in wire)) nulled.push(name);
      }
    }
  }
  return { type, row, nulled, old: old && userRow(old), cursor: seq };
}
