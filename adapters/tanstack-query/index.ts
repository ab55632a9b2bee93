/**
 * livebind/tanstack-query: live queries in a TanStack QueryClient (Convex's ConvexQueryClient
 * pattern). `liveQueryOptions(client, sql, params)` goes to `useQuery` / `new QueryObserver`; a
 * bridge per QueryClient listens to the QueryCache and keeps ONE server subscription per query
 * hash while the query has observers (plus `keepSubscribedMs`), writing each ready snapshot's rows
 * with `setQueryData`. No polling, no invalidation: `client.execute()` writes show up by themselves.
 * Hydrated queries attach when their first observer arrives (no fetch needed).
 */
import type { Query, QueryClient, QueryFunctionContext } from '@tanstack/query-core';
import { liveRowsOptions, stableKey } from '../../src/index.js';
import type { LivebindError, LiveQueryOptions, LiveRows, LivebindClient, SqlParam, Store } from '../../src/index.js';

export type LiveQueryKey = readonly ['livebind', string, string];

interface LiveSpec {
  readonly client: Pick<LivebindClient, 'liveRows'>;
  readonly sql: string;
  readonly options: LiveQueryOptions;
  readonly keepSubscribedMs: number;
}

export interface LiveQueryOptionsExtra extends Omit<LiveQueryOptions, 'params'> {
  /** How long the server subscription stays after the last observer left (ms, default 0; the client's own grace still applies). Separate from `gcTime`. */
  readonly keepSubscribedMs?: number;
}

/** Options for `useQuery` / `QueryObserver` whose data (the rows, in order) the live subscription keeps current. */
export function liveQueryOptions<Row = Record<string, unknown>>(client: Pick<LivebindClient, 'liveRows'>, sql: string, params?: readonly SqlParam[], options?: LiveQueryOptionsExtra) {
  const core = liveRowsOptions(params, options);
  const spec: LiveSpec = { client, sql, options: core, keepSubscribedMs: options?.keepSubscribedMs ?? 0 };
  return {
    queryKey: ['livebind', sql, stableKey(core)] as LiveQueryKey,
    queryFn: (context: QueryFunctionContext<LiveQueryKey>): Promise<readonly Row[]> => bridgeOf(context.client).fetch<Row>(context.queryKey, spec),
    meta: { livebind: spec } as Record<string, unknown>,
    // A push source: never stale, never refetched, never retried; rows are already structurally shared.
    staleTime: Infinity,
    refetchOnMount: false,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    retry: false,
    structuralSharing: false,
  } as const;
}

/** Attach the bridge now (idempotent; it also attaches on the first live fetch): needed when every live query was hydrated. Returns a disconnect. */
export function connectLiveQueries(queryClient: QueryClient): () => void {
  const bridge = bridgeOf(queryClient);
  return () => bridge.disconnect();
}

const bridges = new WeakMap<QueryClient, Bridge>();
const bridgeOf = (queryClient: QueryClient): Bridge => {
  let bridge = bridges.get(queryClient);
  if (bridge === undefined) bridges.set(queryClient, (bridge = new Bridge(queryClient)));
  return bridge;
};

const specOf = (query: Query): LiveSpec | undefined => (query.options.meta as { livebind?: LiveSpec } | undefined)?.livebind;

interface Entry {
  readonly live: Store<LiveRows<unknown>>;
  unsubscribe: () => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  pushed: LiveRows<unknown> | undefined;
}

class Bridge {
  private readonly entries = new Map<string, Entry>();
  private readonly stopListening: () => void;

  constructor(private readonly queryClient: QueryClient) {
    const cache = queryClient.getQueryCache();
    this.stopListening = cache.subscribe((event) => {
      if (event.type === 'observerAdded') this.attach(event.query);
      else if (event.type === 'observerRemoved' && event.query.getObserversCount() === 0) this.release(event.query);
      else if (event.type === 'removed') this.detach(event.query.queryHash);
      // A fetch that resolved after newer rows were pushed must not win: put the latest back.
      else if (event.type === 'updated' && event.action.type === 'success' && event.action.manual !== true) this.catchUp(event.query);
    });
    for (const query of cache.getAll()) if (query.getObserversCount() > 0) this.attach(query);
  }

  /** queryFn: attach, then resolve with the first settled rows (reject with a live error). */
  fetch<Row>(queryKey: LiveQueryKey, spec: LiveSpec): Promise<readonly Row[]> {
    const query = this.queryClient.getQueryCache().find({ queryKey, exact: true });
    const entry = query === undefined ? undefined : this.attach(query, spec);
    if (query !== undefined && query.getObserversCount() === 0) this.release(query);
    const live = entry?.live ?? (spec.client.liveRows(spec.sql, spec.options) as Store<LiveRows<unknown>>);
    return new Promise((resolve, reject) => {
      let unsubscribe: (() => void) | undefined;
      let done = false;
      const check = (): void => {
        const s = live.getSnapshot();
        if (done || s.status === 'loading') return;
        done = true;
        unsubscribe?.();
        if (s.status === 'error') reject(s.error);
        else resolve(s.rows as readonly Row[]);
      };
      unsubscribe = live.subscribe(check);
      if (done) unsubscribe();
    });
  }

  disconnect(): void {
    this.stopListening();
    for (const hash of [...this.entries.keys()]) this.detach(hash);
    bridges.delete(this.queryClient);
  }

  private attach(query: Query, given?: LiveSpec): Entry | undefined {
    const existing = this.entries.get(query.queryHash);
    if (existing !== undefined) {
      clearTimeout(existing.timer);
      existing.timer = undefined;
      return existing;
    }
    const spec = given ?? specOf(query);
    if (spec === undefined) return undefined;
    const live = spec.client.liveRows(spec.sql, spec.options) as Store<LiveRows<unknown>>;
    const entry: Entry = { live, unsubscribe: () => {}, timer: undefined, pushed: undefined };
    this.entries.set(query.queryHash, entry);
    entry.unsubscribe = live.subscribe(() => this.push(query, entry));
    return entry;
  }

  private push(query: Query, entry: Entry): void {
    const s = entry.live.getSnapshot();
    if (s === entry.pushed) return;
    if (s.status === 'ready' || s.status === 'reconnecting') {
      if (entry.pushed?.status !== 'error' && entry.pushed !== undefined && entry.pushed.rows === s.rows) return;
      entry.pushed = s;
      this.queryClient.setQueryData(query.queryKey, s.rows);
    } else if (s.status === 'error') {
      entry.pushed = s;
      query.setState({ status: 'error', error: s.error as LivebindError, fetchStatus: 'idle', errorUpdatedAt: Date.now() });
    }
  }

  private catchUp(query: Query): void {
    const s = this.entries.get(query.queryHash)?.live.getSnapshot();
    if ((s?.status === 'ready' || s?.status === 'reconnecting') && query.state.data !== s.rows) this.queryClient.setQueryData(query.queryKey, s.rows);
  }

  private release(query: Query): void {
    const entry = this.entries.get(query.queryHash);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    const spec = specOf(query);
    entry.timer = setTimeout(() => {
      if (query.getObserversCount() === 0) this.detach(query.queryHash);
    }, spec?.keepSubscribedMs ?? 0);
  }

  private detach(hash: string): void {
    const entry = this.entries.get(hash);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.entries.delete(hash);
    entry.unsubscribe();
  }
}
