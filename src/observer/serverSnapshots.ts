import type { ChannelState } from '../channel/types.js';
import type { ConnectionState } from '../types.js';

/**
 * What a server render shows for a socket and a channel: nothing exists there yet. Bindings return
 * these (and EMPTY_PRESENCE, `LiveQueryObserver.getServerSnapshot()`) while rendering on the server,
 * and never subscribe there, so a server render opens no socket and joins no channel.
 */
export const SERVER_CONNECTION_STATE: ConnectionState = Object.freeze({ status: 'idle', lastError: undefined, attempt: 0 });
export const SERVER_CHANNEL_STATE: ChannelState = Object.freeze({ status: 'idle', error: undefined, attempt: 0 });
