import { useMemo, useState, useSyncExternalStore } from 'react';
import { SelectObserver } from '../src/observer/SelectObserver.js';
import type { Store } from '../src/types.js';

/**
 * `useSyncExternalStoreWithSelector` over the core's SelectObserver: the component re-renders only
 * when `isEqual(previous, next)` is false for the selected value. Inline selectors are fine (the
 * observer keeps the previous selection while it is equal). One observer per store instance.
 */
export function useSelectedStore<S, T>(store: Store<S>, getServerSnapshot: () => S, selector: (snapshot: S) => T, isEqual: (a: T, b: T) => boolean): T {
  const observer = useMemo(() => new SelectObserver<S, T>({ source: store, selector, isEqual }), [store]); // eslint-disable-line react-hooks/exhaustive-deps
  const [server] = useState(() => new SelectObserver<S, T>({ source: { subscribe: () => () => {}, getSnapshot: getServerSnapshot }, selector, isEqual }));
  // Swapping the functions is pure (no notification): fine during render.
  observer.setOptions({ source: store, selector, isEqual });
  return useSyncExternalStore(observer.subscribe, observer.getSnapshot, server.getSnapshot);
}
