import type { LiveRows, Store } from '../src/types.js';

/**
 * Keeps a suspended live query's store subscribed from the moment a component suspends on it
 * until that component commits and subscribes itself (`release`), so the server subscription
 * survives React's retry render in between. One instance per <LiveProvider> (no module state);
 * keyed by the client's shared observable, which liveRows() returns again for the same arguments.
 */
export interface SuspenseHolds {
  /** A promise (the same one while pending) that resolves when `live` leaves `loading`. */
  hold(live: Store<LiveRows<unknown>>): Promise<void>;
  /** The component that suspended on `live` committed: drop the hold. */
  release(live: Store<LiveRows<unknown>>): void;
}

interface Hold {
  readonly promise: Promise<void>;
  unsubscribe(): void;
}

/**
 * `abandonMs`: how long a settled hold waits for its component to commit before it lets go
 * (a suspended tree React threw away never commits).
 */
export function createSuspenseHolds(abandonMs: number): SuspenseHolds {
  const holds = new WeakMap<object, Hold>();
  const drop = (live: object): void => {
    const h = holds.get(live);
    if (h === undefined) return;
    holds.delete(live);
    h.unsubscribe();
  };
  return {
    hold(live) {
      const existing = holds.get(live);
      if (existing !== undefined) return existing.promise;
      const h = holdUntilSettled(live, abandonMs, () => {
        if (holds.get(live) === h) drop(live);
      });
      holds.set(live, h);
      return h.promise;
    },
    release: drop,
  };
}

/** Subscribe to `live`; resolve when it leaves `loading`; let go `abandonMs` after that at the latest. */
export function holdUntilSettled(live: Store<LiveRows<unknown>>, abandonMs: number, onAbandon: () => void): Hold {
  let unsubscribe: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done = false;
  const promise = new Promise<void>((resolve) => {
    const check = (): void => {
      if (done || live.getSnapshot().status === 'loading') return;
      done = true;
      resolve();
      timer = setTimeout(onAbandon, abandonMs);
    };
    unsubscribe = live.subscribe(check);
    check();
  });
  return {
    promise,
    unsubscribe() {
      clearTimeout(timer);
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
