/**
 * The part of a client the channel hooks need: `channel(topic, options)` (the core's
 * ChannelHandle). The client comes from the hook's `client` option or from <LiveProvider>.
 */
import { useMemo } from 'react';
import type { ChannelHandle, ChannelOptions } from '../src/channel/types.js';
import { channelOf, type ChannelClient } from '../src/observer/ChannelObserver.js';
import type { LivebindClient } from '../src/types.js';
import { useLivebindClient } from './LiveProvider.js';

export type { ChannelClient } from '../src/observer/ChannelObserver.js';

/** Options every channel hook accepts. */
export interface ChannelHookOptions {
  /** Use this client instead of the nearest `<LiveProvider>`'s. */
  readonly client?: ChannelClient | undefined;
  /** Channel options (fixed per topic; see ChannelOptions). */
  readonly channel?: ChannelOptions | undefined;
}

/** The shared handle of `topic` (the same object while client, topic and options are the same). */
export function useChannel<M>(topic: string, options: ChannelHookOptions | undefined, hookName: string): ChannelHandle<M> {
  const client = useLivebindClient(options?.client as LivebindClient | undefined, hookName);
  const channelOptions = options?.channel;
  const optionsKey = channelOptions === undefined ? '' : JSON.stringify(channelOptions);
  // optionsKey stands for channelOptions (an inline object is new on every render).
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(() => channelOf<M>(client, topic, channelOptions, hookName), [client, topic, optionsKey]);
}
