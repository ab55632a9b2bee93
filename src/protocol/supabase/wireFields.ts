/** Field checks shared by both serializers. */
import type { ProtocolError } from '../../errors.js';
import { malformed } from './frameErrors.js';
import type { BroadcastPayload, PhoenixMessage } from './phoenixMessage.js';
import { BROADCAST, isRecord } from './phoenixMessage.js';

/** A ref as the server sends it: a string, or absent/null. Numbers are accepted as their decimal text. */
export function optionalRef(value: unknown): string | null | ProtocolError {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return malformed('a ref is neither a string nor null');
}

/** A client `broadcast` push whose payload has the `{type, event: string, payload}` shape. */
export function broadcastPush(message: PhoenixMessage): BroadcastPayload | undefined {
  if (message.event !== BROADCAST || !isRecord(message.payload)) return undefined;
  const payload = message.payload;
  return typeof payload['event'] === 'string' ? (payload as unknown as BroadcastPayload) : undefined;
}

/** True when a broadcast push carries raw bytes. */
export function hasBinaryPayload(message: PhoenixMessage): boolean {
  return broadcastPush(message)?.payload instanceof Uint8Array;
}
