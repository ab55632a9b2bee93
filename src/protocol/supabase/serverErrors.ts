/**
 * Server reasons (spec §3.3 join errors, §3.9 system errors, §3.6/§3.7 push replies) mapped onto
 * ChannelError codes, keeping the server's own text as `reason`.
 */
import { ChannelError } from '../../errors.js';
import type { ChannelErrorCode } from '../../errors.js';
import { isRecord } from './phoenixMessage.js';

/** The error reply of a join: `{reason: "<Code>: <message>"}`. */
export function joinError(topic: string, response: unknown): ChannelError {
  const reason = reasonOf(response);
  const code: ChannelErrorCode = /expired/i.test(reason)
    ? 'TOKEN_EXPIRED'
    : /^(InvalidJWTToken|MalformedJWT|JwtSignatureError|JwtSignerError|Unauthorized|PrivateOnly)\b/.test(reason)
      ? 'UNAUTHORIZED'
      : /RateLimitReached/.test(reason)
        ? 'RATE_LIMITED'
        : 'JOIN_REFUSED';
  return new ChannelError(`Supabase Realtime refused to join "${topic}": ${reason}. ${advice(code)}`, { code, topic, reason });
}

/** A `system` error that precedes a `phx_close` (a runtime kill). */
export function killError(topic: string, message: string): ChannelError {
  const code: ChannelErrorCode = /expired/i.test(message)
    ? 'TOKEN_EXPIRED'
    : /presence rate limit|presence messages per second/i.test(message)
      ? 'PRESENCE_RATE_LIMITED'
      : /messages per second/i.test(message)
        ? 'RATE_LIMITED'
        : /size exceeded/i.test(message)
          ? 'PAYLOAD_TOO_LARGE'
          : /permission|role. and .exp|JWT/i.test(message)
            ? 'UNAUTHORIZED'
            : 'KILLED';
  return new ChannelError(`Supabase Realtime closed "${topic}": ${message}. ${advice(code)}`, { code, topic, reason: message });
}

/** The error reply of a push (broadcast with ack, track, untrack). */
export function pushError(topic: string, response: unknown): ChannelError {
  const reason = reasonOf(response);
  const code: ChannelErrorCode = /payload_size_exceeded|size/i.test(reason) ? 'PAYLOAD_TOO_LARGE' : /rate/i.test(reason) ? 'RATE_LIMITED' : 'PUSH_REJECTED';
  return new ChannelError(`Supabase Realtime rejected a message on "${topic}"${reason === '' ? '' : `: ${reason}`}.`, { code, topic, reason });
}

function reasonOf(response: unknown): string {
  if (typeof response === 'string') return response;
  if (isRecord(response)) {
    if (typeof response['reason'] === 'string') return response['reason'];
    const values = Object.values(response).filter((v): v is string => typeof v === 'string');
    if (values.length > 0) return values.join(', ');
  }
  return '';
}

function advice(code: ChannelErrorCode): string {
  switch (code) {
    case 'TOKEN_EXPIRED':
      return 'A fresh token is fetched and the channel rejoins.';
    case 'UNAUTHORIZED':
      return 'Check the token, and the RLS policies of private channels.';
    case 'RATE_LIMITED':
    case 'PRESENCE_RATE_LIMITED':
      return 'Send less often (see the server limits).';
    case 'PAYLOAD_TOO_LARGE':
      return 'Send a smaller payload.';
    default:
      return 'The channel retries with backoff.';
  }
}
