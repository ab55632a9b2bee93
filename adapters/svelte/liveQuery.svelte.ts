/**
 * livebind/svelte (Svelte 5): objects whose getters (`current`, `rows`, `status`, …) stay reactive
 * through `createSubscriber`; the server subscription lives while some effect reads them. Call
 * these in a component's script (they use `$effect.pre` for reactive params and `getContext` for
 * the client). Destructuring (`const { rows } = liveQuery(…)`) reads once and loses reactivity:
 * read `q.rows` where you need it. Every store here is also a Svelte store (`$store` works).
 */
import { getContext, setContext } from 'svelte';
import { createSubscriber } from 'svelte/reactivity';
import { channelOf, createLiveQueryObserver, listenBroadcast, presenceObserver, TrackObserver, UsageError } from '../../src/index.js';
import type { ChannelClient, LiveQueryObserverOptions, LiveQueryResult, PresenceSelect } from '../../src/index.js';
import type { ChannelBroadcast, ChannelOptions, ChannelState, PresenceSnapshot, SendOptions, SendReceipt } from '../../src/channel/types.js';
import type { ConnectionState, LivebindClient, SqlParam, Store } from '../../src/types.js';

const KEY = Symbol.for('livebind client');

/** Make `client` the default for every binding in this component's subtree. */
export function setLivebindClient(client: LivebindClient): void {
  setContext(KEY, client);
}

export interface ClientOption {
  readonly client?: LivebindClient | undefined;
}

function clientOf(client: LivebindClient | undefined, name: string): LivebindClient {
  const resolved = client ?? getContext<LivebindClient | undefined>(KEY);
  if (resolved === undefined) throw new UsageError(`${name}() found no livebind client: call setLivebindClient(client) in a parent component, or pass { client }.`, { code: 'NO_CLIENT' });
  return resolved;
}

/** `{ current }` over any store, plus the Svelte store contract (`subscribe(run)`) for `$store`. */
export interface Reactive<T> {
  readonly current: T;
  subscribe(run: (value: T) => void): () => void;
}

export function fromStore<T>(store: Store<T>): Reactive<T> {
  const track = createSubscriber((update) => store.subscribe(update));
  return {
    get current() {
      track();
      return store.getSnapshot();
    },
    subscribe(run) {
      run(store.getSnapshot());
      return store.subscribe(() => run(store.getSnapshot()));
    },
  };
}

export interface LiveQueryOptions<Row> extends LiveQueryObserverOptions<Row>, ClientOption {}

export interface LiveQuery<Row> extends Reactive<LiveQueryResult<Row>>, Omit<LiveQueryResult<Row>, 'snapshot'> {
  readonly snapshot: LiveQueryResult<Row>['snapshot'];
}

/** Live rows of `sql`; `sql`/`params` may be getters (`() => [room]`), followed with `$effect.pre`. */
export function liveQuery<Row = Record<string, unknown>>(sql: string | (() => string), params?: () => readonly SqlParam[] | undefined, options?: LiveQueryOptions<Row>): LiveQuery<Row> {
  const client = clientOf(options?.client, 'liveQuery');
  const input = () => ({ client, sql: typeof sql === 'function' ? sql() : sql, params: params?.(), options });
  const observer = createLiveQueryObserver<Row>(input());
  if (typeof sql === 'function' || params !== undefined) $effect.pre(() => observer.setOptions(input()));
  const r = fromStore(observer);
  return {
    get current() { return r.current; },
    subscribe: r.subscribe,
    get rows() { return r.current.rows; },
    get byKey() { return r.current.byKey; },
    get status() { return r.current.status; },
    get error() { return r.current.error; },
    get isLoading() { return r.current.isLoading; },
    get isPlaceholder() { return r.current.isPlaceholder; },
    get snapshot() { return r.current.snapshot; },
  };
}

/** State of the client's one shared socket. */
export function connectionState(options?: ClientOption): Reactive<ConnectionState> {
  return fromStore(clientOf(options?.client, 'connectionState').status$);
}

export interface ChannelBindingOptions extends ClientOption {
  readonly channel?: ChannelOptions | undefined;
}

const handle = <M>(topic: string, options: ChannelBindingOptions | undefined, name: string) =>
  channelOf<M>(clientOf(options?.client, name) as unknown as ChannelClient, topic, options?.channel, name);

/** Presence of `topic` through an optional selector (`current` changes only when the selection does). */
export function presence<M = Record<string, unknown>, T = PresenceSnapshot<M>>(topic: string, options?: ChannelBindingOptions & PresenceSelect<M, T>): Reactive<T> {
  return fromStore(presenceObserver<M, T>(handle<M>(topic, options, 'presence'), options));
}

/** Track `meta()` (null untracks) on `topic` while the component lives; `current` is the last track error. */
export function track<M extends Record<string, unknown>>(topic: string, meta: () => M | null, options?: ChannelBindingOptions) {
  const tracker = new TrackObserver<M>(handle<M>(topic, options, 'track'));
  $effect.pre(() => tracker.set(meta()));
  $effect(() => () => tracker.dispose());
  return fromStore(tracker);
}

/** Calls `handler` for each broadcast of `event` ('*' for all) while the component lives. */
export function onBroadcast(topic: string, event: string, handler: (message: ChannelBroadcast) => void, options?: ChannelBindingOptions): void {
  const channel = handle(topic, options, 'onBroadcast');
  $effect(() => listenBroadcast(channel, event, () => handler));
}

/** `send(event, payload, options)` on `topic`; keeps the channel joined while the component lives. */
export function sender(topic: string, options?: ChannelBindingOptions): (event: string, payload: unknown, sendOptions?: SendOptions) => Promise<SendReceipt> {
  const channel = handle(topic, options, 'sender');
  $effect(() => {
    const subscription = channel.status$.subscribe(() => {});
    return () => subscription.unsubscribe();
  });
  return (event, payload, sendOptions) => channel.send(event, payload, sendOptions);
}

/** The channel's state; reading `current` keeps the channel joined. */
export function channelState(topic: string, options?: ChannelBindingOptions): Reactive<ChannelState> {
  return fromStore(handle(topic, options, 'channelState').status$);
}
