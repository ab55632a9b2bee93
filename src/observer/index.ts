/** Framework-free observers every binding (livebind/react, /vue, /svelte, /solid, /tanstack-query) materializes. */
export { createLiveQueryObserver, liveQueryKey, liveRowsOptions } from './LiveQueryObserver.js';
export type { LiveQueryObserver, LiveQueryInput, LiveQueryObserverOptions, LiveQueryResult } from './LiveQueryObserver.js';
export { SelectObserver } from './SelectObserver.js';
export type { SelectOptions } from './SelectObserver.js';
export { channelOf, EMPTY_PRESENCE, listenBroadcast, presenceObserver, presenceSelectOptions, TrackObserver } from './ChannelObserver.js';
export type { ChannelClient, PresenceSelect } from './ChannelObserver.js';
export { placeholderRows, EMPTY_LOADING } from './placeholderRows.js';
export { SERVER_CHANNEL_STATE, SERVER_CONNECTION_STATE } from './serverSnapshots.js';
export { shallow } from './shallow.js';
export { stableKey } from './stableKey.js';
