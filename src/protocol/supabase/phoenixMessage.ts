/**
 * One logical Phoenix message (spec §2.1) as both serializers see it. `joinRef`/`ref` are opaque
 * strings (null when absent); a binary broadcast payload is a `Uint8Array`.
 */
export interface PhoenixMessage {
  readonly joinRef: string | null;
  readonly ref: string | null;
  readonly topic: string;
  readonly event: string;
  readonly payload: unknown;
}

/** What travels on the socket: a text frame or a binary frame. */
export type PhoenixFrame = string | Uint8Array;

/** The payload of a `broadcast` event (S→C and C→S): `meta` only on server pushes (persisted/replayed). */
export interface BroadcastPayload {
  readonly type: 'broadcast';
  readonly event: string;
  readonly payload: unknown;
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** Reserved topic of the socket-level heartbeat (§3.1). */
export const PHOENIX_TOPIC = 'phoenix';

export const PHX_JOIN = 'phx_join';
export const PHX_LEAVE = 'phx_leave';
export const PHX_REPLY = 'phx_reply';
export const PHX_CLOSE = 'phx_close';
export const PHX_ERROR = 'phx_error';
export const HEARTBEAT = 'heartbeat';
export const ACCESS_TOKEN = 'access_token';
export const BROADCAST = 'broadcast';
export const PRESENCE = 'presence';
export const PRESENCE_STATE = 'presence_state';
export const PRESENCE_DIFF = 'presence_diff';
export const POSTGRES_CHANGES = 'postgres_changes';
export const SYSTEM = 'system';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
