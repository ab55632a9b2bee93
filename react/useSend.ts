import { useCallback, useEffect } from 'react';
import type { SendOptions, SendReceipt } from '../src/channel/types.js';
import { useChannel, type ChannelHookOptions } from './channelClient.js';

/**
 * A stable `send(event, payload, options)` for `topic` (see the delivery policies of
 * ChannelHandle.send). Keeps the channel joined while mounted, so `delivery: 'drop'` sends
 * (cursors and the like) go through once it is joined.
 */
export function useSend(topic: string, options?: ChannelHookOptions): (event: string, payload: unknown, sendOptions?: SendOptions) => Promise<SendReceipt> {
  const channel = useChannel(topic, options, 'useSend');
  useEffect(() => {
    const subscription = channel.status$.subscribe(() => {});
    return () => subscription.unsubscribe();
  }, [channel]);
  return useCallback((event: string, payload: unknown, sendOptions?: SendOptions) => channel.send(event, payload, sendOptions), [channel]);
}
