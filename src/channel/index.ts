/** Channels: presence and broadcast per topic, protocol-neutral (docs/SPEC.md "Channels"). */
export type {
  ChannelBroadcast,
  ChannelHandle,
  ChannelOptions,
  ChannelState,
  ChannelStatus,
  DeliveryPolicy,
  PresenceConnection,
  PresenceEvent,
  PresenceMember,
  PresenceSnapshot,
  SendOptions,
  SendReceipt,
} from './types.js';
export type {
  ChannelConfig,
  ChannelPort,
  ChannelPortFactory,
  ChannelPush,
  ChannelSink,
  ChannelSystemMessage,
  JoinRequest,
  PresenceWireDiff,
  PresenceWireEntry,
  PresenceWireMeta,
  PresenceWireState,
  PushDone,
  PushOptions,
} from './ChannelPort.js';
export type { ChannelDiagnostic, ChannelRuntime } from './channelRuntime.js';
export { DEFAULT_CHANNEL_RUNTIME, resolveChannelRuntime } from './channelRuntime.js';
export { ChannelRegistry } from './ChannelRegistry.js';
export { syncDiff, syncState, emptyPresence } from './presence.js';
export type { PresenceMap, PresenceResult } from './presence.js';
export type { PresenceBudget } from './PresenceTracker.js';
