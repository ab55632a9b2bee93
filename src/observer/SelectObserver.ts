/**
 * A selected view of a store (Liveblocks `useOthers(selector, isEqual)`, zustand `shallow`): the
 * snapshot is `selector(source.getSnapshot())`, kept as the SAME value while `isEqual(previous, next)`
 * holds, and listeners hear only about selections that changed. Framework-free: React's
 * usePresence and the Vue/Svelte/Solid presence bindings materialize it.
 *
 * `setOptions` only swaps the functions (no notification, no subscription change unless the source
 * changed), so a binding may call it on every render with inline selectors.
 */
import type { Store } from '../types.js';

export interface SelectOptions<S, T> {
  readonly source: Store<S>;
  readonly selector: (snapshot: S) => T;
  /** Default Object.is; `shallow` for arrays and plain objects. */
  readonly isEqual?: ((a: T, b: T) => boolean) | undefined;
}

export class SelectObserver<S, T> implements Store<T> {
  private source: Store<S>;
  private selector: (snapshot: S) => T;
  private isEqual: (a: T, b: T) => boolean;
  private last: { snapshot: S; selector: (snapshot: S) => T; value: T } | undefined;
  private readonly listeners = new Set<() => void>();
  private unsubscribeSource: (() => void) | undefined;

  constructor(options: SelectOptions<S, T>) {
    this.source = options.source;
    this.selector = options.selector;
    this.isEqual = options.isEqual ?? Object.is;
  }

  setOptions(options: SelectOptions<S, T>): void {
    this.selector = options.selector;
    this.isEqual = options.isEqual ?? Object.is;
    if (options.source === this.source) return;
    this.source = options.source;
    if (this.unsubscribeSource !== undefined) {
      const previous = this.unsubscribeSource;
      this.unsubscribeSource = this.source.subscribe(this.onChange);
      previous();
      this.onChange();
    }
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (this.unsubscribeSource === undefined) {
      this.getSnapshot();
      this.unsubscribeSource = this.source.subscribe(this.onChange);
    }
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      this.unsubscribeSource?.();
      this.unsubscribeSource = undefined;
    };
  };

  readonly getSnapshot = (): T => {
    const snapshot = this.source.getSnapshot();
    const last = this.last;
    if (last !== undefined && Object.is(last.snapshot, snapshot) && last.selector === this.selector) return last.value;
    const next = this.selector(snapshot);
    const value = last !== undefined && this.isEqual(last.value, next) ? last.value : next;
    this.last = { snapshot, selector: this.selector, value };
    return value;
  };

  dispose(): void {
    this.listeners.clear();
    this.unsubscribeSource?.();
    this.unsubscribeSource = undefined;
  }

  private readonly onChange = (): void => {
    const before = this.last?.value;
    const had = this.last !== undefined;
    const value = this.getSnapshot();
    if (had && Object.is(before, value)) return;
    for (const listener of [...this.listeners]) listener();
  };
}
