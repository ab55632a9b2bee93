/**
 * livebind/solid: primitives over the core observers. `createLiveQuery` keeps rows in a store
 * reconciled by key, so an unchanged row keeps its proxy and a changed row updates only the fields
 * that changed (fine-grained: one row's `<For>` item reacts). Params are accessors; everything is
 * released with `onCleanup`. The client comes from the `client` option or `<LivebindProvider>`.
 *
 * Server rendering: with Solid's server build (`isServer` from solid-js/web, chosen by the `node`,
 * `worker` or `deno` export condition) every primitive returns the server snapshot (`initialData`
 * or empty `loading` rows, nobody present, socket and channel `idle`) and subscribes to nothing, so
 * `renderToString` opens no socket, joins no channel and leaves nothing behind. The browser build
 * (hydration included) subscribes as usual.
 */
import { batch, createComponent, createContext, createRenderEffect, createSignal, onCleanup, useContext, type Accessor, type JSX } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { isServer } from 'solid-js/web';
import { channelOf, createLiveQueryObserver, EMPTY_PRESENCE, listenBroadcast, presenceObserver, SERVER_CHANNEL_STATE, SERVER_CONNECTION_STATE, TrackObserver, UsageError } from '../../src/index.js';
import type { ChannelClient, LiveQueryObserverOptions, LiveQueryResult, PresenceSelect } from '../../src/index.js';
import type { ChannelBroadcast, ChannelOptions, ChannelState, PresenceSnapshot, SendOptions, SendReceipt } from '../../src/channel/types.js';
import type { ConnectionState, LivebindClient, LiveStatus, SqlParam, Store } from '../../src/types.js';
import type { LivebindError } from '../../src/errors.js';

const LivebindContext = createContext<LivebindClient>();

/** Makes `client` the default for every primitive below it. */
export function LivebindProvider(props: { client: LivebindClient; children?: JSX.Element }): JSX.Element {
  return createComponent(LivebindContext.Provider, { get value() { return props.client; }, get children() { return props.children; } });
}

export interface ClientOption {
  readonly client?: LivebindClient | undefined;
}

function clientOf(client: LivebindClient | undefined, name: string): LivebindClient {
  const resolved = client ?? useContext(LivebindContext);
  if (resolved === undefined) throw new UsageError(`${name}() found no livebind client: wrap it in <LivebindProvider client={…}>, or pass { client }.`, { code: 'NO_CLIENT' });
  return resolved;
}

/** An accessor that follows a store until the owner is cleaned up. On the server: `getServerSnapshot()` (default: the store's current snapshot), no subscription. */
export function fromStore<T>(store: Store<T>, getServerSnapshot?: () => T): Accessor<T> {
  if (isServer) {
    const server = getServerSnapshot === undefined ? store.getSnapshot() : getServerSnapshot();
    return () => server;
  }
  const [value, setValue] = createSignal(store.getSnapshot(), { equals: false });
  const unsubscribe = store.subscribe(() => setValue(() => store.getSnapshot()));
  setValue(() => store.getSnapshot());
  onCleanup(unsubscribe);
  return value;
}

export interface CreateLiveQueryOptions<Row> extends LiveQueryObserverOptions<Row>, ClientOption {}

export interface LiveQueryState<Row> {
  readonly rows: Row[];
  readonly status: LiveStatus;
  readonly error: LivebindError | undefined;
  readonly isLoading: boolean;
  readonly isPlaceholder: boolean;
}

type Keyed = Record<string, unknown>;

/** Live rows of `sql` as a store; `sql` and `params` may be accessors. `result()` is the core's LiveQueryResult. */
export function createLiveQuery<Row extends object = Keyed>(
  sql: string | Accessor<string>,
  params?: Accessor<readonly SqlParam[] | undefined>,
  options?: CreateLiveQueryOptions<Row>,
): LiveQueryState<Row> & { readonly result: Accessor<LiveQueryResult<Row>> } {
  const client = clientOf(options?.client, 'createLiveQuery');
  const input = () => ({ client, sql: typeof sql === 'function' ? sql() : sql, params: params?.(), options });
  const observer = createLiveQueryObserver<Row>(input());
  if (isServer) {
    const server = observer.getServerSnapshot();
    const { status, error, isLoading, isPlaceholder } = server;
    return { rows: server.rows as Row[], status, error, isLoading, isPlaceholder, result: () => server };
  }
  createRenderEffect(() => observer.setOptions(input()));
  const result = fromStore(observer);
  const [state, setState] = createStore<LiveQueryState<Row>>({ rows: [], status: 'loading', error: undefined, isLoading: true, isPlaceholder: false });
  // reconcile writes changed fields into the store's row objects: give it copies (made once per
  // row version), never livebind's shared immutable rows.
  const copies = new WeakMap<object, Row>();
  const copy = (row: Row): Row => {
    let c = copies.get(row);
    if (c === undefined) copies.set(row, (c = { ...row }));
    return c;
  };
  const keyField = typeof options?.key === 'string' ? options.key : 'id';
  const set = setState as (...path: unknown[]) => void;
  let previous: readonly Row[] = [];
  createRenderEffect(() => {
    const r = result();
    setState({ status: r.status, error: r.error, isLoading: r.isLoading, isPlaceholder: r.isPlaceholder });
    const rows = r.rows;
    // Fast path: same length and keys in place (livebind keeps unchanged rows' identity), so only
    // the rows whose object changed are reconciled. Anything else: reconcile the list by key.
    const changed: number[] = [];
    let inPlace = rows.length === previous.length;
    for (let i = 0; inPlace && i < rows.length; i++) {
      if (rows[i] === previous[i]) continue;
      if ((rows[i] as Keyed)[keyField] !== (previous[i] as Keyed)[keyField]) inPlace = false;
      else changed.push(i);
    }
    batch(() => {
      if (inPlace) for (const i of changed) set('rows', i, reconcile(copy(rows[i]!), { merge: true }));
      else set('rows', reconcile(rows.map(copy), { key: keyField, merge: true }));
    });
    previous = rows;
  });
  onCleanup(() => observer.dispose());
  return Object.defineProperty(state, 'result', { value: result }) as LiveQueryState<Row> & { readonly result: Accessor<LiveQueryResult<Row>> };
}

/** State of the client's one shared socket. */
export function createConnectionState(options?: ClientOption): Accessor<ConnectionState> {
  return fromStore(clientOf(options?.client, 'createConnectionState').status$, () => SERVER_CONNECTION_STATE);
}

export interface ChannelPrimitiveOptions extends ClientOption {
  readonly channel?: ChannelOptions | undefined;
}

const handle = <M>(topic: string, options: ChannelPrimitiveOptions | undefined, name: string) =>
  channelOf<M>(clientOf(options?.client, name) as unknown as ChannelClient, topic, options?.channel, name);

/** Presence of `topic` through an optional selector (the accessor changes only when the selection does). */
export function createPresence<M = Record<string, unknown>, T = PresenceSnapshot<M>>(topic: string, options?: ChannelPrimitiveOptions & PresenceSelect<M, T>): Accessor<T> {
  const observer = presenceObserver<M, T>(handle<M>(topic, options, 'createPresence'), options);
  return fromStore(observer, () => (options?.selector === undefined ? (EMPTY_PRESENCE as T) : options.selector(EMPTY_PRESENCE)));
}

/** Track `meta()` (null untracks) on `topic` until cleanup; the accessor is the last track error. */
export function createTrack<M extends Record<string, unknown>>(topic: string, meta: Accessor<M | null>, options?: ChannelPrimitiveOptions): Accessor<LivebindError | undefined> {
  const channel = handle<M>(topic, options, 'createTrack');
  if (isServer) return () => undefined;
  const tracker = new TrackObserver<M>(channel);
  createRenderEffect(() => tracker.set(meta()));
  onCleanup(() => tracker.dispose());
  return fromStore(tracker);
}

/** Calls `handler` for each broadcast of `event` ('*' for all) on `topic` until cleanup. */
export function createBroadcast(topic: string, event: string, handler: (message: ChannelBroadcast) => void, options?: ChannelPrimitiveOptions): void {
  const channel = handle(topic, options, 'createBroadcast');
  if (isServer) return;
  onCleanup(listenBroadcast(channel, event, () => handler));
}

/** `send(event, payload, options)` on `topic`; keeps the channel joined until cleanup. */
export function createSend(topic: string, options?: ChannelPrimitiveOptions): (event: string, payload: unknown, sendOptions?: SendOptions) => Promise<SendReceipt> {
  const channel = handle(topic, options, 'createSend');
  const send = (event: string, payload: unknown, sendOptions?: SendOptions) => channel.send(event, payload, sendOptions);
  if (isServer) return send;
  const subscription = channel.status$.subscribe(() => {});
  onCleanup(() => subscription.unsubscribe());
  return send;
}

/** The channel's state; keeps the channel joined until cleanup. */
export function createChannelState(topic: string, options?: ChannelPrimitiveOptions): Accessor<ChannelState> {
  return fromStore(handle(topic, options, 'createChannelState').status$, () => SERVER_CHANNEL_STATE);
}
