/**
 * Where tokens come from (docs/SPEC.md §1.1), protocol-neutral: the login and refresh calls are the
 * driver's (`DriverFactory.login`; KalamDB: `/v1/api/auth/login|refresh`). Forms of the `auth` option:
 * - `{ user, password }`: log in, keep both tokens, refresh before expiry / on TOKEN_EXPIRED, log in
 *   again when the refresh fails or the server rejected the token (1008). Needs a driver with login calls.
 * - `{ token }`: a fixed access token.
 * - a provider `() => token | Promise<token>`: called before EVERY WebSocket connect and reconnect
 *   (never cached across reconnects) and on HTTP TOKEN_EXPIRED; HTTP reuses its last answer meanwhile.
 * - no `auth` option: the driver's anonymous token (e.g. Supabase's apikey), when it has one.
 * Tokens are never logged or put into error messages.
 */
import { AuthError, isLivebindError, UsageError } from '../errors.js';
import type { LoginCalls, TokenNeed, Tokens } from '../protocol/driver.js';

export type AuthOption =
  | { readonly user: string; readonly password: string }
  | { readonly token: string }
  | (() => string | Promise<string>);

export type { TokenNeed } from '../protocol/driver.js';

/** Refresh a password login's access token this long before its `exp`. */
const EXPIRY_MARGIN_MS = 30_000;

export class Credentials {
  private tokens: Tokens | undefined;
  private providerToken: string | undefined;
  /** The login/refresh in flight, and whether it is sure to produce a new token. */
  private inflight: { readonly promise: Promise<string>; readonly fresh: boolean } | undefined;

  private readonly auth: AuthOption;
  /** The last token handed out, and who hears about a different one (the open session: `Session.tokenChanged`). */
  private last: string | undefined;
  private listener: ((token: string) => void) | undefined;

  /**
   * `login`: the driver's login calls (needed by `{ user, password }`). `anonymousToken`: used when
   * `auth` is undefined. Throws UsageError when the auth option cannot work with this driver.
   */
  constructor(
    auth: AuthOption | undefined,
    private readonly login: LoginCalls | undefined,
    private readonly now: () => number,
    anonymousToken?: string,
    backend = 'this backend',
  ) {
    if (auth === undefined) {
      if (anonymousToken === undefined) {
        throw new UsageError(`Option "auth" is required for ${backend}: { user, password }, { token } or a token provider function.`, { code: 'INVALID_OPTION' });
      }
      auth = { token: anonymousToken };
    } else if (typeof auth !== 'function' && !('token' in auth) && login === undefined) {
      throw new UsageError(`${backend} has no password login; pass auth as { token } or a token provider function.`, { code: 'INVALID_OPTION' });
    }
    this.auth = auth;
  }

  /** Call `listener` whenever a token differs from the previous one (a refresh, a new login, a provider's new answer). */
  onNewToken(listener: (token: string) => void): void {
    this.listener = listener;
  }

  token(need: TokenNeed): Promise<string> {
    const auth = this.auth;
    if (typeof auth === 'function') {
      if (need === 'http' && this.providerToken !== undefined) return Promise.resolve(this.providerToken);
      return this.callProvider(auth);
    }
    if ('token' in auth) return Promise.resolve(auth.token);
    // Password login: concurrent callers share one login/refresh, except that a caller whose token
    // was just refused ('rejected', 'expired') never gets the answer of a lookup that may hand out
    // that same old token: it queues a fresh one behind it instead.
    const fresh = need === 'rejected' || need === 'expired';
    const current = this.inflight;
    if (current !== undefined && (current.fresh || !fresh)) return current.promise;
    const run = (current === undefined ? Promise.resolve() : current.promise.then(noop, noop)).then(() => this.passwordToken(auth, need));
    const entry = {
      fresh,
      promise: run.finally(() => {
        if (this.inflight === entry) this.inflight = undefined;
      }),
    };
    this.inflight = entry;
    return entry.promise;
  }

  private async callProvider(provider: () => string | Promise<string>): Promise<string> {
    let token: unknown;
    try {
      token = await provider();
    } catch (error) {
      if (isLivebindError(error)) throw error;
      throw new AuthError('The auth provider threw; see `cause`.', { code: 'AUTH_PROVIDER_FAILED', cause: error });
    }
    if (typeof token !== 'string' || token === '') {
      throw new AuthError('The auth provider must resolve to a non-empty access token string.', { code: 'AUTH_PROVIDER_FAILED' });
    }
    this.providerToken = token;
    return this.produced(token);
  }

  private async passwordToken(auth: { user: string; password: string }, need: TokenNeed): Promise<string> {
    const calls = this.login;
    if (calls === undefined) throw new UsageError('Password login needs a driver with login calls.', { code: 'INVALID_OPTION' }); // refused in the constructor
    const current = this.tokens;
    if (current && need !== 'rejected' && need !== 'expired' && !this.expiresSoon(current.accessToken)) {
      return current.accessToken;
    }
    if (current?.refreshToken !== undefined && calls.refresh !== undefined && need !== 'rejected' && !this.expiresSoon(current.refreshToken)) {
      try {
        this.tokens = await calls.refresh(current.refreshToken);
        return this.produced(this.tokens.accessToken);
      } catch (error) {
        if (!isLivebindError(error) || error.kind !== 'auth') throw error;
        // Refresh rejected: fall through to a fresh login.
      }
    }
    this.tokens = await calls.login(auth.user, auth.password);
    return this.produced(this.tokens.accessToken);
  }

  private produced(token: string): string {
    const previous = this.last;
    this.last = token;
    if (previous !== undefined && previous !== token) this.listener?.(token);
    return token;
  }

  private expiresSoon(jwt: string): boolean {
    const exp = jwtExpiry(jwt);
    return exp !== undefined && exp - EXPIRY_MARGIN_MS <= this.now();
  }
}

function noop(): void {}

/** `exp` of a JWT in ms (unverified: only to decide when to refresh), undefined when unreadable. */
export function jwtExpiry(jwt: string): number | undefined {
  const part = jwt.split('.')[1];
  if (part === undefined) return undefined;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
