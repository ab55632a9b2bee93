/** Typed errors of the Phoenix serializers (one place so codes and wording stay consistent). */
import { ProtocolError, UsageError } from '../../errors.js';

/** A frame from the server that does not follow the Phoenix wire format (code `MALFORMED_FRAME`). */
export function malformed(what: string, cause?: unknown): ProtocolError {
  return new ProtocolError(`Malformed Phoenix frame from the server: ${what}. The frame was dropped; if this repeats, check that the server speaks Supabase Realtime with the same vsn.`, {
    code: 'MALFORMED_FRAME',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A payload that cannot go on the wire (not JSON-serialisable, binary over vsn 1.0.0, header field over 255 bytes). */
export function unencodable(code: string, what: string, cause?: unknown): UsageError {
  return new UsageError(what, { code, ...(cause === undefined ? {} : { cause }) });
}

export function jsonText(value: unknown): string | UsageError {
  try {
    const text = JSON.stringify(value);
    if (typeof text !== 'string') return unencodable('PAYLOAD_NOT_JSON', 'The payload is not JSON-serialisable (undefined or a function). Send plain JSON values or a Uint8Array.');
    return text;
  } catch (error) {
    return unencodable('PAYLOAD_NOT_JSON', 'The payload is not JSON-serialisable (a bigint or a cycle?). Send plain JSON values or a Uint8Array.', error);
  }
}
