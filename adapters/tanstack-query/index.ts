/**
 * livebind/tanstack-query: live queries in a TanStack QueryClient (Convex's ConvexQueryClient
 * pattern). `liveQueryOptions(client, sql, params)` goes to `useQuery` / `new QueryObserver`; a
 * bridge per QueryClient listens to the QueryCache and keeps ONE server subscription per query
 * hash while the query has observers (plus `keepSubscribedMs`), writing each ready snapshot's rows
 * with `setQueryData`. No polling, no invalidation: `client.execute()` writes (KalamDB: `sql: kalamdbSql`) show up by themselves.
 * Hydrated queries attach when their first observer arrives (no fetch needed).
 *
 * Keys: `['livebind', scope, sql, options]`. The scope names the livebind client, so two clients
 * (two servers, two users) in one QueryClient never share rows; it is a string the app chooses, the
 * same on the server and in the browser, so dehydrated queries hydrate. One scope belongs to one
 * client per QueryClient: a second client using it gets a UsageError (`LIVE_QUERY_SCOPE_CONFLICT`)
 * as the query's error instead of the first client's rows. The default scope is `'default'`.
 */
import type { Query, QueryClient, QueryFunctionContext, QueryObserver } from '@tanstack/query-core';
import { liveRowsOptions, stableKey, UsageError } from '../../src/index.js';
import type { LivebindError, LiveQueryOptions, LiveRows, LivebindClient, SqlParam, Store } from '../../src/index.js';

/** `['livebind', scope, sql, options]`; `['livebind', scope]` is the prefix of one scope's queries (for `removeQueries` and the like). */
export type LiveQueryKey = readonly ['livebind', string, string, string];

export const DEFAULT_SCOPE = 'default';

type LiveClient = Pick<LivebindClient, 'liveRows'>;

interface LiveSpec {
  readonly client: LiveClient;
  readonly scope: string;
  readonly sql: string;
  readonly options: LiveQueryOptions;
  readonly keepSubscribedMs: number;
}

export interface LiveQueryScopeOption {
  /**
   * Which livebind client the query belongs to, as part of the query key (default `'default'`).
   * Give each client its own scope when more than one client shares a QueryClient (two servers,
   * two users, a client replaced at login), e.g. `'user:42'` or `'eu'`. It must be the same string
   * in the server render and in the browser (hydration finds queries by key): derive it from
   * something the app knows on both sides, never from a random or counter id.
   */
  readonly scope?: string | undefined;
}

export interface LiveQueryOptionsExtra extends Omit<LiveQueryOptions, 'params'>, LiveQueryScopeOption {
  /** How long the server subscription stays after the last observer left (ms, default 0; the client's own grace still applies). Separate from `gcTime`. */
  readonly keepSubscribedMs?: number;
}

const SPEC = Symbol.for('livebind.tanstack-query.spec');
type LiveQueryFn<Row> = ((context: QueryFunctionContext<LiveQueryKey>) => Promise<readonly Row[]>) & { readonly [SPEC]: LiveSpec };

/** Options for `useQuery` / `QueryObserver` whose data (the rows, in order) the live subscription keeps current. */
export function liveQueryOptions<Row = Record<string, unknown>>(client: LiveClient, sql: string, params?: readonly SqlParam[], options?: LiveQueryOptionsExtra) {
  const core = liveRowsOptions(params, options);
  const scope = options?.scope ?? DEFAULT_SCOPE;
  if (typeof scope !== 'string') throw new UsageError(`liveQueryOptions(): scope must be a string (it is part of the query key); got ${typeof scope}.`, { code: 'INVALID_ARGUMENT' });
  const spec: LiveSpec = { client, scope, sql, options: core, keepSubscribedMs: options?.keepSubscribedMs ?? 0 };
  // The spec rides on the queryFn, not in `meta`: dehydrate() copies meta into the page, and a
  // client object has no business there.
  const queryFn = Object.assign((context: QueryFunctionContext<LiveQueryKey>): Promise<readonly Row[]> => bridgeOf(context.client).fetch<Row>(context.queryKey, spec), { [SPEC]: spec }) as LiveQueryFn<Row>;
  return {
    queryKey: ['livebind', scope, sql, stableKey(core)] as LiveQueryKey,
    queryFn,
    // A push source: never stale, never refetched, never retried; rows are already structurally shared.
    staleTime: Infinity,
    refetchOnMount: false,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    retry: false,
    structuralSharing: false,
  } as const;
}

/**
 * `liveQueryOptions` bound to one client and its scope (and any other defaults):
 * `const live = createLiveQueryOptions(client, { scope: 'user:42' }); useQuery(live<Message>(sql, [room]))`.
 */
export function createLiveQueryOptions(client: LiveClient, defaults?: LiveQueryOptionsExtra) {
  return <Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[], options?: LiveQueryOptionsExtra) =>
    liveQueryOptions<Row>(client, sql, params, options === undefined ? defaults : { ...defaults, ...options });
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

const specOf = (options: { queryFn?: unknown } | undefined): LiveSpec | undefined => (options?.queryFn as Partial<LiveQueryFn<unknown>> | undefined)?.[SPEC];

const scopeOf = (query: Query): string | undefined => {
  const key = query.queryKey;
  return key[0] === 'livebind' && typeof key[1] === 'string' ? key[1] : undefined;
};

function scopeConflict(scope: string): UsageError {
  return new UsageError(
    `Two livebind clients use the query scope "${scope}" in one QueryClient, so their rows would share cache entries. ` +
      `Give each client its own scope, the same on the server and in the browser: liveQueryOptions(client, sql, params, { scope: 'user:42' }) ` +
      `or createLiveQueryOptions(client, { scope }). When the app replaced its client (a new login), remove the old one's queries first: ` +
      `queryClient.removeQueries({ queryKey: ['livebind', '${scope}'] }).`,
    { code: 'LIVE_QUERY_SCOPE_CONFLICT' },
  );
}

interface Entry {
  readonly live: Store<LiveRows<unknown>>;
  unsubscribe: () => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  pushed: LiveRows<unknown> | undefined;
}

/**
 * One per QueryClient. Invariant: rows reach a query only while every observer's client owns the
 * query's scope; an observer of another client turns the query into the conflict error (no data)
 * until it leaves.
 */
class Bridge {
  private readonly entries = new Map<string, Entry>();
  /** Which client each scope belongs to in this QueryClient, and the cached queries that hold it. */
  private readonly owners = new Map<string, { readonly client: LiveClient; readonly hashes: Set<string> }>();
  private readonly stopListening: () => void;

  constructor(private readonly queryClient: QueryClient) {
    const cache = queryClient.getQueryCache();
    this.stopListening = cache.subscribe((event) => {
      if (event.type === 'observerAdded' || event.type === 'observerOptionsUpdated') this.observe(event.query, specOf(event.observer.options));
      else if (event.type === 'observerRemoved') this.observerLeft(event.query);
      else if (event.type === 'removed') this.forget(event.query);
      // A fetch that resolved after newer rows were pushed must not win: put the latest back.
      else if (event.type === 'updated' && event.action.type === 'success' && event.action.manual !== true) this.catchUp(event.query);
    });
    for (const query of cache.getAll()) for (const observer of query.observers) this.observe(query, specOf(observer.options));
  }

  /** queryFn: attach, then resolve with the first settled rows (reject with a live error, or the conflict error). */
  fetch<Row>(queryKey: LiveQueryKey, spec: LiveSpec): Promise<readonly Row[]> {
    const query = this.queryClient.getQueryCache().find({ queryKey, exact: true });
    if (query !== undefined && (!this.claim(query, spec) || this.intruder(query) !== undefined)) return Promise.reject(scopeConflict(spec.scope));
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
        if (query !== undefined && this.intruder(query) !== undefined) reject(scopeConflict(spec.scope));
        else if (s.status === 'error') reject(s.error);
        else resolve(s.rows as readonly Row[]);
      };
      unsubscribe = live.subscribe(check);
      if (done) unsubscribe();
    });
  }

  disconnect(): void {
    this.stopListening();
    for (const hash of [...this.entries.keys()]) this.detach(hash);
    this.owners.clear();
    bridges.delete(this.queryClient);
  }

  /** An observer arrived or changed its options: its client must own the scope, then the query goes live. */
  private observe(query: Query, spec: LiveSpec | undefined): void {
    if (spec === undefined) return;
    if (!this.claim(query, spec) || this.intruder(query) !== undefined) this.conflict(query, spec.scope);
    else this.attach(query, spec);
  }

  private observerLeft(query: Query): void {
    if (query.getObserversCount() === 0) return this.release(query);
    // The observer that caused a conflict left: the owner's observers go live again.
    const spec = specOf(query.observers[0]?.options);
    if (spec !== undefined && !this.entries.has(query.queryHash) && this.intruder(query) === undefined) this.attach(query, spec);
  }

  /** Record that `spec.client` holds `spec.scope`; false when another client already does. */
  private claim(query: Query, spec: LiveSpec): boolean {
    const owner = this.owners.get(spec.scope);
    if (owner === undefined) {
      this.owners.set(spec.scope, { client: spec.client, hashes: new Set([query.queryHash]) });
      return true;
    }
    if (owner.client !== spec.client) return false;
    owner.hashes.add(query.queryHash);
    return true;
  }

  /** An observer of `query` whose client does not own its scope. */
  private intruder(query: Query): LiveSpec | undefined {
    for (const observer of query.observers) {
      const spec = specOf(observer.options);
      if (spec !== undefined && this.owners.get(spec.scope)?.client !== spec.client) return spec;
    }
    return undefined;
  }

  /** Never show one client's rows to another: stop the live entry, drop the data, show the error. */
  private conflict(query: Query, scope: string): void {
    this.detach(query.queryHash);
    if (query.state.status === 'error' && (query.state.error as LivebindError | null)?.code === 'LIVE_QUERY_SCOPE_CONFLICT' && query.state.data === undefined) return;
    query.setState({ status: 'error', error: scopeConflict(scope), data: undefined, dataUpdatedAt: 0, fetchStatus: 'idle', errorUpdatedAt: Date.now() });
  }

  /** The query left the cache: stop its subscription; the scope is free once none of its queries is cached. */
  private forget(query: Query): void {
    this.detach(query.queryHash);
    const scope = scopeOf(query);
    const owner = scope === undefined ? undefined : this.owners.get(scope);
    if (owner === undefined || !owner.hashes.delete(query.queryHash) || owner.hashes.size > 0) return;
    this.owners.delete(scope!);
  }

  private attach(query: Query, spec: LiveSpec): Entry {
    const existing = this.entries.get(query.queryHash);
    if (existing !== undefined) {
      clearTimeout(existing.timer);
      existing.timer = undefined;
      return existing;
    }
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
    // A fetch that settled before another client's observer arrived lands now: not for that observer's eyes.
    const intruder = this.intruder(query);
    if (intruder !== undefined) return this.conflict(query, intruder.scope);
    const s = this.entries.get(query.queryHash)?.live.getSnapshot();
    if ((s?.status === 'ready' || s?.status === 'reconnecting') && query.state.data !== s.rows) this.queryClient.setQueryData(query.queryKey, s.rows);
  }

  private release(query: Query): void {
    const entry = this.entries.get(query.queryHash);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    const spec = specOf(query.options);
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
