/**
 * Sharing (DESIGN "hot and ref-counted"): identical (sql, options) → the same LiveObservable and
 * one server subscription while alive. An entry leaves the registry when its query stops (last
 * subscriber gone + grace period); the next call then creates a fresh one. An entry that is
 * created but never subscribed (a render React threw away, server rendering) leaves after
 * `unusedTtlMs`, so the registry never grows without bound; a caller still holding that
 * observable can subscribe later and it re-registers itself.
 * Without a driver feed (`Driver.liveFeed`), liveRows()/changes() throw UnsupportedError at the call.
 * `changes()` is opt-in (`createClient({ changes: liveChanges })`, src/live/liveChanges.ts): without
 * it the call throws a UsageError naming the import.
 */
import { UsageError } from '../errors.js';
import type { Timers } from '../connection/timers.js';
import { bindParams } from '../sql/sqlLiteral.js';
import type { ChangeEvent, ChangesOptions, LiveObservable, LiveQueryOptions, LiveRows } from '../types.js';
import { createLiveRowsQuery } from './LiveRowsQuery.js';
import type { FeedOpener } from './LiveRowsQuery.js';
import { normalizeOrderBy, validInt } from './options.js';
import { stableKey } from '../observer/stableKey.js';
import { optInMessage, optInRequired } from '../optIn.js';

type Row = Record<string, unknown>;

/** A shared query: what the registry keeps and completes on close. */
export interface SharedQuery {
  readonly source: { complete(): void };
  /** A liveRows() query's bound SQL and row lookup (LiveRowsQuery), for changes() merging. */
  readonly sql?: string;
  rowLike?(row: Row): Row | undefined;
}

/** Calls a shared query makes as it starts and stops (the registry keeps it while it runs). */
export interface QueryLifecycle {
  onStart(): void;
  onStop(): void;
}

/** What an opt-in query kind (`liveChanges`) gets from the registry of its client. */
export interface QueryContext {
  /** The driver's feed opener; throws UnsupportedError naming `what` when the driver has none. */
  open(what: string): FeedOpener;
  /** The shared query for `id`, made by `create` when there is none (or the last one stopped). */
  share<Q extends SharedQuery>(id: string, create: (lifecycle: QueryLifecycle) => Q): Q;
  /** The running queries (liveRows() ones hold current rows: see `SharedQuery.rowLike`). */
  readonly running: ReadonlySet<SharedQuery>;
  readonly timers: Timers;
  readonly graceMs: number;
}

/** The value of `createClient({ changes })`: `liveChanges` from `livebind`. */
export type ChangesSupport = (context: QueryContext) => <R>(sql: string, options?: ChangesOptions) => LiveObservable<ChangeEvent<R>, ChangeEvent<R> | undefined>;

export interface QueryRegistry {
  liveRows<R>(sql: string, options?: LiveQueryOptions): LiveObservable<LiveRows<R>>;
  changes<R>(sql: string, options?: ChangesOptions): LiveObservable<ChangeEvent<R>, ChangeEvent<R> | undefined>;
  /** Complete every observable (client.close()). */
  closeAll(): void;
}

export function createQueryRegistry(
  /** The driver's feed opener; undefined: the backend has no live rows. */
  feeds: FeedOpener | undefined,
  /** The client's capability check: throws (an UnsupportedError naming `what`, then `hint`) when `feature` is undefined. */
  need: (feature: unknown, what: string, capability: string, hint?: string) => void,
  timers: Timers,
  graceMs: number,
  unusedTtlMs: number,
  changes: ChangesSupport | undefined,
): QueryRegistry {
  const shared = new Map<string, SharedQuery>();
  /** Running queries (those of liveRows() are the row cache changes() consults). */
  const running = new Set<SharedQuery>();
  /** Pending eviction timers of never-subscribed entries. */
  const unusedTimers = new Set<unknown>();

  const context: QueryContext = {
    open(what) {
      need(feeds, `${what}() is`, 'liveRows');
      return feeds!;
    },
    share<Q extends SharedQuery>(id: string, create: (lifecycle: QueryLifecycle) => Q): Q {
      const existing = shared.get(id) as Q | undefined;
      if (existing) return existing;
      const query: Q = create({
        onStart() {
          // Subscribed (always after share() returned): no longer an unused entry.
          timers.clearTimeout(handle);
          unusedTimers.delete(handle);
          running.add(query);
          if (!shared.has(id)) shared.set(id, query);
        },
        onStop() {
          running.delete(query);
          if (shared.get(id) === query) shared.delete(id);
        },
      });
      shared.set(id, query);
      // Drop it after unusedTtlMs unless it was subscribed by then (its first start cancels this).
      const handle = timers.setTimeout(() => {
        unusedTimers.delete(handle);
        if (shared.get(id) === query) shared.delete(id);
      }, unusedTtlMs);
      unusedTimers.add(handle);
      // Never keep a Node process alive just to tidy the registry.
      (handle as { unref?: () => void } | null)?.unref?.();
      return query;
    },
    running,
    timers,
    graceMs,
  };
  if (changes !== undefined && typeof changes !== 'function') {
    throw new UsageError(optInMessage('Option "changes"', 'changes', 'liveChanges', 'livebind'), { code: 'INVALID_OPTION' });
  }
  const changesOf = changes?.(context);

  return {
    liveRows<R>(sql: string, options: LiveQueryOptions = {}) {
      const open = context.open('liveRows');
      const bound = bindParams(sql, options.params);
      const orderBy = normalizeOrderBy(options.orderBy);
      const limit = validInt(options.limit, 'limit', 0);
      const batchSize = validInt(options.batchSize, 'batchSize', 1);
      const lastRows = validInt(options.lastRows, 'lastRows', 0);
      const id = stableKey(['rows', bound, options.key, orderBy, limit, batchSize, lastRows]);
      const query = context.share(id, (lifecycle) =>
        createLiveRowsQuery<unknown>({
          open,
          spec: { text: sql, params: options.params ?? [], sql: bound, load: true, key: options.key, batchSize, lastRows },
          orderBy,
          limit,
          timers,
          graceMs,
          ...lifecycle,
        }),
      );
      return query.source.observable as unknown as LiveObservable<LiveRows<R>>;
    },

    changes<R>(sql: string, options?: ChangesOptions) {
      context.open('changes');
      if (changesOf === undefined) {
        throw optInRequired('changes()', 'changes', 'liveChanges', 'livebind');
      }
      return changesOf<R>(sql, options);
    },

    closeAll() {
      for (const handle of unusedTimers) timers.clearTimeout(handle);
      unusedTimers.clear();
      for (const q of [...shared.values(), ...running]) q.source.complete();
      shared.clear();
      running.clear();
    },
  };
}

/** The key of a query's identity (bigint params are already literals inside the bound SQL). */
export const queryId: (parts: readonly unknown[]) => string = stableKey;
