/**
 * One `changes()` query: a changes-only feed (no initial rows) whose changes become ChangeEvents
 * (docs/SPEC.md §3.3). Protocol-neutral: changes arrive normalised by the driver, with the
 * protocol's optional cursor as `seq`. An update's row is merged with the previous version when a
 * live `liveRows()` query of the same SQL holds that row (the shared row cache); otherwise it is
 * the update's new values with the changed-to-NULL columns filled in. Pages (a resume after a
 * reconnect: rows written during the outage) arrive as `update` events with `oldRow: undefined`
 * (the protocol cannot say which were inserts). An `expire` change becomes an `expired` delete
 * with `seq: undefined`. A rejected feed errors the observable.
 */
import type { LivebindError } from '../errors.js';
import type { Column, FeedHandle, FeedSpec, LoadKind, Row, RowChange, RowSink } from '../protocol/driver.js';
import type { Timers } from '../connection/timers.js';
import { createLiveSource } from '../store/createLiveObservable.js';
import type { LiveSource } from '../store/createLiveObservable.js';
import type { ChangeEvent } from '../types.js';
import { keyColumnsFor, keyPart } from './keyOf.js';
import type { FeedOpener } from './LiveRowsQuery.js';
import { mergePatch } from './rowOps.js';

export interface ChangesQueryOptions {
  readonly open: FeedOpener;
  readonly spec: FeedSpec;
  readonly timers: Timers;
  readonly graceMs: number;
  /** The current version of a row from a live liveRows() query of the same SQL, if any. */
  readonly lookup: (sql: string, row: Row) => Row | undefined;
  readonly onStop: () => void;
  readonly onStart: () => void;
}

export class ChangesQuery<R> implements RowSink {
  readonly source: LiveSource<ChangeEvent<R> | undefined>;
  private keyColumns: readonly string[] = ['id'];
  private handle: FeedHandle | undefined;

  constructor(private readonly options: ChangesQueryOptions) {
    this.source = createLiveSource<ChangeEvent<R> | undefined>({
      initial: undefined,
      replay: false,
      graceMs: options.graceMs,
      timers: options.timers,
      start: () => {
        this.options.onStart();
        this.handle = this.options.open(this.options.spec, this);
      },
      stop: () => {
        this.handle?.close();
        this.handle = undefined;
        this.options.onStop();
      },
    });
  }

  onColumns(columns: readonly Column[]): void {
    this.keyColumns = keyColumnsFor(this.options.spec.key, columns);
  }

  onPage(rows: readonly Row[], _last: boolean, _kind: LoadKind, cursors?: readonly (bigint | undefined)[]): void {
    for (let i = 0; i < rows.length; i++) {
      this.emit({ type: 'update', row: rows[i] as R, oldRow: undefined, seq: cursors?.[i] });
    }
  }

  onReady(): void {}

  onChange(change: RowChange): void {
    switch (change.type) {
      case 'insert':
        this.emit({ type: 'insert', row: change.row as R, oldRow: undefined, seq: change.cursor });
        return;
      case 'update': {
        const previous = this.options.lookup(this.options.spec.sql, change.row);
        const row = mergePatch(previous, change.row, change.nulled);
        this.emit({ type: 'update', row: row as R, oldRow: change.old as Partial<R> | undefined, seq: change.cursor });
        return;
      }
      case 'delete':
        this.emit({ type: 'delete', row: change.row as R, oldRow: change.row as Partial<R>, seq: change.cursor });
        return;
      case 'expire':
        this.emitExpired(change.rowId);
        return;
    }
  }

  onReconnecting(): void {}

  onError(error: LivebindError): void {
    this.source.fail(error);
  }

  /** A TTL expiry: only the row id is known (and the last version, if a liveRows query holds it). */
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
