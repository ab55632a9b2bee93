import type { PresenceSnapshot } from '../src/channel/types.js';
import { EMPTY_PRESENCE, type PresenceSelect } from '../src/observer/ChannelObserver.js';
import { useChannel, type ChannelHookOptions } from './channelClient.js';
import { useSelectedStore } from './useSelectedStore.js';

const getServerSnapshot = (): PresenceSnapshot<never> => EMPTY_PRESENCE;
const identity = <T,>(x: T): T => x;

export interface UsePresenceOptions<M, T> extends ChannelHookOptions, PresenceSelect<M, T> {}

/**
 * Presence of `topic` (joins the channel with presence while mounted). With `selector` and
 * `isEqual`, the component re-renders only when its selected value changes (the core's SelectObserver).
 */
export function usePresence<M = Record<string, unknown>, T = PresenceSnapshot<M>>(topic: string, options?: UsePresenceOptions<M, T>): T {
  const channel = useChannel<M>(topic, options, 'usePresence');
  const selector = options?.selector ?? (identity as (p: PresenceSnapshot<M>) => T);
  return useSelectedStore(channel.presence$, getServerSnapshot as () => PresenceSnapshot<M>, selector, options?.isEqual ?? Object.is);
}
