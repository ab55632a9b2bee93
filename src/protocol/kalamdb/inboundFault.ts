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
import type { Link } from '../driver.js';
import type { ServerMessage } from './messages.js';

/** Ids the server uses for errors that answer no subscription (K§6.2). */
const SYNTHETIC_IDS = new Set(['protocol', 'rate_limit', 'subscribe', 'invalid_subscription']);

/**
 * undefined: route (or ignore) the message; a ProtocolError: the stream is broken. A dropped
 * message also tells `link` what to change first: send slower (rate limit) or lower the frame limit.
 */
export function inboundFault(message: ServerMessage, link: Pick<Link, 'slowDown' | 'frameTooLarge'>): ProtocolError | undefined {
  if (message.type === 'invalid') return undecodable(message.reason);
  if (message.type !== 'error' || !SYNTHETIC_IDS.has(message.subscriptionId)) return undefined;
  let what = `a message (${message.subscriptionId})`;
  if (message.code === 'RATE_LIMIT_EXCEEDED') {
    what = 'too many messages per second; sending slower from now on';
    link.slowDown();
  } else if (message.code === 'MESSAGE_TOO_LARGE') {
    what = 'a message over its frame limit (set option maxMessageBytes to it)';
    link.frameTooLarge();
  }
  return new ProtocolError(`The server dropped ${what}: ${message.message}. Reconnecting so every live query resumes.`, {
    code: message.code || 'PROTOCOL',
  });
}

export { undecodable } from '../../connection/FrameReader.js';
