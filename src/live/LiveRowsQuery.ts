/**
 * One `liveRows()` query: a RowSink that materializes the pages and changes of a protocol's feed
 * through `createMaterializer` and publishes LiveRows snapshots (one per page or change that
 * altered the result; nothing when a change leaves the result as it was). Status: docs/SPEC.md §3.
 * Protocol-neutral: rows, columns and changes arrive already normalised by the driver.
 * Rows never merge silently: a result without key columns or a row without a key value ends the
 * query in status `error` (keyOf.ts); an `expire` change removes the row its id names.
 * A closure rather than a class: local names minify (this sits in every browser bundle).
 */
import { SubscriptionError } from '../errors.js';
import type { LivebindError } from '../errors.js';
import type { FeedHandle, FeedSpec, Row, RowSink } from '../protocol/driver.js';
import { createLiveSource } from '../store/createLiveObservable.js';
import type { LiveSource } from '../store/createLiveObservable.js';
import type { Timers } from '../connection/timers.js';
import type { LiveRows, LiveStatus, LoadProgress } from '../types.js';
import { createMaterializer } from './createMaterializer.js';
import { columnList, keyPart, makeKeyOf, notIn, quoted, resolveKeyColumns } from './keyOf.js';
import { liveRowsSnapshot } from './liveRowsSnapshot.js';
import type { OrderSpec, RowOp } from './types.js';

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

export interface LiveRowsQuery<R> {
  readonly source: LiveSource<LiveRows<R>>;
  /** The bound SQL. */
  readonly sql: string;
  /** The current row with the same key as `row` (for changes() merging), if this query holds it. */
  rowLike(row: Row): Row | undefined;
}

export function createLiveRowsQuery<R>(options: LiveRowsQueryOptions): LiveRowsQuery<R> {
  const { spec, orderBy } = options;
  let keyColumns: readonly string[] | undefined;
  let keyOf: (row: Row) => string = makeKeyOf(['id']);
  let status: LiveStatus = 'loading';
  let error: LivebindError | undefined;
  let handle: FeedHandle | undefined;
  /** Rows of a reload so far: they replace the whole set at its last page. */
  let reloadBuffer: Row[] | undefined;
  let restarted = false;
  let progress: LoadProgress | undefined;
  const materializer = createMaterializer<Row>({ keyOf: (row) => keyOf(row), orderBy, ...(options.limit === undefined ? {} : { limit: options.limit }) });
  let published = materializer.current;

  const snapshot = (): LiveRows<R> => liveRowsSnapshot(materializer.current as never, status, error, handle?.cursor?.(), progress);
  /** The last snapshot published. */
  let current = snapshot();
  const source = createLiveSource<LiveRows<R>>({
    initial: current,
    replay: true,
    graceMs: options.graceMs,
    timers: options.timers,
    start() {
      options.onStart();
      if (restarted) {
        status = 'loading';
        error = undefined;
        publish();
      }
      handle = options.open(spec, sink);
    },
    stop() {
      handle?.close();
      handle = undefined;
      options.onStop();
      // The last snapshot stays; a later restart reloads (status loading) and replaces the rows.
      restarted = true;
      reloadBuffer = undefined;
    },
  });

  /** Publish a snapshot unless nothing visible changed (same RowSet, status, error and progress). */
  const publish = (): void => {
    const set = materializer.current;
    if (set === published && current.status === status && current.error === error && current.progress === progress) return;
    published = set;
    source.set((current = snapshot()));
  };

  /** Move to `next` and publish, unless the query already ended (the first error stays). */
  const moveTo = (next: LiveStatus, e?: LivebindError): void => {
    if (status === 'error') return;
    status = next;
    error = e;
    publish();
  };

  /**
   * End the query with a SubscriptionError about columns (`problem`, then the result's `columns`
   * and what to do about option `option`), and release its server subscription.
   */
  const fail = (code: string, problem: string, columns: readonly string[], option: string): void => {
    // Status first, so nothing the feed reports while it closes replaces this error.
    const message = `liveRows() ${problem} (columns: ${columnList(columns)}); select the ${option} column(s) or set \`${option}\`.`;
    moveTo('error', new SubscriptionError(message, { code, subscriptionId: handle?.id, sql: spec.sql }));
    reloadBuffer = undefined;
    handle?.close();
  };

  /** The key columns `row` has no value for (null is none). */
  const missingKeys = (row: Row): string[] => keyColumns!.filter((c) => row[c] === undefined || row[c] === null);

  /** True when every row has its key values; otherwise the query ends with MISSING_KEY. */
  const keyed = (rows: readonly Row[]): boolean => {
    const row = rows.find((r) => missingKeys(r).length > 0);
    if (row === undefined) return true;
    const columns = Object.keys(row).filter((c) => !c.startsWith('_'));
    fail('MISSING_KEY', `got a row without a (non-null) value for the key ${quoted(missingKeys(row))}`, columns, 'key');
    return false;
  };

  const sink: RowSink = {
    onColumns(columns, kind, totalRows) {
      if (status === 'error') return;
      // KalamDB always sends total_rows 0 ("ignore it"): only a positive count is a total.
      progress = kind === 'resume' ? undefined : { loaded: 0, total: (totalRows ?? 0) > 0 ? totalRows : undefined };
      // Ordering by a column the result does not have would silently keep arrival order.
      const names = columns.map((c) => c.name);
      const unknownOrder = notIn(orderBy.map((o) => o.column), names);
      if (unknownOrder.length > 0) return fail('UNKNOWN_ORDER_COLUMN', `cannot order by ${quoted(unknownOrder)}: not in the result`, names, 'orderBy');
      if (!keyColumns) {
        const resolved = resolveKeyColumns(spec.key, columns);
        if (typeof resolved === 'string') return fail('KEY_REQUIRED', `needs a key (else rows merge into one): ${resolved}`, names, 'key');
        keyColumns = resolved;
        keyOf = makeKeyOf(resolved);
      }
      // A restart after release reloads like a reconnect: rows stay visible, then are replaced.
      // A resume of an interrupted reload continues it: the pages buffered so far (rows up to the
      // checkpoint) stay, the resumed pages add the rest, and the last page replaces the set.
      if (kind === 'reload' || (kind === 'initial' && restarted)) reloadBuffer = [];
      else if (kind !== 'resume') reloadBuffer = undefined;
    },

    onPage(rows, last) {
      if (status === 'error' || !keyed(rows)) return;
      progress &&= last ? undefined : { ...progress, loaded: progress.loaded + rows.length };
      if (reloadBuffer) {
        for (const row of rows) reloadBuffer.push(row);
        if (last) {
          materializer.replaceAll(reloadBuffer);
          reloadBuffer = undefined;
        }
      } else if (rows.length > 0) {
        materializer.apply(rows.map((row): RowOp<Row> => ({ op: 'upsert', row })));
      }
      if (last) status = 'ready';
      publish();
    },

    onReady: () => moveTo('ready'),

    onChange(change) {
      if (!keyColumns || status === 'error') return;
      let ops: RowOp<Row>[];
      if (change.type === 'expire') {
        // A TTL expiry names the row by one id value: usable only with a one-column key.
        const id = change.rowId;
        if (keyColumns.length !== 1 || id === undefined || id === null) return;
        ops = [{ op: 'delete', key: keyPart(id) }];
      } else {
        const { row } = change;
        if (!keyed([row])) return;
        const key = keyOf(row);
        if (change.type === 'insert') ops = [{ op: 'upsert', row }];
        else if (change.type === 'delete') ops = [{ op: 'delete', key }];
        else {
          // The previous key: `old` carries the key columns that changed (absent or null: as now).
          const { nulled, old } = change;
          const oldKey = old === undefined ? key : keyOf(Object.fromEntries(keyColumns.map((c) => [c, old[c] ?? row[c]])));
          // When the key itself changed, the row moves, merged with its previous version.
          const previous = oldKey === key ? undefined : materializer.current.get(oldKey);
          ops = [{ op: 'patch', key, patch: previous === undefined ? row : { ...previous, ...row }, nulled }];
          if (oldKey !== key) ops.unshift({ op: 'delete', key: oldKey });
        }
      }
      if (reloadBuffer) return; // a reload replaces everything at its last page; changes follow it
      materializer.apply(ops);
      publish();
    },

    onReconnecting: () => moveTo('reconnecting'),

    // The first error stays (e.g. a key error already ended the query).
    onError: (e) => moveTo('error', e),
  };

  return {
    source,
    sql: spec.sql,
    rowLike(row) {
      return keyColumns && missingKeys(row).length === 0 ? materializer.current.get(keyOf(row)) : undefined;
    },
  };
}
