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

export interface Credentials {
  /** A token for `need` (see the file comment for each form of the auth option). */
  token(need: TokenNeed): Promise<string>;
  /** Call `listener` whenever a token differs from the previous one (a refresh, a new login, a provider's new answer). */
  onNewToken(listener: (token: string) => void): void;
}

/**
 * `login`: the driver's login calls (needed by `{ user, password }`). `anonymousToken`: used when
 * `auth` is undefined. Throws UsageError when the auth option cannot work with this driver.
 * A closure rather than a class: local names minify (this sits in every browser bundle).
 */
export function createCredentials(
  option: AuthOption | undefined,
  login: LoginCalls | undefined,
  now: () => number,
  anonymousToken?: string,
  backend = 'this backend',
): Credentials {
  const auth: AuthOption = option ?? { token: anonymousToken! };
  if (option === undefined ? anonymousToken === undefined : typeof option !== 'function' && !('token' in option) && login === undefined) {
    throw new UsageError(
      option === undefined
        ? `Option "auth" is required for ${backend}: { user, password }, { token } or a token provider function.`
        : `${backend} has no password login; pass auth as { token } or a token provider function.`,
      { code: 'INVALID_OPTION' },
    );
  }
  let tokens: Tokens | undefined;
  let providerToken: string | undefined;
  /** The login/refresh in flight, and whether it is sure to produce a new token. */
  let inflight: Promise<string> | undefined;
  let inflightFresh = false;
  /** The last token handed out, and who hears about a different one (the open session: `Session.tokenChanged`). */
  let last: string | undefined;
  let listener: ((token: string) => void) | undefined;

  const produced = (token: string): string => {
    const previous = last;
    last = token;
    if (previous !== undefined && previous !== token) listener?.(token);
    return token;
  };
  const expiresSoon = (jwt: string): boolean => {
    const exp = jwtExpiry(jwt);
    return exp !== undefined && exp - EXPIRY_MARGIN_MS <= now();
  };

  const callProvider = async (provider: () => string | Promise<string>): Promise<string> => {
    let token: unknown;
    try {
      token = await provider();
    } catch (error) {
      if (isLivebindError(error)) throw error;
      throw new AuthError('The auth provider threw; see `cause`.', { code: 'AUTH_PROVIDER_FAILED', cause: error });
    }
    if (typeof token !== 'string' || token === '') {
      throw new AuthError('The auth provider must return a non-empty token string.', { code: 'AUTH_PROVIDER_FAILED' });
    }
    return produced((providerToken = token));
  };

  /** `fresh`: the caller's token was just refused ('rejected', 'expired'), so the current one will not do. */
  const passwordToken = async (user: string, password: string, need: TokenNeed, fresh: boolean): Promise<string> => {
    const calls = login!; // a driver without login calls is refused above
    const current = tokens;
    if (current && !fresh && !expiresSoon(current.accessToken)) return current.accessToken;
    if (current?.refreshToken !== undefined && calls.refresh !== undefined && need !== 'rejected' && !expiresSoon(current.refreshToken)) {
      try {
        tokens = await calls.refresh(current.refreshToken);
        return produced(tokens.accessToken);
      } catch (error) {
        if (!isLivebindError(error) || error.kind !== 'auth') throw error;
        // Refresh rejected: fall through to a fresh login.
      }
    }
    tokens = await calls.login(user, password);
    return produced(tokens.accessToken);
  };

  return {
    onNewToken(l) {
      listener = l;
    },
    token(need) {
      if (typeof auth === 'function') {
        return need === 'http' && providerToken !== undefined ? Promise.resolve(providerToken) : callProvider(auth);
      }
      if ('token' in auth) return Promise.resolve(auth.token);
      // Password login: concurrent callers share one login/refresh, except that a caller whose token
      // was just refused ('rejected', 'expired') never gets the answer of a lookup that may hand out
      // that same old token: it queues a fresh one behind it instead.
      const fresh = need === 'rejected' || need === 'expired';
      const current = inflight;
      if (current !== undefined && (inflightFresh || !fresh)) return current;
      const run: Promise<string> = (current === undefined ? Promise.resolve() : current.then(noop, noop))
        .then(() => passwordToken(auth.user, auth.password, need, fresh))
        .finally(() => {
          if (inflight === run) inflight = undefined;
        });
      inflight = run;
      inflightFresh = fresh;
      return run;
    },
  };
}

function noop(): void {}

/** `exp` of a JWT in ms (unverified: only to decide when to refresh), undefined when unreadable. */
export function jwtExpiry(jwt: string): number | undefined {
  const part = jwt.split('.')[1];
  if (part === undefined) return undefined;
  try {
    // base64url → base64; atob accepts it without the `=` padding (forgiving-base64).
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
