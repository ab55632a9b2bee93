import { useSyncExternalStore } from 'react';

const noSubscription = (): (() => void) => () => undefined;

/**
 * True while React renders on the server (and in the hydration render of server HTML), false in
 * every client render. Uses `useSyncExternalStore`'s server snapshot, so it needs no global check
 * (`typeof window` is true under jsdom and wrong in workers).
 */
export function useIsServerRender(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => false,
    () => true,
  );
}
