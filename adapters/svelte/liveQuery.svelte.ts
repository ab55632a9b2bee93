/**
 * livebind/svelte (Svelte 5): objects whose getters (`current`, `rows`, `status`, …) stay reactive
 * through `createSubscriber`; the server subscription lives while some effect reads them. Call
 * these in a component's script (they use `$effect.pre` for reactive params and `getContext` for
 * the client). Destructuring (`const { rows } = liveQuery(…)`) reads once and loses reactivity:
 * read `q.rows` where you need it. Every store here is also a Svelte store (`$store` works).
 *
 * Server rendering (`render` from svelte/server; this module compiled with `generate: 'server'`,
 * as vite-plugin-svelte does for SSR): every binding returns the server snapshot (`initialData` or
 * empty `loading` rows, nobody present, socket and channel `idle`), for getters and `$store` alike,
 * and subscribes to nothing, so a server render opens no socket, joins no channel and leaves
 * nothing behind. In the browser (hydration included) they subscribe as usual.
 */
import { getContext, setContext } from 'svelte';
import { createSubscriber } from 'svelte/reactivity';
import { channelOf, createLiveQueryObserver, EMPTY_PRESENCE, listenBroadcast, presenceObserver, SERVER_CHANNEL_STATE, SERVER_CONNECTION_STATE, TrackObserver, UsageError } from '../../src/index.js';
import type { ChannelClient, LiveQueryObserverOptions, LiveQueryResult, PresenceSelect } from '../../src/index.js';
import type { ChannelBroadcast, ChannelOptions, ChannelState, PresenceSnapshot, SendOptions, SendReceipt } from '../../src/channel/types.js';
import type { ConnectionState, LivebindClient, SqlParam, Store } from '../../src/types.js';
import type { LivebindError } from '../../src/errors.js';

/**
 * True when this module was compiled for the server. Svelte's server output drops `$effect.root`
 * (effects never run on the server) while the browser runs its function at once, so the module
 * compiled for the render at hand answers: no bundler flag, no `window` check (jsdom fools it), no
 * extra dependency.
 */
export const SERVER_RENDER: boolean = (() => {
  let server = true;
  $effect.root(() => {
    server = false;
  })();
  return server;
})();

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

/**
 * `{ current }` following `store` while some effect reads it. On the server: `getServerSnapshot()`
 * (default: the store's current snapshot), and `subscribe(run)` runs once without subscribing.
 */
export function fromStore<T>(store: Store<T>, getServerSnapshot: () => T = () => store.getSnapshot()): Reactive<T> {
  if (SERVER_RENDER) {
    return {
      get current() {
        return getServerSnapshot();
      },
      subscribe(run) {
        run(getServerSnapshot());
        return () => {};
      },
    };
  }
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
  const r = fromStore(observer, observer.getServerSnapshot);
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
  return fromStore(clientOf(options?.client, 'connectionState').status$, () => SERVER_CONNECTION_STATE);
}

export interface ChannelBindingOptions extends ClientOption {
  readonly channel?: ChannelOptions | undefined;
}

const handle = <M>(topic: string, options: ChannelBindingOptions | undefined, name: string) =>
  channelOf<M>(clientOf(options?.client, name) as unknown as ChannelClient, topic, options?.channel, name);

/** Presence of `topic` through an optional selector (`current` changes only when the selection does). */
export function presence<M = Record<string, unknown>, T = PresenceSnapshot<M>>(topic: string, options?: ChannelBindingOptions & PresenceSelect<M, T>): Reactive<T> {
  const observer = presenceObserver<M, T>(handle<M>(topic, options, 'presence'), options);
  let server: { value: T } | undefined; // the selection of nobody present, made on first need (the server render)
  return fromStore(observer, () => (server ??= { value: options?.selector === undefined ? (EMPTY_PRESENCE as T) : options.selector(EMPTY_PRESENCE) }).value);
}

/** Track `meta()` (null untracks) on `topic` while the component lives; `current` is the last track error. */
export function track<M extends Record<string, unknown>>(topic: string, meta: () => M | null, options?: ChannelBindingOptions): Reactive<LivebindError | undefined> {
  const tracker = new TrackObserver<M>(handle<M>(topic, options, 'track'));
  // On the server the effects below compile away: nothing is tracked.
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
  return fromStore(handle(topic, options, 'channelState').status$, () => SERVER_CHANNEL_STATE);
}
