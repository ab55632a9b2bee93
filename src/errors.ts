/**
 * One root error with named subclasses. Every error carries a stable `code` and a `kind`
 * brand so callers can branch without `instanceof` (which breaks across package copies).
 * Messages say what went wrong and what to do next; they never contain tokens or passwords.
 */
export type LivebindErrorKind =
  | 'auth'
  | 'query'
  | 'subscription'
  | 'protocol'
  | 'connection'
  | 'unsupported'
  | 'usage'
  | 'channel'
  | 'aborted';

const BRAND = Symbol.for('livebind.error');

/** Optional fields may be passed as `undefined` (the same as leaving them out). */
export interface LivebindErrorFields {
  /** Server error code when the server sent one (e.g. `TOKEN_EXPIRED`, `INVALID_SQL`), else a livebind code. */
  readonly code: string;
  readonly cause?: unknown;
}

export class LivebindError extends Error {
  // Declared, not initialised: the constructor sets them as own properties (no class-field code in the bundle).
  declare readonly kind: LivebindErrorKind;
  declare readonly code: string;
  declare readonly [BRAND]: true;

  /**
   * `base`: the code, an optional `cause` and the subclass's own fields (`status`, `sql`, ...), all set
   * as own properties (subclasses `declare` them), so a subclass passes its fields straight through.
   * `fields`: more own properties (overriding `base`'s).
   */
  constructor(kind: LivebindErrorKind, message: string, base: LivebindErrorFields, fields?: object) {
    // Error sets `cause` (not enumerable) when `base` has one; the assign below keeps it so.
    super(message, base);
    Object.assign(this, {
      [BRAND]: true,
      // `AuthError` for kind `auth`, ... (minifiers rename classes, so the name is built, not read).
      name: new.target === LivebindError ? 'LivebindError' : `${kind[0]!.toUpperCase()}${kind.slice(1)}Error`,
      kind,
      ...base,
      ...fields,
    });
  }
}

/** Login, token or permission trouble. `status` is the HTTP status when one applied. */
export class AuthError extends LivebindError {
  declare readonly status: number | undefined;
  /** The server refused the credentials themselves (a login answered 401/403): retrying cannot help. */
  declare readonly final: boolean;
  constructor(message: string, fields: LivebindErrorFields & { status?: number | undefined; final?: boolean | undefined }) {
    super('auth', message, fields, { final: fields.final ?? false });
  }
}

/** The server rejected a SQL statement sent over HTTP. */
export class QueryError extends LivebindError {
  declare readonly status: number | undefined;
  declare readonly sql: string | undefined;
  constructor(message: string, fields: LivebindErrorFields & { status?: number | undefined; sql?: string | undefined }) {
    super('query', message, fields);
  }
}

/** A live subscription could not be started or cannot continue. */
export class SubscriptionError extends LivebindError {
  declare readonly subscriptionId: string | undefined;
  declare readonly sql: string | undefined;
  constructor(message: string, fields: LivebindErrorFields & { subscriptionId?: string | undefined; sql?: string | undefined }) {
    super('subscription', message, fields);
  }
}

/** The peer sent something that does not follow the wire protocol. */
export class ProtocolError extends LivebindError {
  constructor(message: string, fields: LivebindErrorFields) {
    super('protocol', message, fields);
  }
}

/** Network trouble: the socket closed, could not open, or timed out. */
export class ConnectionError extends LivebindError {
  declare readonly closeCode: number | undefined;
  /** The server asked to wait this long before trying again (HTTP 429/503 `Retry-After`). */
  declare readonly retryAfterMs: number | undefined;
  constructor(message: string, fields: LivebindErrorFields & { closeCode?: number | undefined; retryAfterMs?: number | undefined }) {
    super('connection', message, fields);
  }
}

/** The chosen backend lacks a capability (e.g. presence over KalamDB). */
export class UnsupportedError extends LivebindError {
  declare readonly capability: string;
  constructor(message: string, fields: LivebindErrorFields & { capability: string }) {
    super('unsupported', message, fields);
  }
}

/** The caller passed bad arguments (bad option, bad SQL parameter value, ...). */
export class UsageError extends LivebindError {
  constructor(message: string, fields: LivebindErrorFields) {
    super('usage', message, fields);
  }
}

/**
 * The caller aborted the call through its `signal` option (code `ABORTED`; `cause` is the signal's
 * reason): nothing more is sent, and a request already on its way may or may not have taken
 * effect. Named `AbortError` like the DOM's, so `error.name === 'AbortError'` checks keep working.
 */
export class AbortError extends LivebindError {
  constructor(message: string, reason?: unknown) {
    super('aborted', message, { code: 'ABORTED', cause: reason }, { name: 'AbortError' });
  }
}

/** The AbortError for an aborted `signal` (what an aborted call rejects with). */
export const abortError = (signal: AbortSignal, what: string): AbortError => new AbortError(`${what} was aborted.`, signal.reason);

/**
 * Codes of {@link ChannelError}. Push failures: `TIMED_OUT` (no ack within the timeout),
 * `PAYLOAD_TOO_LARGE`, `RATE_LIMITED`, `NOT_JOINED` (the channel left, closed or was never joined
 * within the delivery policy), `PUSH_REJECTED` (any other error reply). Channel lifecycle:
 * `JOIN_REFUSED` (error reply to a join), `JOIN_TIMED_OUT`, `CHANNEL_ERROR` (the server's channel
 * crashed), `KILLED` (the server closed the channel at runtime), `TOKEN_EXPIRED`, `UNAUTHORIZED`,
 * `PRESENCE_RATE_LIMITED`, `QUEUE_FULL`, `EXPIRED` (a queued send outlived its TTL).
 */
export type ChannelErrorCode =
  | 'TIMED_OUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'NOT_JOINED'
  | 'PUSH_REJECTED'
  | 'JOIN_REFUSED'
  | 'JOIN_TIMED_OUT'
  | 'CHANNEL_ERROR'
  | 'KILLED'
  | 'TOKEN_EXPIRED'
  | 'UNAUTHORIZED'
  | 'PRESENCE_RATE_LIMITED'
  | 'QUEUE_FULL'
  | 'EXPIRED';

/**
 * A channel (presence / broadcast topic) failed: a push was not delivered, a join was refused, or
 * the server closed the channel. `topic` names the channel; `reason` is the server's own text when
 * it sent one (e.g. `"ChannelRateLimitReached: Too many channels"`), never a token.
 */
export class ChannelError extends LivebindError {
  declare readonly code: ChannelErrorCode;
  declare readonly topic: string;
  declare readonly reason: string | undefined;
  constructor(message: string, fields: { code: ChannelErrorCode; topic: string; reason?: string | undefined; cause?: unknown }) {
    super('channel', message, fields);
  }
}

/** Brand check that works across duplicated package copies (no `instanceof`). */
export function isLivebindError(value: unknown): value is LivebindError {
  return (value as Record<symbol, unknown> | null | undefined)?.[BRAND] === true;
}
