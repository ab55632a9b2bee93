/** livebind: the framework-free core. */
export { createClient } from './client.js';
export type { ClientOptions, CommonClientOptions, DriverClientOptions, KalamClientOptions } from './client.js';
/** The protocol-neutral client (no protocol bundled): `createDriverClient({ driver, auth })`. */
export { createDriverClient } from './createDriverClient.js';
/** Opt-in `client.changes()` support: `createClient({ ..., changes: liveChanges })`. */
export { liveChanges } from './live/liveChanges.js';
export type { AuthOption } from './connection/credentials.js';
/** For driver authors: a protocol's LoginCalls as `DriverFactory.login` (the `{ user, password }` auth form). */
export { passwordLogin } from './connection/passwordLogin.js';
export type { ReconnectOptions } from './connection/backoff.js';
export type { Timers } from './connection/timers.js';
export type { SocketLike, WebSocketConstructor } from './connection/socket.js';
export type { FetchLike } from './protocol/fetch.js';
export { createLogger } from './logger.js';
export type { ClientLogger, Logger, LogLevel } from './logger.js';
export type { BinaryDecoder } from './protocol/kalamdb/gunzip.js';
/** The protocol seam, for driver authors (docs/SPEC.md §8). */
export type {
  Column,
  ConnectionPort,
  Driver,
  DriverContext,
  DriverFactory,
  DriverLimits,
  FeedHandle,
  FeedSpec,
  Frame,
  Link,
  LoadKind,
  LoginCalls,
  PasswordLogin,
  Row,
  RowChange,
  RowSink,
  Session,
  SqlOutcome,
  TokenNeed,
  Tokens,
} from './protocol/driver.js';
export { sqlLiteral, bindParams } from './sql/sqlLiteral.js';
export { createMaterializer } from './live/createMaterializer.js';
/** The canonical RowKey function for key columns (as `byKey` uses): for bindings and user code. */
export { makeKeyOf } from './live/keyOf.js';
export type { Materializer, MaterializerOptions, RowOp } from './live/types.js';
export * from './errors.js';
export type { TopicConsumeOptions, TopicHandle, TopicRecord, TopicStart, TopicCalls, TopicBatch, TopicMessage, TopicPoll, TopicAck } from './topics/types.js';
export type * from './types.js';
/** Framework-free observers for bindings (docs/adapters.md). */
export * from './observer/index.js';
export type { ChannelBroadcast, ChannelHandle, ChannelOptions, ChannelState, ChannelStatus, DeliveryPolicy, PresenceConnection, PresenceEvent, PresenceMember, PresenceSnapshot, SendOptions, SendReceipt } from './channel/types.js';
