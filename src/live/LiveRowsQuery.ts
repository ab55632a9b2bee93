/**
 * One `liveRows()` query: a SubscriptionSink that materializes pages and changes through
 * `createMaterializer` and publishes LiveRows snapshots (one per page or change that altered the
 * result; nothing when a change leaves the result as it was). Status: docs/SPEC.md §3.
 */
import type { LivebindError } from '../errors.js';
import type { SchemaField, WireRow } from '../protocol/kalamdb/messages.js';
import { LiveSource } from '../store/createLiveObservable.js';
import type { Timers } from '../connection/timers.js';
import type { LiveRows, LiveStatus } from '../types.js';
import { createMaterializer } from './createMaterializer.js';
import { keyColumnsFor, makeKeyOf } from './keyOf.js';
import { liveRowsSnapshot } from './liveRowsSnapshot.js';
import { updatePatch, userRow } from './rowOps.js';
import type { LoadKind, SubscriptionHandle, SubscriptionManager, SubscriptionSink, SubscriptionSpec } from './SubscriptionManager.js';
import type { Materializer, OrderSpec, RowOp, RowSet } from './types.js';

type Row = Record<string, unknown>;

export interface LiveRowsQueryOptions {
  readonly manager: SubscriptionManager;
  readonly spec: SubscriptionSpec;
  readonly key: string | readonly string[] | undefined;
  readonly orderBy: readonly OrderSpec[];
  readonly limit: number | undefined;
  readonly timers: Timers;
  readonly graceMs: number;
  /** Called when the query stops (last subscriber gone + grace), to drop it from the registry. */
  readonly onStop: (query: LiveRowsQuery<unknown>) => void;
  /** Called when the query starts (again). */
  readonly onStart: (query: LiveRowsQuery<unknown>) => void;
}

export class LiveRowsQuery<R> implements SubscriptionSink {
  readonly source: LiveSource<LiveRows<R>>;
  private materializer: Materializer<Row>;
  private keyColumns: readonly string[] | undefined;
  private status: LiveStatus = 'loading';
  private error: LivebindError | undefined;
  private handle: SubscriptionHandle | undefined;
  private reloadBuffer: Row[] | undefined;
  private published: RowSet<Row>;
  private keyOf: (row: Row) => string = makeKeyOf(['id']);
  private restarted = false;

  constructor(private readonly options: LiveRowsQueryOptions) {
    this.materializer = this.newMaterializer();
    this.published = this.materializer.current;
    this.source = new LiveSource<LiveRows<R>>({
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
    if (!this.keyColumns) return undefined;
    return this.materializer.current.get(this.keyOf(row));
  }

  onAck(schema: readonly SchemaField[], kind: LoadKind): void {
    if (!this.keyColumns) {
      this.keyColumns = keyColumnsFor(this.options.key, schema);
      this.keyOf = makeKeyOf(this.keyColumns);
    }
    // A restart after release reloads like a reconnect: rows stay visible, then are replaced.
    // A resume of an interrupted reload continues it: the pages buffered so far (rows up to the
    // checkpoint) stay, the resumed pages add the rest, and the last page replaces the set.
    if (kind === 'reload' || (kind === 'initial' && this.restarted)) this.reloadBuffer = [];
    else if (kind !== 'resume') this.reloadBuffer = undefined;
  }

  onPage(rows: readonly WireRow[], last: boolean, kind: LoadKind): void {
    const users = rows.map(userRow);
    if (this.reloadBuffer) {
      for (const row of users) this.reloadBuffer.push(row);
      if (last) {
        this.materializer.replaceAll(this.reloadBuffer);
        this.reloadBuffer = undefined;
      }
    } else if (users.length > 0) {
      this.materializer.apply(users.map((row): RowOp<Row> => ({ op: 'upsert', row })));
    }
    if (last) this.status = 'ready';
    this.publish();
  }

  onReady(): void {
    this.status = 'ready';
    this.publish();
  }

  onChange(type: 'insert' | 'update' | 'delete', rows: readonly WireRow[], oldValues: readonly WireRow[]): void {
    const keyColumns = this.keyColumns;
    if (!keyColumns) return;
    const keyOf = this.keyOf;
    const newRow = rows[0];
    const oldRow = oldValues[0];
    let ops: RowOp<Row>[] | undefined;
    if (type === 'insert' && newRow) {
      ops = [{ op: 'upsert', row: userRow(newRow) }];
    } else if (type === 'update' && newRow) {
      const { patch, nulled } = updatePatch(newRow, oldRow, keyColumns);
      const key = keyOf(patch);
      const oldKey = oldRow && keyColumns.every((c) => c in oldRow) ? keyOf(oldRow) : key;
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
    } else if (type === 'delete' && oldRow && keyColumns.every((c) => c in oldRow)) {
      ops = [{ op: 'delete', key: keyOf(oldRow) }];
    }
    if (!ops) return;
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
    this.status = 'error';
    this.error = error;
    this.publish();
  }

  private start(): void {
    this.options.onStart(this as LiveRowsQuery<unknown>);
    if (this.restarted) {
      this.status = 'loading';
      this.error = undefined;
      this.publish();
    }
    this.handle = this.options.manager.open(this.options.spec, this);
  }

  private stop(): void {
    this.handle?.close();
    this.handle = undefined;
    this.options.onStop(this as LiveRowsQuery<unknown>);
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
    if (set === this.published && current.status === this.status && current.error === this.error) return;
    this.published = set;
    this.source.set(this.snapshot());
  }

  private snapshot(): LiveRows<R> {
    return liveRowsSnapshot(this.materializer.current as unknown as RowSet<R>, this.status, this.error, this.handle?.checkpoint());
  }
}
