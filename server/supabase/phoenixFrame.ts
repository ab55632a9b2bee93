/**
 * Phoenix frames of Supabase Realtime (spec §2): vsn 1.0.0 JSON objects, vsn 2.0.0 JSON arrays and
 * the binary user-broadcast kinds (3 in, 4 out). Pure functions: bytes in, messages out; no I/O.
 */

export type Vsn = '1.0.0' | '2.0.0';

/** A logical message `{join_ref, ref, topic, event, payload}` (§2.1). */
export interface PhoenixMessage {
  readonly joinRef: string | null;
  readonly ref: string | null;
  readonly topic: string;
  readonly event: string;
  readonly payload: unknown;
}

/** A binary kind 3 user broadcast push (§2.3): the user payload stays bytes. */
export interface UserBroadcastPush {
  readonly joinRef: string | null;
  readonly ref: string | null;
  readonly topic: string;
  readonly event: string;
  /** Kind 3 metadata (JSON of allowed `send()` keys, or empty); decoded and ignored like server 2.129.8. */
  readonly metadata: string;
  readonly encoding: 'json' | 'binary';
  readonly payload: Uint8Array;
}

/** Why an inbound frame could not be read; `ref`/`topic` when they were readable (for the error reply). */
export interface FrameError {
  readonly error: string;
  readonly ref: string | null;
  readonly topic: string | null;
}

export type DecodedFrame = { readonly kind: 'message'; readonly message: PhoenixMessage } | { readonly kind: 'binary'; readonly push: UserBroadcastPush } | ({ readonly kind: 'error' } & FrameError);

const USER_BROADCAST_PUSH = 3;
const USER_BROADCAST = 4;
const JSON_ENCODING = 1;
const RAW_ENCODING = 0;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function refOf(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function fail(error: string, ref: string | null = null, topic: string | null = null): DecodedFrame {
  return { kind: 'error', error, ref, topic };
}

/** A text frame: v1 `{topic, event, payload, ref, join_ref}`, v2 `[join_ref, ref, topic, event, payload]`. */
export function decodeText(text: string, vsn: Vsn): DecodedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('MalformedWebSocketMessage: the frame is not valid JSON');
  }
  let joinRef: unknown;
  let ref: unknown;
  let topic: unknown;
  let event: unknown;
  let payload: unknown;
  if (vsn === '2.0.0') {
    if (!Array.isArray(value)) return fail('MalformedWebSocketMessage: vsn 2.0.0 expects [join_ref, ref, topic, event, payload]');
    [joinRef, ref, topic, event, payload] = value as unknown[];
    if (value.length < 5) return fail('MalformedWebSocketMessage: a message needs 5 elements [join_ref, ref, topic, event, payload]', refOf(ref) ?? null, typeof topic === 'string' ? topic : null);
  } else {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('MalformedWebSocketMessage: vsn 1.0.0 expects a JSON object {topic, event, payload, ref}');
    const o = value as Record<string, unknown>;
    ({ join_ref: joinRef, ref, topic, event, payload } = o);
  }
  const r = refOf(ref);
  const jr = refOf(joinRef);
  const t = typeof topic === 'string' ? topic : null;
  if (r === undefined) return fail('MalformedWebSocketMessage: ref must be a string or null', null, t);
  if (jr === undefined) return fail('MalformedWebSocketMessage: join_ref must be a string or null', r, t);
  if (t === null) return fail('MalformedWebSocketMessage: topic must be a string', r);
  if (typeof event !== 'string') return fail('MalformedWebSocketMessage: event must be a string', r, t);
  return { kind: 'message', message: { joinRef: jr, ref: r, topic: t, event, payload: payload ?? {} } };
}

/** A binary frame; only kind 3 (user broadcast push) is accepted from clients (§2.3). */
export function decodeBinary(bytes: Uint8Array): DecodedFrame {
  if (bytes.length === 0) return fail('MalformedWebSocketMessage: empty binary frame');
  const kind = bytes[0]!;
  if (kind !== USER_BROADCAST_PUSH) return fail(`MalformedWebSocketMessage: binary kind ${kind} is not accepted (only 3, user broadcast push)`);
  if (bytes.length < 7) return fail('MalformedWebSocketMessage: kind 3 header is 7 bytes');
  const lengths = [bytes[1]!, bytes[2]!, bytes[3]!, bytes[4]!, bytes[5]!];
  const encoding = bytes[6]!;
  let offset = 7;
  const strings: string[] = [];
  for (const len of lengths) {
    if (offset + len > bytes.length) return fail('MalformedWebSocketMessage: kind 3 header lengths exceed the frame');
    try {
      strings.push(utf8.decode(bytes.subarray(offset, offset + len)));
    } catch {
      return fail('MalformedWebSocketMessage: kind 3 header strings must be UTF-8');
    }
    offset += len;
  }
  const [joinRef, ref, topic, event, metadata] = strings as [string, string, string, string, string];
  if (encoding !== JSON_ENCODING && encoding !== RAW_ENCODING) return fail(`MalformedWebSocketMessage: payload encoding ${encoding} is not 0 (raw) or 1 (JSON)`, ref || null, topic);
  return {
    kind: 'binary',
    push: {
      joinRef: joinRef === '' ? null : joinRef,
      ref: ref === '' ? null : ref,
      topic,
      event,
      metadata,
      encoding: encoding === JSON_ENCODING ? 'json' : 'binary',
      payload: bytes.subarray(offset),
    },
  };
}

/** Encodes one server message as text. v1 strips `join_ref` (§2.2). `payloadJson` is pre-serialized JSON. */
export function encodeText(vsn: Vsn, joinRef: string | null, ref: string | null, topic: string, event: string, payloadJson: string): string {
  if (vsn === '2.0.0') return `[${JSON.stringify(joinRef)},${JSON.stringify(ref)},${JSON.stringify(topic)},${JSON.stringify(event)},${payloadJson}]`;
  return `{"topic":${JSON.stringify(topic)},"event":${JSON.stringify(event)},"payload":${payloadJson},"ref":${JSON.stringify(ref)}}`;
}

const encoder = new TextEncoder();

/** Kind 4 user broadcast (§2.3), for v2 sockets. Undefined when a header string exceeds 255 bytes. */
export function encodeUserBroadcast(topic: string, event: string, metadata: string, encoding: 'json' | 'binary', payload: Uint8Array): Uint8Array | undefined {
  const t = encoder.encode(topic);
  const e = encoder.encode(event);
  const m = encoder.encode(metadata);
  if (t.length > 255 || e.length > 255 || m.length > 255) return undefined;
  const out = new Uint8Array(5 + t.length + e.length + m.length + payload.length);
  out[0] = USER_BROADCAST;
  out[1] = t.length;
  out[2] = e.length;
  out[3] = m.length;
  out[4] = encoding === 'json' ? JSON_ENCODING : RAW_ENCODING;
  let offset = 5;
  for (const part of [t, e, m, payload]) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Decodes a UTF-8 JSON payload; undefined when it is not. */
export function parseJsonBytes(bytes: Uint8Array): { readonly value: unknown } | undefined {
  try {
    return { value: JSON.parse(utf8.decode(bytes)) as unknown };
  } catch {
    return undefined;
  }
}
