/**
 * livebind/vue: composables over the core observers. Rows live in a `shallowRef` (no deep
 * reactivity over rows; unchanged rows keep identity), params may be refs or getters, everything
 * is released on `onScopeDispose`. The client comes from the `client` option or `provideLivebind`.
 *
 * Server rendering: while `vue/server-renderer` renders a component, the composables return the
 * server snapshot (`initialData` or empty `loading` rows, nobody present, socket and channel
 * `idle`) and subscribe to nothing, so a server render opens no socket, joins no channel and leaves
 * nothing behind (Vue runs no unmount or scope cleanup for server-rendered components). In the
 * browser they subscribe at once; while hydrating, the first render shows the server snapshot
 * (so it matches the server HTML) and the live value follows once mounted, as React does.
 */
import { getCurrentInstance, hasInjectionContext, inject, onMounted, onScopeDispose, provide, shallowRef, ssrContextKey, toValue, watch, type App, type InjectionKey, type MaybeRefOrGetter, type ShallowRef } from 'vue';
import { channelOf, createLiveQueryObserver, EMPTY_PRESENCE, listenBroadcast, presenceObserver, SERVER_CHANNEL_STATE, SERVER_CONNECTION_STATE, TrackObserver, UsageError } from '../../src/index.js';
import type { ChannelClient, LiveQueryObserverOptions, LiveQueryResult, PresenceSelect } from '../../src/index.js';
import type { LivebindError } from '../../src/errors.js';
import type { ChannelBroadcast, ChannelOptions, ChannelState, PresenceSnapshot, SendOptions, SendReceipt } from '../../src/channel/types.js';
import type { ConnectionState, LivebindClient, SqlParam, Store } from '../../src/types.js';

export const LIVEBIND_CLIENT: InjectionKey<LivebindClient> = Symbol('livebind client');

/** Make `client` the default for every composable below this component (or `app.use(livebind(client))`). */
export function provideLivebind(client: LivebindClient): void {
  provide(LIVEBIND_CLIENT, client);
}

/** A Vue plugin: `app.use(livebind(client))`. */
export const livebind = (client: LivebindClient) => ({ install: (app: App) => void app.provide(LIVEBIND_CLIENT, client) });

export interface ClientOption {
  readonly client?: LivebindClient | undefined;
}

function useClient(client: LivebindClient | undefined, name: string): LivebindClient {
  const resolved = client ?? inject(LIVEBIND_CLIENT, undefined);
  if (resolved === undefined) {
    throw new UsageError(`${name}() found no livebind client: call provideLivebind(client) (or app.use(livebind(client))) in a parent, or pass { client }.`, { code: 'NO_CLIENT' });
  }
  return resolved;
}

/**
 * True while `vue/server-renderer` renders the current component: it provides its SSR context (what
 * `useSSRContext()` returns) to the app it renders, and a browser app (hydrating or not) has none.
 * Needs no bundler flag (`import.meta.env.SSR`) and no `window` check (jsdom and workers fool those).
 */
export function isServerRender(): boolean {
  return hasInjectionContext() && inject(ssrContextKey, null) !== null;
}

/**
 * True while Vue hydrates server HTML into the current component: hydration hands the component's
 * vnode its existing DOM node before setup runs, a fresh mount has none yet.
 */
function isHydrating(): boolean {
  const instance = getCurrentInstance();
  return instance !== null && instance.vnode.el != null;
}

/**
 * A shallowRef that follows a store while the current effect scope lives. In a server render it
 * holds `getServerSnapshot()` (default: the store's current snapshot) and subscribes to nothing.
 * While hydrating it also starts from `getServerSnapshot()` (what the server rendered, so the DOM
 * matches) and switches to the store's snapshot once mounted; the subscription starts at once.
 */
export function useStore<T>(store: Store<T>, getServerSnapshot?: () => T): Readonly<ShallowRef<T>> {
  const server = (): T => (getServerSnapshot === undefined ? store.getSnapshot() : getServerSnapshot());
  if (isServerRender()) return shallowRef(server());
  const hydrating = isHydrating();
  let live = !hydrating;
  const state = shallowRef(hydrating ? server() : store.getSnapshot());
  const unsubscribe = store.subscribe(() => {
    if (live) state.value = store.getSnapshot();
  });
  if (hydrating) {
    onMounted(() => {
      live = true;
      state.value = store.getSnapshot();
    });
  } else state.value = store.getSnapshot();
  onScopeDispose(unsubscribe);
  return state;
}

export interface UseLiveQueryOptions<Row> extends LiveQueryObserverOptions<Row>, ClientOption {}

/**
 * Live rows of `sql`: `result.value` is the core's LiveQueryResult (rows, status, error, isLoading,
 * isPlaceholder, snapshot), a new object per revision. `sql` and `params` may be refs or getters.
 */
export function useLiveQuery<Row = Record<string, unknown>>(
  sql: MaybeRefOrGetter<string>,
  params?: MaybeRefOrGetter<readonly SqlParam[] | undefined>,
  options?: UseLiveQueryOptions<Row>,
): Readonly<ShallowRef<LiveQueryResult<Row>>> {
  const client = useClient(options?.client, 'useLiveQuery');
  const input = () => ({ client, sql: toValue(sql), params: toValue(params), options });
  const observer = createLiveQueryObserver<Row>(input());
  if (isServerRender()) return shallowRef(observer.getServerSnapshot());
  const result = useStore(observer, observer.getServerSnapshot);
  watch(input, (next) => observer.setOptions(next));
  onScopeDispose(() => observer.dispose());
  return result;
}

/** State of the client's one shared socket. */
export function useConnectionState(options?: ClientOption): Readonly<ShallowRef<ConnectionState>> {
  return useStore(useClient(options?.client, 'useConnectionState').status$, () => SERVER_CONNECTION_STATE);
}

export interface ChannelComposableOptions extends ClientOption {
  readonly channel?: ChannelOptions | undefined;
}

function useChannelHandle<M>(topic: string, options: ChannelComposableOptions | undefined, name: string) {
  return channelOf<M>(useClient(options?.client, name) as unknown as ChannelClient, topic, options?.channel, name);
}

/** Presence of `topic` through an optional selector; the ref changes only when the selection does. */
export function usePresence<M = Record<string, unknown>, T = PresenceSnapshot<M>>(
  topic: string,
  options?: ChannelComposableOptions & PresenceSelect<M, T>,
): Readonly<ShallowRef<T>> {
  const observer = presenceObserver<M, T>(useChannelHandle<M>(topic, options, 'usePresence'), options);
  let server: { value: T } | undefined; // the selection of nobody present, made on first need
  const serverPresence = (): T => (server ??= { value: options?.selector === undefined ? (EMPTY_PRESENCE as T) : options.selector(EMPTY_PRESENCE) }).value;
  if (isServerRender()) return shallowRef(serverPresence());
  onScopeDispose(() => observer.dispose());
  return useStore(observer, serverPresence);
}

/** Track `meta` (a ref or getter; null untracks) on `topic` while the scope lives. Returns the last track error. */
export function useTrack<M extends Record<string, unknown>>(topic: string, meta: MaybeRefOrGetter<M | null>, options?: ChannelComposableOptions): Readonly<ShallowRef<LivebindError | undefined>> {
  const channel = useChannelHandle<M>(topic, options, 'useTrack');
  if (isServerRender()) return shallowRef(undefined);
  const tracker = new TrackObserver<M>(channel);
  watch(() => toValue(meta), (m) => tracker.set(m), { immediate: true, deep: true });
  const error = useStore(tracker);
  onScopeDispose(() => tracker.dispose());
  return error;
}

/** Calls `handler` for each broadcast of `event` ('*' for all) on `topic` while the scope lives. */
export function useBroadcast(topic: string, event: string, handler: (message: ChannelBroadcast) => void, options?: ChannelComposableOptions): void {
  const channel = useChannelHandle(topic, options, 'useBroadcast');
  if (isServerRender()) return;
  onScopeDispose(listenBroadcast(channel, event, () => handler));
}

/** `send(event, payload, options)` on `topic`; keeps the channel joined while the scope lives. */
export function useSend(topic: string, options?: ChannelComposableOptions): (event: string, payload: unknown, sendOptions?: SendOptions) => Promise<SendReceipt> {
  const channel = useChannelHandle(topic, options, 'useSend');
  const send = (event: string, payload: unknown, sendOptions?: SendOptions) => channel.send(event, payload, sendOptions);
  if (isServerRender()) return send;
  const subscription = channel.status$.subscribe(() => {});
  onScopeDispose(() => subscription.unsubscribe());
  return send;
}

/** The channel's state (`idle`, `joining`, `joined`, `errored`, `closed`); keeps it joined while the scope lives. */
export function useChannelState(topic: string, options?: ChannelComposableOptions): Readonly<ShallowRef<ChannelState>> {
  return useStore(useChannelHandle(topic, options, 'useChannelState').status$, () => SERVER_CHANNEL_STATE);
}
