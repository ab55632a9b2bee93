import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { Store } from '../src/types.js';

/**
 * `useSyncExternalStoreWithSelector` without the extra package: the component re-renders only when
 * `isEqual(previous, next)` is false for the selected value. The last rendered selection is kept
 * across renders, so an inline selector (a new function each render) costs no extra render.
 */
export function useSelectedStore<S, T>(store: Store<S>, getServerSnapshot: () => S, selector: (snapshot: S) => T, isEqual: (a: T, b: T) => boolean): T {
  const rendered = useRef<{ has: boolean; value: T | undefined }>({ has: false, value: undefined });
  const subscribe = useMemo(() => (listener: () => void) => store.subscribe(listener), [store]);
  const [getSelection, getServerSelection] = useMemo(() => {
    const memoized = (read: () => S): (() => T) => {
      let has = false;
      let snapshot: S;
      let selection: T;
      return () => {
        const next = read();
        if (has && Object.is(snapshot, next)) return selection;
        const nextSelection = selector(next);
        has = true;
        snapshot = next;
        const previous = rendered.current;
        selection = previous.has && isEqual(previous.value as T, nextSelection) ? (previous.value as T) : nextSelection;
        return selection;
      };
    };
    return [memoized(() => store.getSnapshot()), memoized(getServerSnapshot)];
  }, [store, getServerSnapshot, selector, isEqual]);
  const value = useSyncExternalStore(subscribe, getSelection, getServerSelection);
  useEffect(() => {
    rendered.current = { has: true, value };
  });
  return value;
}
