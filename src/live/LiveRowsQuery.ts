/**
 * One `liveRows()` query: a RowSink that materializes the pages and changes of a protocol's feed
 * through `createMaterializer` and publishes LiveRows snapshots (one per page or change that
 * altered the result; nothing when a change leaves the result as it was). Status: docs/SPEC.md §3.
 * Protocol-neutral: rows, columns and changes arrive already normalised by the driver.
 * Rows never merge silently: a result without key columns or a row without a key value ends the
 * query in status `error` (keyOf.ts); an `expire` change removes the row its id names.
 */
import { SubscriptionError } from '../errors.js';
import type { LivebindError } from '../errors.js';
import type { Column, FeedHandle, FeedSpec, LoadKind, Row, RowChange, RowSink } from '../protocol/driver.js';
import { createLiveSource } from '../store/createLiveObservable.js';
import type { LiveSource } from '../store/createLiveObservable.js';
import type { Timers } from '../connection/timers.js';
import type { LiveRows, LiveStatus, LoadProgress } from '../types.js';
import { createMaterializer } from './createMaterializer.js';
import { keyPart, makeKeyOf, missingKeyColumns, resolveKeyColumns } from './keyOf.js';
import { liveRowsSnapshot } from './liveRowsSnapshot.js';
import type { Materializer, OrderSpec, RowOp, RowSet } from './types.js';

/** Opens a protocol feed (the driver's `liveFeed`). */
export type FeedOpener = (spec: FeedSpec, sink: RowSink) => FeedHandle;

export interface LiveRowsQueryOptions {
  readonly open: FeedOpener;
  readonly spec: FeedSpec;
  readonly orderBy: readonly OrderSpec[];
  readonly limit: number | undefined;
  readonly timers: Timers;
  readonly graceMs: number;
  /** Called when the query stops (last subscriber gone + grace), to drop it from the registry. */
  readonly onStop: () => void;
  /** Called when the query starts (again). */
  readonly onStart: () => void;
}

export class LiveRowsQuery<R> implements RowSink {
  readonly source: LiveSource<LiveRows<R>>;
  private materializer: Materializer<Row>;
  private keyColumns: readonly string[] | undefined;
  private status: LiveStatus = 'loading';
  private error: LivebindError | undefined;
  private handle: FeedHandle | undefined;
  private reloadBuffer: Row[] | undefined;
  private published: RowSet<Row>;
  private keyOf: (row: Row) => string = makeKeyOf(['id']);
  private restarted = false;
  private progress: LoadProgress | undefined;

  constructor(private readonly options: LiveRowsQueryOptions) {
    this.materializer = this.newMaterializer();
    this.published = this.materializer.current;
    this.source = createLiveSource<LiveRows<R>>({
      initial: this.snapshot(),
      replay: true,
      graceMs: options.graceMs,
      timers: options.timers,
      start: () => this.start(),
      stop: () => this.stop(),
    });
  }

  get sql(): string {
    return this.options.spec.sql;
  }

  /** The current row with the same key as `row` (for changes() merging), if this query holds it. */
  rowLike(row: Row): Row | undefined {
    const keyColumns = this.keyColumns;
    if (!keyColumns || missingKeyColumns(keyColumns, row).length > 0) return undefined;
    return this.materializer.current.get(this.keyOf(row));
  }

  onColumns(columns: readonly Column[], kind: LoadKind, totalRows?: number): void {
    if (this.status === 'error') return;
    // KalamDB always sends total_rows 0 ("ignore it"): only a positive count is a total.
    this.progress = kind === 'resume' ? undefined : { loaded: 0, total: totalRows !== undefined && totalRows > 0 ? totalRows : undefined };
    // Ordering by a column the result does not have would silently keep arrival order.
    const names = columns.map((c) => c.name);
    const unknownOrder = names.length === 0 ? [] : this.options.orderBy.filter((o) => !names.includes(o.column));
    if (unknownOrder.length > 0) {
      this.fail(
        'UNKNOWN_ORDER_COLUMN',
        `liveRows() cannot order by ${unknownOrder.map((o) => `"${o.column}"`).join(', ')}: not a column of the result (columns: ${names.join(', ')}). Select it or change \`orderBy\`.`,
      );
      return;
    }
    if (!this.keyColumns) {
      const resolved = resolveKeyColumns(this.options.spec.key, columns);
      if (!resolved.ok) {
        this.fail('KEY_REQUIRED', `liveRows() cannot key its rows: ${resolved.reason}. Without a key, rows would merge into one.`);
        return;
      }
      this.keyColumns = resolved.columns;
      this.keyOf = makeKeyOf(this.keyColumns);
    }
    // A restart after release reloads like a reconnect: rows stay visible, then are replaced.
    // A resume of an interrupted reload continues it: the pages buffered so far (rows up to the
    // checkpoint) stay, the resumed pages add the rest, and the last page replaces the set.
    if (kind === 'reload' || (kind === 'initial' && this.restarted)) this.reloadBuffer = [];
    else if (kind !== 'resume') this.reloadBuffer = undefined;
  }

  onPage(rows: readonly Row[], last: boolean): void {
    if (this.status === 'error') return;
    if (!this.keyed(rows)) return;
    if (this.progress !== undefined) this.progress = last ? undefined : { loaded: this.progress.loaded + rows.length, total: this.progress.total };
    if (this.reloadBuffer) {
      for (const row of rows) this.reloadBuffer.push(row);
      if (last) {
        this.materializer.replaceAll(this.reloadBuffer);
        this.reloadBuffer = undefined;
      }
    } else if (rows.length > 0) {
      this.materializer.apply(rows.map((row): RowOp<Row> => ({ op: 'upsert', row })));
    }
    if (last) this.status = 'ready';
    this.publish();
  }

  onReady(): void {
    if (this.status === 'error') return;
    this.status = 'ready';
    this.publish();
  }

  onChange(change: RowChange): void {
    const keyColumns = this.keyColumns;
    if (!keyColumns || this.status === 'error') return;
    const keyOf = this.keyOf;
    let ops: RowOp<Row>[];
    switch (change.type) {
      case 'insert':
        if (!this.keyedRow(change.row)) return;
        ops = [{ op: 'upsert', row: change.row }];
        break;
      case 'update': {
        const { row: patch, nulled, old } = change;
        if (!this.keyedRow(patch)) return;
        const key = keyOf(patch);
        // The previous key: `old` carries the key columns that changed (absent or null: as now).
        const oldKey = old === undefined || !keyChanged(keyColumns, old, patch) ? key : keyOf(oldKeyRow(keyColumns, old, patch));
        if (oldKey === key) {
          ops = [{ op: 'patch', key, patch, nulled }];
        } else {
          // The key itself changed: move the row, merged with its previous version.
          const previous = this.materializer.current.get(oldKey);
          ops = [
            { op: 'delete', key: oldKey },
            { op: 'patch', key, patch: previous === undefined ? patch : { ...previous, ...patch }, nulled },
          ];
        }
        break;
      }
      case 'delete':
        if (!this.keyedRow(change.row)) return;
        ops = [{ op: 'delete', key: keyOf(change.row) }];
        break;
      case 'expire': {
        // A TTL expiry names the row by one id value: usable only with a one-column key.
        const key = this.expiredKey(change.rowId);
        if (key === undefined) return;
        ops = [{ op: 'delete', key }];
        break;
      }
    }
    if (this.reloadBuffer) return; // a reload replaces everything at its last page; changes follow it
    this.materializer.apply(ops);
    this.publish();
  }

  onReconnecting(): void {
    if (this.status === 'error') return;
    this.status = 'reconnecting';
    this.publish();
  }

  onError(error: LivebindError): void {
    if (this.status === 'error') return; // the first error stays (e.g. a key error already ended it)
    this.status = 'error';
    this.error = error;
    this.publish();
  }

  /** `keyed` for one row, without a list or a `missing` array when the row is keyed (the per-change path). */
  private keyedRow(row: Row): boolean {
    const keyColumns = this.keyColumns ?? [];
    for (let i = 0; i < keyColumns.length; i++) {
      const v = row[keyColumns[i]!];
      if (v === undefined || v === null) return this.keyed([row]);
    }
    return true;
  }

  /** True when every row has its key values; otherwise the query ends with MISSING_KEY. */
  private keyed(rows: readonly Row[]): boolean {
    const keyColumns = this.keyColumns ?? [];
    for (const row of rows) {
      const missing = missingKeyColumns(keyColumns, row);
      if (missing.length === 0) continue;
      const cells = Object.keys(row).filter((c) => !c.startsWith('_'));
      this.fail(
        'MISSING_KEY',
        `liveRows() received a row without a value for its key column(s) ${missing.map((c) => `"${c}"`).join(', ')} ` +
          `(row columns: ${cells.join(', ') || '(none)'}). Key columns must be selected and never null: select the primary key or pass another \`key\`.`,
      );
      return false;
    }
    return true;
  }

  /** The row key an expired row's id stands for: the value of the one key column (undefined for composite keys). */
  private expiredKey(rowId: unknown): string | undefined {
    const keyColumns = this.keyColumns;
    if (!keyColumns || keyColumns.length !== 1 || rowId === undefined || rowId === null) return undefined;
    return keyPart(rowId);
  }

  /** End the query with a SubscriptionError and release its server subscription. */
  private fail(code: string, message: string): void {
    this.status = 'error';
    const id = this.handle?.id;
    this.error = new SubscriptionError(message, { code, ...(id === undefined ? {} : { subscriptionId: id }), sql: this.options.spec.sql });
    this.reloadBuffer = undefined;
    this.handle?.close();
    this.publish();
  }

  private start(): void {
    this.options.onStart();
    if (this.restarted) {
      this.status = 'loading';
      this.error = undefined;
      this.publish();
    }
    this.handle = this.options.open(this.options.spec, this);
  }

  private stop(): void {
    this.handle?.close();
    this.handle = undefined;
    this.options.onStop();
    // The last snapshot stays; a later restart reloads (status loading) and replaces the rows.
    this.restarted = true;
    this.reloadBuffer = undefined;
  }

  private newMaterializer(): Materializer<Row> {
    return createMaterializer<Row>({
      keyOf: (row) => this.keyOf(row),
      orderBy: this.options.orderBy,
      ...(this.options.limit === undefined ? {} : { limit: this.options.limit }),
    });
  }

  /** Publish a snapshot unless nothing visible changed (same RowSet, status and error). */
  private publish(): void {
    const current = this.source.snapshot;
    const set = this.materializer.current;
    if (set === this.published && current.status === this.status && current.error === this.error && current.progress === this.progress) return;
    this.published = set;
    this.source.set(this.snapshot());
  }

  private snapshot(): LiveRows<R> {
    return liveRowsSnapshot(this.materializer.current as unknown as RowSet<R>, this.status, this.error, this.handle?.cursor?.(), this.progress);
  }
}

/** Whether `old` names a key value other than the new row's (absent and null cells mean unchanged). */
function keyChanged(keyColumns: readonly string[], oldRow: Row, patch: Row): boolean {
  for (let i = 0; i < keyColumns.length; i++) {
    const c = keyColumns[i]!;
    const v = oldRow[c];
    if (v !== undefined && v !== null && v !== patch[c]) return true;
  }
  return false;
}

/** The previous version's key cells: the new row with the key columns `old` carries. */
function oldKeyRow(keyColumns: readonly string[], oldRow: Row, patch: Row): Row {
  const row: Row = { ...patch };
  for (const c of keyColumns) if (oldRow[c] !== undefined && oldRow[c] !== null) row[c] = oldRow[c];
  return row;
}
