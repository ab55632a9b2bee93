/**
 * Framework-free channel observers the bindings share: finding a client's channel (with the typed
 * error for clients without channels), presence with selector + equality, declarative tracking
 * (desired meta, compared shallowly) and broadcast listening with the latest handler.
 */
import type { ChannelBroadcast, ChannelHandle, ChannelOptions, PresenceSnapshot } from '../channel/types.js';
import { isLivebindError, UnsupportedError, type LivebindError } from '../errors.js';
import type { Store } from '../types.js';
import { SelectObserver } from './SelectObserver.js';
import { shallow } from './shallow.js';

/** The part of a client the channel bindings need. */
export interface ChannelClient {
  channel<M = Record<string, unknown>>(topic: string, options?: ChannelOptions): ChannelHandle<M>;
}

/** The shared handle of `topic`; an UnsupportedError (`UNSUPPORTED`, capability `channel`) naming `caller` when the client has no channels. */
export function channelOf<M>(client: unknown, topic: string, options: ChannelOptions | undefined, caller: string): ChannelHandle<M> {
  const c = client as Partial<ChannelClient> | undefined;
  if (c === undefined || typeof c.channel !== 'function') {
    throw new UnsupportedError(`${caller}() needs a client with channels (presence and broadcast); this client has none (KalamDB has no channels).`, {
      code: 'UNSUPPORTED',
      capability: 'channel',
    });
  }
  return c.channel<M>(topic, options);
}

/** Nobody present yet: what a server render shows. */
export const EMPTY_PRESENCE: PresenceSnapshot<never> = Object.freeze({ synced: false, size: 0, get: () => undefined, members: Object.freeze([]) });

export interface PresenceSelect<M, T> {
  /** Pick what the component needs (default: the whole snapshot). */
  readonly selector?: ((presence: PresenceSnapshot<M>) => T) | undefined;
  /** When the selection did not change (default Object.is; `shallow` for arrays/objects). */
  readonly isEqual?: ((a: T, b: T) => boolean) | undefined;
}

const identity = <T>(x: T): T => x;

/** Presence of a channel through a selector: subscribing joins the channel with presence. */
export function presenceObserver<M, T = PresenceSnapshot<M>>(channel: ChannelHandle<M>, select?: PresenceSelect<M, T>): SelectObserver<PresenceSnapshot<M>, T> {
  return new SelectObserver<PresenceSnapshot<M>, T>(presenceSelectOptions(channel, select));
}

/** The SelectObserver options for `channel`'s presence and `select` (for `setOptions` on re-render). */
export function presenceSelectOptions<M, T>(channel: ChannelHandle<M>, select?: PresenceSelect<M, T>) {
  return {
    source: channel.presence$ as Store<PresenceSnapshot<M>>,
    selector: select?.selector ?? (identity as (p: PresenceSnapshot<M>) => T),
    isEqual: select?.isEqual,
  };
}

/**
 * Declarative presence: `set(meta)` tracks `meta` (a shallow-equal meta is ignored, so an inline
 * object is fine), `set(null)` untracks, `dispose()` untracks. The store holds the last track error
 * (e.g. `PAYLOAD_TOO_LARGE`), else undefined.
 */
export class TrackObserver<M extends Record<string, unknown>> implements Store<LivebindError | undefined> {
  private meta: M | null = null;
  private error: LivebindError | undefined;
  private generation = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly channel: ChannelHandle<M>) {}

  set(meta: M | null): void {
    if (shallow(this.meta, meta)) return;
    this.meta = meta;
    const generation = ++this.generation;
    if (meta === null) {
      this.channel.untrack().catch(() => {});
      return;
    }
    this.channel.track(meta).then(
      () => generation === this.generation && this.setError(undefined),
      (e: unknown) => generation === this.generation && isLivebindError(e) && this.setError(e),
    );
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  readonly getSnapshot = (): LivebindError | undefined => this.error;

  dispose(): void {
    this.generation++;
    this.meta = null;
    this.listeners.clear();
    this.channel.untrack().catch(() => {});
  }

  private setError(error: LivebindError | undefined): void {
    if (error === this.error) return;
    this.error = error;
    for (const listener of [...this.listeners]) listener();
  }
}

/** Calls the latest `handler` for each broadcast of `event` ('*' for all) until the returned function is called. */
export function listenBroadcast(channel: ChannelHandle<unknown>, event: string, handler: () => (message: ChannelBroadcast) => void): () => void {
  const subscription = channel.broadcast$(event).subscribe((message) => handler()(message));
  return () => subscription.unsubscribe();
}
