import type { PresenceSnapshot } from '../src/channel/types.js';
import { useChannel, type ChannelHookOptions } from './channelClient.js';
import { useSelectedStore } from './useSelectedStore.js';

/** What SSR and hydration render: nobody is present yet (no socket on the server). */
const EMPTY: PresenceSnapshot<never> = Object.freeze({ synced: false, size: 0, get: () => undefined, members: Object.freeze([]) });
const getServerSnapshot = (): PresenceSnapshot<never> => EMPTY;
const identity = <T,>(x: T): T => x;

export interface UsePresenceOptions<M, T> extends ChannelHookOptions {
  /** Pick what the component needs (default: the whole snapshot). */
  readonly selector?: (presence: PresenceSnapshot<M>) => T;
  /** When the selection did not change (default Object.is; `shallow` for arrays/objects). */
  readonly isEqual?: (a: T, b: T) => boolean;
}

/**
 * Presence of `topic` (joins the channel with presence while mounted). With `selector` and
 * `isEqual`, the component re-renders only when its selected value changes.
 */
export function usePresence<M = Record<string, unknown>, T = PresenceSnapshot<M>>(topic: string, options?: UsePresenceOptions<M, T>): T {
  const channel = useChannel<M>(topic, options, 'usePresence');
  const selector = options?.selector ?? (identity as (p: PresenceSnapshot<M>) => T);
  return useSelectedStore(channel.presence$, getServerSnapshot as () => PresenceSnapshot<M>, selector, options?.isEqual ?? Object.is);
}
