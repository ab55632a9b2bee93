/**
 * The Phoenix serializer seam: vsn 1.0.0 (JSON objects, text only) and vsn 2.0.0 (JSON arrays plus
 * binary broadcast frames). Both are pure and never throw: a frame that cannot be decoded becomes a
 * ProtocolError value (the session reports it), a message that cannot be encoded a LivebindError
 * value (the push is refused).
 */
import type { LivebindError, ProtocolError } from '../../errors.js';
import type { PhoenixFrame, PhoenixMessage } from './phoenixMessage.js';
import { serializerV1 } from './serializerV1.js';
import { serializerV2 } from './serializerV2.js';

export type PhoenixVsn = '1.0.0' | '2.0.0';

export interface PhoenixSerializer {
  readonly vsn: PhoenixVsn;
  encode(message: PhoenixMessage): PhoenixFrame | LivebindError;
  decode(frame: PhoenixFrame): PhoenixMessage | ProtocolError;
}

export function serializerFor(vsn: PhoenixVsn): PhoenixSerializer {
  return vsn === '1.0.0' ? serializerV1 : serializerV2;
}
