/**
 * vsn 2.0.0 (spec §2.3): text frames `[join_ref, ref, topic, event, payload]` both ways, plus binary
 * broadcast frames: kind 3 (`user_broadcast_push`, C→S) is encoded, kind 4 (`user_broadcast`, S→C)
 * decoded. Every length in a binary header is bounds-checked against the frame before it is read;
 * strings are strict UTF-8. Like realtime-js, a broadcast push goes out as kind 3 (JSON payloads with
 * encoding 1, bytes with 0); if a header string is over 255 bytes a JSON broadcast falls back to a
 * text frame and a binary one is refused.
 */
import type { LivebindError, ProtocolError } from '../../errors.js';
import { isLivebindError } from '../../errors.js';
import { jsonText, malformed, unencodable } from './frameErrors.js';
import type { PhoenixFrame, PhoenixMessage } from './phoenixMessage.js';
import { BROADCAST, isRecord } from './phoenixMessage.js';
import type { PhoenixSerializer } from './serializer.js';
import { broadcastPush, optionalRef } from './wireFields.js';

export const KIND_USER_BROADCAST_PUSH = 3;
export const KIND_USER_BROADCAST = 4;
const ENCODING_RAW = 0;
const ENCODING_JSON = 1;
const MAX_FIELD_BYTES = 255;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export const serializerV2: PhoenixSerializer = {
  vsn: '2.0.0',
  encode(message: PhoenixMessage): PhoenixFrame | LivebindError {
    const broadcast = broadcastPush(message);
    if (broadcast !== undefined) {
      const binary = encodeUserBroadcastPush(message, broadcast.event, broadcast.payload);
      if (binary !== undefined) return binary;
    }
    return jsonText([message.joinRef, message.ref, message.topic, message.event, message.payload]);
  },
  decode(frame: PhoenixFrame): PhoenixMessage | ProtocolError {
    return typeof frame === 'string' ? decodeText(frame) : decodeBinary(frame);
  },
};

/** Kind 3, or undefined when a JSON broadcast must fall back to text (a header string over 255 bytes). */
function encodeUserBroadcastPush(message: PhoenixMessage, event: string, payload: unknown): Uint8Array | LivebindError | undefined {
  const isBytes = payload instanceof Uint8Array;
  const fields = [message.joinRef ?? '', message.ref ?? '', message.topic, event, ''].map((s) => utf8.encode(s));
  if (fields.some((f) => f.length > MAX_FIELD_BYTES)) {
    if (!isBytes) return undefined;
    return unencodable('FIELD_TOO_LONG', 'A binary broadcast needs its topic, event and refs to be at most 255 UTF-8 bytes each. Use a shorter event name or topic.');
  }
  let body: Uint8Array;
  if (isBytes) {
    body = payload;
  } else {
    const text = jsonText(payload);
    if (isLivebindError(text)) return text;
    body = utf8.encode(text);
  }
  const headerBytes = 7;
  let size = headerBytes + body.length;
  for (const f of fields) size += f.length;
  const out = new Uint8Array(size);
  out[0] = KIND_USER_BROADCAST_PUSH;
  for (let i = 0; i < fields.length; i++) out[1 + i] = fields[i]!.length;
  out[6] = isBytes ? ENCODING_RAW : ENCODING_JSON;
  let at = headerBytes;
  for (const f of fields) {
    out.set(f, at);
    at += f.length;
  }
  out.set(body, at);
  return out;
}

function decodeText(text: string): PhoenixMessage | ProtocolError {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return malformed('not valid JSON', error);
  }
  if (!Array.isArray(raw) || raw.length < 5) return malformed('not a JSON array of 5 elements [join_ref, ref, topic, event, payload]');
  const joinRef = optionalRef(raw[0]);
  if (isLivebindError(joinRef)) return joinRef;
  const ref = optionalRef(raw[1]);
  if (isLivebindError(ref)) return ref;
  const topic: unknown = raw[2];
  const event: unknown = raw[3];
  if (typeof topic !== 'string') return malformed('the topic (element 2) is not a string');
  if (typeof event !== 'string') return malformed('the event (element 3) is not a string');
  return { joinRef, ref, topic, event, payload: raw[4] ?? {} };
}

/** A header string (at most 255 bytes): ASCII without a TextDecoder call (the common case, and most of the per-frame cost), else strict UTF-8. */
function headerString(frame: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) {
    const byte = frame[i]!;
    if (byte >= 0x80) return strictUtf8.decode(frame.subarray(start, end));
    text += String.fromCharCode(byte);
  }
  return text;
}

function decodeBinary(frame: Uint8Array): PhoenixMessage | ProtocolError {
  if (frame.length === 0) return malformed('an empty binary frame');
  const kind = frame[0];
  if (kind !== KIND_USER_BROADCAST) return malformed(`binary kind ${String(kind)} (only kind 4, user_broadcast, is sent to clients)`);
  const headerBytes = 5;
  if (frame.length < headerBytes) return malformed('a kind 4 frame shorter than its 5-byte header');
  const topicLen = frame[1]!;
  const eventLen = frame[2]!;
  const metaLen = frame[3]!;
  const encoding = frame[4]!;
  if (encoding !== ENCODING_RAW && encoding !== ENCODING_JSON) return malformed(`a kind 4 payload encoding ${String(encoding)} (expected 0 or 1)`);
  const payloadStart = headerBytes + topicLen + eventLen + metaLen;
  if (payloadStart > frame.length) return malformed(`kind 4 header lengths (${String(payloadStart)} bytes) run past the frame (${String(frame.length)} bytes)`);
  let topic: string;
  let event: string;
  let metaText: string;
  try {
    topic = headerString(frame, headerBytes, headerBytes + topicLen);
    event = headerString(frame, headerBytes + topicLen, headerBytes + topicLen + eventLen);
    metaText = headerString(frame, headerBytes + topicLen + eventLen, payloadStart);
  } catch (error) {
    return malformed('a kind 4 header string is not UTF-8', error);
  }
  let meta: Record<string, unknown> | undefined;
  if (metaText !== '') {
    const parsed = parseJson(metaText);
    if (!parsed.ok || !isRecord(parsed.value)) return malformed('kind 4 metadata is not a JSON object', parsed.ok ? undefined : parsed.error);
    meta = parsed.value;
  }
  let payload: unknown;
  const body = frame.subarray(payloadStart);
  if (encoding === ENCODING_RAW) {
    payload = body.slice();
  } else {
    let text: string;
    try {
      text = strictUtf8.decode(body);
    } catch (error) {
      return malformed('a kind 4 JSON payload is not UTF-8', error);
    }
    const parsed = parseJson(text);
    if (!parsed.ok) return malformed('a kind 4 JSON payload is not valid JSON', parsed.error);
    payload = parsed.value;
  }
  const broadcast = meta === undefined ? { type: BROADCAST, event, payload } : { type: BROADCAST, event, payload, meta };
  return { joinRef: null, ref: null, topic, event: BROADCAST, payload: broadcast };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error };
  }
}
