import { useEffect, useLayoutEffect, useRef } from 'react';
import type { ChannelBroadcast } from '../src/channel/types.js';
import { useChannel, type ChannelHookOptions } from './channelClient.js';

// useLayoutEffect warns during SSR; effects never run there anyway.
const useIsomorphicLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;

/**
 * Calls `handler` for each broadcast of `event` on `topic` (case-insensitive; `'*'` for all) while
 * mounted. The latest handler is used without resubscribing, so an inline function is fine.
 */
export function useBroadcast(topic: string, event: string, handler: (message: ChannelBroadcast) => void, options?: ChannelHookOptions): void {
  const channel = useChannel(topic, options, 'useBroadcast');
  const latest = useRef(handler);
  useIsomorphicLayoutEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    const subscription = channel.broadcast$(event).subscribe((message) => latest.current(message));
    return () => subscription.unsubscribe();
  }, [channel, event]);
}
