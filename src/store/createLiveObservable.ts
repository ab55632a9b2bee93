/**
 * The subscribe base (STYLE §2): a hot, ref-counted value source that is both an RxJS Observable
 * and a store `{ subscribe(listener) → unsubscribe, getSnapshot() }`.
 * - The first subscriber calls `start()`; when the last one leaves, `stop()` runs after `graceMs`
 *   (a resubscribe within the grace period cancels it, so StrictMode remounts cost nothing).
 * - `getSnapshot()` never starts work and returns the same object until `set()` is called.
 * - State-like sources (`replay: true`) hand the current value to each new subscriber;
 *   event-like sources (`changes()`) only deliver new values.
 * `subscribe(fn)` returns an RxJS Subscription that is also callable, so it satisfies both the
 * Observable signature and the store contract (`const unsubscribe = store.subscribe(cb); unsubscribe()`).
 */
import { Observable, Subscription } from 'rxjs';
import type { Subscriber } from 'rxjs';
import type { Timers } from '../connection/timers.js';
import type { LiveObservable } from '../types.js';

export interface LiveSourceOptions<T> {
  readonly initial: T;
  readonly replay: boolean;
  readonly graceMs: number;
  readonly timers: Timers;
  /** First subscriber arrived (or one arrived after a completed stop). */
  readonly start?: () => void;
  /** The last subscriber left and the grace period passed. */
  readonly stop?: () => void;
}

export interface LiveSource<T> {
  readonly observable: LiveObservable<T>;
  /** Publish a new value (no-op when it is the same object). */
  set(value: T): void;
  /** Terminal error: error every subscriber and stop at once (a rejected changes() subscription). */
  fail(error: unknown): void;
  /** Complete every subscriber and stop at once (client.close()). */
  complete(): void;
}

/** A closure rather than a class: local names minify (this sits in every browser bundle). */
export function createLiveSource<T>(options: LiveSourceOptions<T>): LiveSource<T> {
  const { timers, replay } = options;
  let value = options.initial;
  const subscribers = new Set<Subscriber<T>>();
  let running = false;
  let completed = false;
  let failure: { error: unknown } | undefined;
  let graceTimer: unknown;

  const stop = (): void => {
    if (!running) return;
    running = false;
    options.stop?.();
  };
  /** Error (`failure` set) or complete every subscriber, and stop at once. */
  const end = (): void => {
    if (completed) return;
    completed = true;
    timers.clearTimeout(graceTimer);
    for (const s of [...subscribers]) {
      if (failure) s.error(failure.error);
      else s.complete();
    }
    subscribers.clear();
    stop();
  };

  const observable = new Observable<T>((subscriber) => {
    if (completed) {
      if (replay) subscriber.next(value);
      if (failure) subscriber.error(failure.error);
      else subscriber.complete();
      return () => {};
    }
    subscribers.add(subscriber);
    timers.clearTimeout(graceTimer);
    graceTimer = undefined;
    if (replay) subscriber.next(value);
    if (!running) {
      running = true;
      options.start?.();
    }
    return () => {
      if (!subscribers.delete(subscriber) || subscribers.size > 0 || completed) return;
      timers.clearTimeout(graceTimer);
      graceTimer = timers.setTimeout(() => {
        graceTimer = undefined;
        if (subscribers.size === 0) stop();
      }, options.graceMs);
    };
  });
  const rxSubscribe = observable.subscribe.bind(observable) as (...args: unknown[]) => Subscription;
  Object.assign(observable, {
    subscribe: (...args: unknown[]) => callable(rxSubscribe(...args)),
    getSnapshot: () => value,
  });

  return {
    observable: observable as unknown as LiveObservable<T>,
    set(next) {
      if (Object.is(next, value) || completed) return;
      value = next;
      if (subscribers.size === 1) {
        // The common case (one hook or one subscribe): no copy of the set per value.
        for (const s of subscribers) return s.next(next);
      }
      // A copy: subscribers added by a `next` callback do not get this value twice (their replay has it).
      for (const s of [...subscribers]) s.next(next);
    },
    fail(error) {
      if (completed) return;
      failure = { error };
      end();
    },
    complete: end,
  };
}

function callable(subscription: Subscription): Subscription & (() => void) {
  const unsubscribe = (() => subscription.unsubscribe()) as Subscription & (() => void);
  Object.defineProperty(unsubscribe, 'closed', { get: () => subscription.closed });
  unsubscribe.unsubscribe = () => subscription.unsubscribe();
  unsubscribe.add = (teardown) => subscription.add(teardown);
  unsubscribe.remove = (teardown) => subscription.remove(teardown);
  return unsubscribe;
}
