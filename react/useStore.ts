import { useMemo, useSyncExternalStore } from 'react';
import type { Store } from '../src/types.js';

/**
 * `useSyncExternalStore` over a livebind store. The bound subscribe/getSnapshot pair is built
 * once per store instance (not per render), so React never resubscribes while `store` is the
 * same object. `getServerSnapshot` must return the same value on every call (use a constant or
 * a value created once per component): SSR and hydration render it.
 */
export function useStore<T>(store: Store<T>, getServerSnapshot: () => T): T {
  const bound = useMemo(
    () => ({
      subscribe: (listener: () => void) => store.subscribe(listener),
      getSnapshot: () => store.getSnapshot(),
    }),
    [store],
  );
  return useSyncExternalStore(bound.subscribe, bound.getSnapshot, getServerSnapshot);
}
