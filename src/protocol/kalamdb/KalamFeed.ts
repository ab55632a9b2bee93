/**
 * One KalamDB subscription as a neutral row feed: wire rows in (SubscriptionManager), neutral
 * rows, columns and changes out (the RowSink of src/live). Here live the KalamDB row rules:
 * system columns dropped (`_seq` becomes the change's cursor), update rows completed to the ack
 * schema or merged by the §6.4 null rule, stream-table TTL deletes (`{"row_id": …}`, no `_seq`)
 * turned into `expire` changes, and `pk` flags into `Column.pk`.
 */
import { keyColumnsFor } from '../../live/keyOf.js';
import type { Column, LoadKind, Row, RowSink } from '../driver.js';
import { seqOf } from './codec.js';
import type { SchemaField, WireRow } from './messages.js';
import type { SubscriptionSink } from './SubscriptionManager.js';
import { isTtlDelete, updatePatch, userColumns, userRow } from './wireRows.js';

/**
 * `liveOnly`: a changes-only feed, whose pages (resumes) carry each row's cursor. A closure rather
 * than a class: local names minify (this sits in every browser bundle).
 */
export function kalamFeed(sink: RowSink, key: string | readonly string[] | undefined, liveOnly: boolean): SubscriptionSink {
  /** Names of the user columns of the last non-empty ack schema (update rows are completed to them). */
  let columnNames: readonly string[] = [];
  let keyColumns: readonly string[] = ['id'];
  return {
    onAck(schema: readonly SchemaField[], kind: LoadKind, totalRows?: number): void {
      const columns: readonly Column[] = userColumns(schema);
      if (columns.length > 0) columnNames = columns.map((c) => c.name);
      keyColumns = keyColumnsFor(key, columns);
      sink.onColumns(columns, kind, totalRows);
    },

    onPage(rows: readonly WireRow[], last: boolean, kind: LoadKind): void {
      sink.onPage(rows.map(userRow), last, kind, liveOnly ? rows.map(seqOf) : undefined);
    },

    onChange(type: 'insert' | 'update' | 'delete', rows: readonly WireRow[], oldValues: readonly WireRow[], seq: bigint | undefined): void {
      const wire = rows[0];
      const old = oldValues[0];
      if (type === 'insert') {
        if (wire) sink.onChange({ type, row: userRow(wire), cursor: seq });
      } else if (type === 'update') {
        if (!wire) return;
        const { row, nulled } = updatePatch(wire, old, keyColumns, columnNames);
        sink.onChange({ type, row, nulled, old: old && userRow(old), cursor: seq });
      } else if (old) {
        // K§6.4 stream TTL expiry: only the row id is known, and there is no `_seq`.
        if (isTtlDelete(old)) sink.onChange({ type: 'expire', rowId: (old as Row)['row_id'] });
        else sink.onChange({ type, row: userRow(old), cursor: seq });
      }
    },
  };
}
