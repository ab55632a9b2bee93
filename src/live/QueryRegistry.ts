/**
 * Sharing (DESIGN "hot and ref-counted"): identical (sql, options) → the same LiveObservable and
 * one server subscription while alive. An entry leaves the registry when its query stops (last
 * subscriber gone + grace period); the next call then creates a fresh one. An entry that is
 * created but never subscribed (a render React threw away, server rendering) leaves after
 * `unusedTtlMs`, so the registry never grows without bound; a caller still holding that
 * observable can subscribe later and it re-registers itself.
 * Without a driver feed (`Driver.liveFeed`), liveRows()/changes() throw UnsupportedError at the call.
 */
import { UnsupportedError, UsageError } from '../errors.js';
import type { Timers } from '../connection/timers.js';
import { bindParams } from '../sql/sqlLiteral.js';
import type { ChangeEvent, ChangesOptions, LiveObservable, LiveQueryOptions, LiveRows } from '../types.js';
import { ChangesQuery } from './ChangesQuery.js';
import { LiveRowsQuery } from './LiveRowsQuery.js';
import type { FeedOpener } from './LiveRowsQuery.js';
import type { OrderSpec } from './types.js';

type Row = Record<string, unknown>;

export class QueryRegistry {
  private readonly live = new Map<string, LiveRowsQuery<unknown>>();
  private readonly changes = new Map<string, ChangesQuery<unknown>>();
  /** Running liveRows queries by SQL: the shared row cache consulted by changes(). */
  private readonly running = new Set<LiveRowsQuery<unknown>>();
  /** Queries that have had at least one subscriber since they were created. */
  private readonly started = new WeakSet<object>();
  /** Pending eviction timers of never-subscribed entries. */
  private readonly unusedTimers = new Set<unknown>();

  constructor(
    /** The driver's feed opener; undefined: the backend has no live rows. */
    private readonly feeds: FeedOpener | undefined,
    /** Driver name, for the UnsupportedError message. */
    private readonly backend: string,
    private readonly timers: Timers,
    private readonly graceMs: number,
    private readonly unusedTtlMs: number,
  ) {}

  liveRows<R>(sql: string, options: LiveQueryOptions = {}): LiveObservable<LiveRows<R>> {
    const open = this.opener('liveRows');
    const bound = bindParams(sql, options.params);
    const orderBy = normalizeOrderBy(options.orderBy);
    const limit = optionalInt(options.limit, 'limit', 0);
    const batchSize = optionalInt(options.batchSize, 'batchSize', 1);
    const lastRows = optionalInt(options.lastRows, 'lastRows', 0);
    const id = stableKey(['rows', bound, options.key, orderBy, limit, batchSize, lastRows]);
    let query = this.live.get(id);
    if (!query) {
      query = new LiveRowsQuery<unknown>({
        open,
        spec: { text: sql, params: options.params ?? [], sql: bound, load: true, key: options.key, batchSize, lastRows },
        orderBy,
        limit,
        timers: this.timers,
        graceMs: this.graceMs,
        onStart: (q) => {
          this.started.add(q);
          this.running.add(q);
          if (!this.live.has(id)) this.live.set(id, q);
        },
        onStop: (q) => {
          this.running.delete(q);
          if (this.live.get(id) === q) this.live.delete(id);
        },
      });
      this.live.set(id, query);
      this.evictIfUnused(this.live, id, query);
    }
    return query.source.observable as unknown as LiveObservable<LiveRows<R>>;
  }

  changesOf<R>(sql: string, options: ChangesOptions = {}): LiveObservable<ChangeEvent<R>, ChangeEvent<R> | undefined> {
    const open = this.opener('changes');
    const bound = bindParams(sql, options.params);
    const id = stableKey(['changes', bound, options.key]);
    let query = this.changes.get(id);
    if (!query) {
      query = new ChangesQuery<unknown>({
        open,
        spec: { text: sql, params: options.params ?? [], sql: bound, load: false, key: options.key, batchSize: undefined, lastRows: undefined },
        timers: this.timers,
        graceMs: this.graceMs,
        lookup: (boundSql, row) => this.lookup(boundSql, row),
        onStart: (q) => {
          this.started.add(q);
          if (!this.changes.has(id)) this.changes.set(id, q);
        },
        onStop: (q) => {
          if (this.changes.get(id) === q) this.changes.delete(id);
        },
      });
      this.changes.set(id, query);
      this.evictIfUnused(this.changes, id, query);
    }
    return query.source.observable as unknown as LiveObservable<ChangeEvent<R>, ChangeEvent<R> | undefined>;
  }

  /** Complete every observable (client.close()). */
  closeAll(): void {
    for (const handle of this.unusedTimers) this.timers.clearTimeout(handle);
    this.unusedTimers.clear();
    for (const q of [...this.live.values(), ...this.running]) q.source.complete();
    for (const q of [...this.changes.values()]) q.source.complete();
    this.live.clear();
    this.changes.clear();
    this.running.clear();
  }

  /** Drop `query` from `map` after unusedTtlMs unless it was subscribed by then. */
  private evictIfUnused(map: Map<string, object>, id: string, query: object): void {
    const handle = this.timers.setTimeout(() => {
      this.unusedTimers.delete(handle);
      if (!this.started.has(query) && map.get(id) === query) map.delete(id);
    }, this.unusedTtlMs);
    this.unusedTimers.add(handle);
    // Never keep a Node process alive just to tidy the registry.
    (handle as { unref?: () => void } | null)?.unref?.();
  }

  private opener(what: string): FeedOpener {
    if (this.feeds === undefined) {
      throw new UnsupportedError(`${what}() is not available over ${this.backend}: this driver has no live row feed.`, {
        code: 'UNSUPPORTED',
        capability: 'liveRows',
      });
    }
    return this.feeds;
  }

  private lookup(sql: string, row: Row): Row | undefined {
    for (const q of this.running) {
      if (q.sql !== sql) continue;
      const found = q.rowLike(row);
      if (found) return found;
    }
    return undefined;
  }
}

/**
 * Canonical order specs (explicit direction and nulls, fixed field order), so `'id'`,
 * `{ column: 'id' }` and `{ direction: 'asc', column: 'id' }` share one query.
 */
function normalizeOrderBy(orderBy: LiveQueryOptions['orderBy']): readonly OrderSpec[] {
  if (orderBy === undefined) return [];
  const specs: readonly (string | OrderSpec)[] =
    typeof orderBy === 'string' ? [orderBy] : 'column' in orderBy ? [orderBy as OrderSpec] : (orderBy as readonly OrderSpec[]);
  return specs.map((spec) => {
    const { column, direction = 'asc', nulls } = typeof spec === 'string' ? { column: spec, nulls: undefined } : spec;
    if (typeof column !== 'string' || column === '') {
      throw new UsageError(`Option "orderBy" needs a column name; got ${JSON.stringify(column)}.`, { code: 'INVALID_OPTION' });
    }
    if (direction !== 'asc' && direction !== 'desc') {
      throw new UsageError(`Option "orderBy" direction must be 'asc' or 'desc'; got ${JSON.stringify(direction)}.`, { code: 'INVALID_OPTION' });
    }
    if (nulls !== undefined && nulls !== 'first' && nulls !== 'last') {
      throw new UsageError(`Option "orderBy" nulls must be 'first' or 'last'; got ${JSON.stringify(nulls)}.`, { code: 'INVALID_OPTION' });
    }
    return { column, direction, nulls: nulls ?? (direction === 'asc' ? 'last' : 'first') };
  });
}

function optionalInt(value: number | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`Option "${name}" must be an integer >= ${min}; got ${String(value)}.`, { code: 'INVALID_OPTION' });
  }
  return value;
}

/** JSON key of a query's identity; bigint params are already literals inside the bound SQL. */
function stableKey(parts: readonly unknown[]): string {
  return JSON.stringify(parts, (_k, v: unknown) => (v === undefined ? null : v));
}
