/**
 * vsn 1.0.0 (spec §2.2): text frames holding `{topic, event, payload, ref, join_ref}`. The server
 * strips `join_ref` from its pushes (so v1 cannot drop stale messages by join ref; the session falls
 * back to the channel's current join). There is no binary: a Uint8Array payload is refused instead
 * of being sent as `{}` the way realtime-js does.
 */
import type { LivebindError, ProtocolError } from '../../errors.js';
import { isLivebindError } from '../../errors.js';
import { jsonText, malformed, unencodable } from './frameErrors.js';
import type { PhoenixFrame, PhoenixMessage } from './phoenixMessage.js';
import { isRecord } from './phoenixMessage.js';
import type { PhoenixSerializer } from './serializer.js';
import { hasBinaryPayload, optionalRef } from './wireFields.js';

export const serializerV1: PhoenixSerializer = {
  vsn: '1.0.0',
  encode(message: PhoenixMessage): PhoenixFrame | LivebindError {
    if (hasBinaryPayload(message)) {
      return unencodable('BINARY_NEEDS_V2', 'Binary broadcast payloads need Phoenix vsn 2.0.0; this client uses 1.0.0. Pass `vsn: "2.0.0"` or send JSON.');
    }
    const wire: Record<string, unknown> = { topic: message.topic, event: message.event, payload: message.payload };
    if (message.ref !== null) wire['ref'] = message.ref;
    if (message.joinRef !== null) wire['join_ref'] = message.joinRef;
    return jsonText(wire);
  },
  decode(frame: PhoenixFrame): PhoenixMessage | ProtocolError {
    if (typeof frame !== 'string') return malformed('a binary frame on a vsn 1.0.0 socket');
    let raw: unknown;
    try {
      raw = JSON.parse(frame);
    } catch (error) {
      return malformed('not valid JSON', error);
    }
    if (!isRecord(raw)) return malformed('not a JSON object');
    const topic = raw['topic'];
    const event = raw['event'];
    if (typeof topic !== 'string') return malformed('"topic" is not a string');
    if (typeof event !== 'string') return malformed('"event" is not a string');
    const ref = optionalRef(raw['ref']);
    const joinRef = optionalRef(raw['join_ref']);
    if (isLivebindError(ref)) return ref;
    if (isLivebindError(joinRef)) return joinRef;
    return { joinRef, ref, topic, event, payload: raw['payload'] ?? {} };
  },
};
