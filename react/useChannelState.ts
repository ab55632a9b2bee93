import type { ChannelState } from '../src/channel/types.js';
import { useStore } from './useStore.js';
import { useChannel, type ChannelHookOptions } from './channelClient.js';

const SERVER_STATE: ChannelState = Object.freeze({ status: 'idle', error: undefined, attempt: 0 });
const getServerState = (): ChannelState => SERVER_STATE;

/**
 * The channel's state (`idle`, `joining`, `joined`, `errored` — retried —, `closed` — a server
 * kill, not retried), its error and attempt count. Keeps the channel joined while mounted.
 */
export function useChannelState(topic: string, options?: ChannelHookOptions): ChannelState {
  const channel = useChannel(topic, options, 'useChannelState');
  return useStore(channel.status$, getServerState);
}
