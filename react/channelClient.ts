/**
 * The part of a client the channel hooks need: `channel(topic, options)` (the core's
 * ChannelHandle). Declared here so the hooks work with any client that has channels; the client
 * comes from the hook's `client` option or from <LiveProvider>.
 */
import { useMemo } from 'react';
import type { ChannelHandle, ChannelOptions } from '../src/channel/types.js';
import { UnsupportedError } from '../src/errors.js';
import type { LivebindClient } from '../src/types.js';
import { useLivebindClient } from './LiveProvider.js';

export interface ChannelClient {
  channel<M = Record<string, unknown>>(topic: string, options?: ChannelOptions): ChannelHandle<M>;
}

/** Options every channel hook accepts. */
export interface ChannelHookOptions {
  /** Use this client instead of the nearest `<LiveProvider>`'s. */
  readonly client?: ChannelClient | undefined;
  /** Channel options (fixed per topic; see ChannelOptions). */
  readonly channel?: ChannelOptions | undefined;
}

/** The shared handle of `topic` (the same object while client, topic and options are the same). */
export function useChannel<M>(topic: string, options: ChannelHookOptions | undefined, hookName: string): ChannelHandle<M> {
  const client = useLivebindClient(options?.client as LivebindClient | undefined, hookName) as unknown as Partial<ChannelClient>;
  const channelOptions = options?.channel;
  const optionsKey = channelOptions === undefined ? '' : JSON.stringify(channelOptions);
  return useMemo(() => {
    if (typeof client.channel !== 'function') {
      throw new UnsupportedError(`${hookName}() needs a client with channels (presence and broadcast); this client has none (KalamDB has no channels).`, {
        code: 'UNSUPPORTED',
        capability: 'channel',
      });
    }
    return client.channel<M>(topic, channelOptions);
    // optionsKey stands for channelOptions (an inline object is new on every render).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, topic, optionsKey]);
}
