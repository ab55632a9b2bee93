/**
 * One `changes()` query: a live-only server subscription (no initial rows) whose messages become
 * ChangeEvents. Update rows are merged with the previous version when a live `liveRows()` query
 * of the same SQL holds that row (the shared row cache); otherwise the event row is the server's
 * patch with the changed-to-NULL columns filled in (§6.4). After a reconnect the subscription
 * resumes from its checkpoint: rows written during the outage arrive as `update` events with
 * `oldRow: undefined` (the server sends them as load rows, not as changes; it cannot say which
 * were inserts), deletes as `delete` events when the server replays them (dev server §12.3).
 * Update rows are completed to the ack schema (absent columns are null, §6.4). A stream-table TTL
 * delete (`{"row_id": …}`, no `_seq`) becomes an `expired` delete with `seq: undefined`.
 * A rejected subscription errors the observable (SubscriptionError).
 */
import type { LivebindError } from '../errors.js';
import { seqOf } from '../protocol/kalamdb/codec.js';
import type { SchemaField, WireRow } from '../protocol/kalamdb/messages.js';
import type { Timers } from '../connection/timers.js';
import { LiveSource } from '../store/createLiveObservable.js';
import type { ChangeEvent } from '../types.js';
import { keyColumnsFor, keyPart } from './keyOf.js';
import { isTtlDelete, mergePatch, updatePatch, userColumns, userRow } from './rowOps.js';
import type { SubscriptionHandle, SubscriptionManager, SubscriptionSink, SubscriptionSpec } from './SubscriptionManager.js';

type Row = Record<string, unknown>;

export interface ChangesQueryOptions {
  readonly manager: SubscriptionManager;
  readonly spec: SubscriptionSpec;
  readonly key: string | readonly string[] | undefined;
  readonly timers: Timers;
  readonly graceMs: number;
  /** The current version of a row from a live liveRows() query of the same SQL, if any. */
  readonly lookup: (sql: string, row: Row) => Row | undefined;
  readonly onStop: (query: ChangesQuery<unknown>) => void;
  readonly onStart: (query: ChangesQuery<unknown>) => void;
}

export class ChangesQuery<R> implements SubscriptionSink {
  readonly source: LiveSource<ChangeEvent<R> | undefined>;
  private keyColumns: readonly string[] = ['id'];
  private columns: readonly string[] = [];
  private handle: SubscriptionHandle | undefined;

  constructor(private readonly options: ChangesQueryOptions) {
    this.source = new LiveSource<ChangeEvent<R> | undefined>({
      initial: undefined,
      replay: false,
      graceMs: options.graceMs,
      timers: options.timers,
      start: () => {
        this.options.onStart(this as ChangesQuery<unknown>);
        this.handle = this.options.manager.open(this.options.spec, this);
      },
      stop: () => {
        this.handle?.close();
        this.handle = undefined;
        this.options.onStop(this as ChangesQuery<unknown>);
      },
    });
  }

  onAck(schema: readonly SchemaField[]): void {
    this.keyColumns = keyColumnsFor(this.options.key, schema);
    if (schema.length > 0) this.columns = userColumns(schema);
  }

  onPage(rows: readonly WireRow[]): void {
    for (const wire of rows) {
      this.emit({ type: 'update', row: userRow(wire) as R, oldRow: undefined, seq: seqOf(wire) ?? 0n });
    }
  }

  onReady(): void {}

  onChange(type: 'insert' | 'update' | 'delete', rows: readonly WireRow[], oldValues: readonly WireRow[]): void {
    const wire = rows[0];
    const old = oldValues[0];
    if (type === 'insert' && wire) {
      this.emit({ type, row: userRow(wire) as R, oldRow: undefined, seq: seqOf(wire) ?? 0n });
    } else if (type === 'update' && wire) {
      const { patch, nulled } = updatePatch(wire, old, this.keyColumns, this.columns);
      const previous = this.options.lookup(this.options.spec.sql, patch);
      const row = mergePatch(previous, patch, nulled);
      this.emit({ type, row: row as R, oldRow: (old ? userRow(old) : undefined) as Partial<R> | undefined, seq: seqOf(wire) ?? 0n });
    } else if (type === 'delete' && old && isTtlDelete(old)) {
      this.emitExpired(old['row_id']);
    } else if (type === 'delete' && old) {
      const row = userRow(old);
      this.emit({ type, row: row as R, oldRow: row as Partial<R>, seq: seqOf(old) ?? 0n });
    }
  }

  onReconnecting(): void {}

  onError(error: LivebindError): void {
    this.source.fail(error);
  }

  /** K§6.4 stream TTL expiry: only the row id is known (and the last version, if a liveRows query holds it). */
  private emitExpired(rowId: unknown): void {
    const column = this.keyColumns.length === 1 ? this.keyColumns[0] : undefined;
    const keyRow: Row = column === undefined ? {} : { [column]: rowId };
    const row = (column === undefined ? undefined : this.options.lookup(this.options.spec.sql, keyRow)) ?? keyRow;
    this.emit({ type: 'delete', expired: true, rowId: keyPart(rowId), row: row as Partial<R>, oldRow: undefined, seq: undefined });
  }

  private emit(event: ChangeEvent<R>): void {
    this.source.set(event);
  }
}
