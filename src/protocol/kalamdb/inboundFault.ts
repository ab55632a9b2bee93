/**
 * KalamDB's fault policy: which inbound messages break the stream (docs/SPEC.md §1.5). A frame the client cannot decode
 * may have been a `change`; later frames would move the checkpoint past it, so it is never
 * silently dropped: the connection records a ProtocolError and drops the socket, and every
 * subscription resumes from its checkpoint (which excludes the lost frame). The same holds for
 * an `error` with a synthetic id (K§6.2): the server dropped one of our messages without saying
 * which, so only a fresh socket (every subscribe re-sent) is sure to strand nothing.
 * A well-formed frame of an unknown `type` is ignored (forward compatibility; the codec marks it `unknown`).
 */
import { ProtocolError } from '../../errors.js';
import { undecodable } from '../../connection/FrameReader.js';
import type { ServerMessage } from './messages.js';

/** Ids the server uses for errors that answer no subscription (K§6.2). */
const SYNTHETIC_IDS = new Set(['protocol', 'rate_limit', 'subscribe', 'invalid_subscription']);

export const RATE_LIMIT_EXCEEDED = 'RATE_LIMIT_EXCEEDED';
export const MESSAGE_TOO_LARGE = 'MESSAGE_TOO_LARGE';
/** livebind code: a frame that could not be decoded (bad gzip, invalid JSON, bad shape). */
export const INVALID_FRAME = 'INVALID_FRAME';

/** undefined: route (or ignore) the message; a ProtocolError: the stream is broken. */
export function inboundFault(message: ServerMessage): ProtocolError | undefined {
  if (message.type === 'invalid') return undecodable(message.reason);
  if (message.type !== 'error' || !SYNTHETIC_IDS.has(message.subscriptionId)) return undefined;
  const what =
    message.code === RATE_LIMIT_EXCEEDED
      ? 'too many messages per second; sending slower from now on'
      : message.code === MESSAGE_TOO_LARGE
        ? 'a message over its frame limit (set option maxMessageBytes to it)'
        : `a message (${message.subscriptionId})`;
  return new ProtocolError(`The server dropped ${what}: ${message.message}. Reconnecting so every live query resumes.`, {
    code: message.code || 'PROTOCOL',
  });
}

export { undecodable } from '../../connection/FrameReader.js';
