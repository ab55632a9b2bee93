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
  readonly start: () => void;
  /** The last subscriber left and the grace period passed. */
  readonly stop: () => void;
}

export class LiveSource<T> {
  private value: T;
  private readonly subscribers = new Set<Subscriber<T>>();
  private running = false;
  private completed = false;
  private failure: { error: unknown } | undefined;
  private graceTimer: unknown;
  readonly observable: LiveObservable<T>;

  constructor(private readonly options: LiveSourceOptions<T>) {
    this.value = options.initial;
    const observable = new Observable<T>((subscriber) => this.attach(subscriber));
    const rxSubscribe = observable.subscribe.bind(observable) as (...args: unknown[]) => Subscription;
    Object.assign(observable, {
      subscribe: (...args: unknown[]) => callable(rxSubscribe(...args)),
      getSnapshot: () => this.value,
    });
    this.observable = observable as unknown as LiveObservable<T>;
  }

  get snapshot(): T {
    return this.value;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Publish a new value (no-op when it is the same object). */
  set(value: T): void {
    if (Object.is(value, this.value) || this.completed) return;
    this.value = value;
    const subscribers = this.subscribers;
    if (subscribers.size === 1) {
      // The common case (one hook or one subscribe): no copy of the set per value.
      for (const s of subscribers) {
        s.next(value);
        return;
      }
    }
    // A copy: subscribers added by a `next` callback do not get this value twice (their replay has it).
    for (const s of [...subscribers]) s.next(value);
  }

  /** Terminal error: error every subscriber and stop at once (a rejected changes() subscription). */
  fail(error: unknown): void {
    if (this.completed) return;
    this.completed = true;
    this.failure = { error };
    this.options.timers.clearTimeout(this.graceTimer);
    for (const s of [...this.subscribers]) s.error(error);
    this.subscribers.clear();
    if (this.running) {
      this.running = false;
      this.options.stop();
    }
  }

  /** Complete every subscriber and stop at once (client.close()). */
  complete(): void {
    if (this.completed) return;
    this.completed = true;
    this.options.timers.clearTimeout(this.graceTimer);
    for (const s of [...this.subscribers]) s.complete();
    this.subscribers.clear();
    if (this.running) {
      this.running = false;
      this.options.stop();
    }
  }

  private attach(subscriber: Subscriber<T>): () => void {
    if (this.completed) {
      if (this.options.replay) subscriber.next(this.value);
      if (this.failure) subscriber.error(this.failure.error);
      else subscriber.complete();
      return () => {};
    }
    this.subscribers.add(subscriber);
    this.options.timers.clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (this.options.replay) subscriber.next(this.value);
    if (!this.running) {
      this.running = true;
      this.options.start();
    }
    return () => this.detach(subscriber);
  }

  private detach(subscriber: Subscriber<T>): void {
    if (!this.subscribers.delete(subscriber) || this.subscribers.size > 0 || this.completed) return;
    this.options.timers.clearTimeout(this.graceTimer);
    this.graceTimer = this.options.timers.setTimeout(() => {
      this.graceTimer = undefined;
      if (this.subscribers.size === 0 && this.running) {
        this.running = false;
        this.options.stop();
      }
    }, this.options.graceMs);
  }
}

function callable(subscription: Subscription): Subscription & (() => void) {
  const unsubscribe = (() => subscription.unsubscribe()) as Subscription & (() => void);
  Object.defineProperty(unsubscribe, 'closed', { get: () => subscription.closed });
  unsubscribe.unsubscribe = () => subscription.unsubscribe();
  unsubscribe.add = (teardown) => subscription.add(teardown);
  unsubscribe.remove = (teardown) => subscription.remove(teardown);
  return unsubscribe;
}
