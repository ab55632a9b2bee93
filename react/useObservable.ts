import { useMemo, useState, useSyncExternalStore } from 'react';
import type { Observable, Subscription } from 'rxjs';

interface ObservableSnapshot<T> {
  readonly value: T;
  readonly error?: { readonly error: unknown };
}

interface ObservableStore<T> {
  subscribe(listener: () => void): () => void;
  getSnapshot(): ObservableSnapshot<T>;
}

/**
 * A store over any RxJS observable: subscribes to `source` while React has a listener, keeps
 * the last value (or error) between subscriptions. Built once per observable instance.
 */
function observableStore<T>(source: Observable<T>, initial: T): ObservableStore<T> {
  let snapshot: ObservableSnapshot<T> = { value: initial };
  const listeners = new Set<() => void>();
  let subscription: Subscription | undefined;
  const emit = (next: ObservableSnapshot<T>): void => {
    snapshot = next;
    for (const listener of [...listeners]) listener();
  };
  return {
    subscribe(listener) {
      listeners.add(listener);
      if (subscription === undefined) {
        subscription = source.subscribe({
          next: (value) => {
            if (!Object.is(value, snapshot.value) || snapshot.error !== undefined) emit({ value });
          },
          error: (error: unknown) => emit({ value: snapshot.value, error: { error } }),
        });
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && subscription !== undefined) {
          subscription.unsubscribe();
          subscription = undefined;
        }
      };
    },
    getSnapshot: () => snapshot,
  };
}

/**
 * The latest value of any RxJS observable, `initial` until it emits (and during SSR and
 * hydration). An error from the observable is thrown to the nearest error boundary.
 *
 * Pass a stable observable (module constant, `useMemo`, a service field): a new observable
 * instance means a new subscription. React StrictMode's extra mount/unmount is safe: the store
 * belongs to the observable instance, not to the render.
 */
export function useObservable<T>(observable$: Observable<T>, initial: T): T {
  const store = useMemo(() => observableStore(observable$, initial), [observable$]); // eslint-disable-line react-hooks/exhaustive-deps
  const [serverSnapshot] = useState<ObservableSnapshot<T>>(() => ({ value: initial }));
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, () => serverSnapshot);
  if (snapshot.error !== undefined) throw snapshot.error.error;
  return snapshot.value;
}
