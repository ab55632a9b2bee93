'use client';
/**
 * livebind/react: thin hooks over the core's store contract ({subscribe, getSnapshot}).
 * Every hook reads its client from <LiveProvider> or from its own `client` option.
 */
export { LiveProvider, useLivebindClient } from './LiveProvider.js';
export type { ClientOption, LiveProviderProps } from './LiveProvider.js';
export { useLiveQuery } from './useLiveQuery.js';
export type { LiveQueryResult, UseLiveQueryOptions } from './useLiveQuery.js';
export { useSuspenseLiveQuery } from './useSuspenseLiveQuery.js';
export type { SuspenseLiveQueryResult, UseSuspenseLiveQueryOptions } from './useSuspenseLiveQuery.js';
export { useChanges } from './useChanges.js';
export type { UseChangesOptions } from './useChanges.js';
export { useConnectionState } from './useConnectionState.js';
export { useObservable } from './useObservable.js';
export { useStore } from './useStore.js';
export type { LiveRowsHookOptions } from './useLiveRowsSource.js';
export { usePresence } from './usePresence.js';
export type { UsePresenceOptions } from './usePresence.js';
export { useTrack } from './useTrack.js';
export { useBroadcast } from './useBroadcast.js';
export { useSend } from './useSend.js';
export { useChannelState } from './useChannelState.js';
export { shallow } from '../src/observer/shallow.js';
export type { ChannelClient, ChannelHookOptions } from './channelClient.js';
