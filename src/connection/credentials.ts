/**
 * Where tokens come from (docs/SPEC.md §1.1), protocol-neutral. Forms of the `auth` option:
 * - `{ user, password }`: the driver's password login (`DriverFactory.login`; KalamDB: the opt-in
 *   `login: kalamdbLogin`, src/connection/passwordLogin.ts): log in, refresh before expiry / on
 *   TOKEN_EXPIRED, log in again when the refresh fails or the server rejected the token (1008).
 * - `{ token }`: a fixed access token.
 * - a provider `() => token | Promise<token>`: called before EVERY WebSocket connect and reconnect
 *   (never cached across reconnects) and on HTTP TOKEN_EXPIRED; HTTP reuses its last answer meanwhile.
 * - no `auth` option: the driver's anonymous token (e.g. Supabase's apikey), when it has one.
 * Tokens are never logged or put into error messages.
 */
import { AuthError, isLivebindError, UsageError } from '../errors.js';
import type { PasswordLogin, TokenNeed } from '../protocol/driver.js';

export type AuthOption =
  | { readonly user: string; readonly password: string }
  | { readonly token: string }
  | (() => string | Promise<string>);

export type { TokenNeed } from '../protocol/driver.js';

export interface Credentials {
  /** A token for `need` (see the file comment for each form of the auth option). */
  token(need: TokenNeed): Promise<string>;
  /** Call `listener` whenever a token differs from the previous one (a refresh, a new login, a provider's new answer). */
  onNewToken(listener: (token: string) => void): void;
}

/**
 * `login`: the driver's password login (needed by `{ user, password }`; it may throw a UsageError
 * naming its opt-in). `anonymousToken`: used when `auth` is undefined. Throws UsageError when the
 * auth option cannot work with this driver.
 * A closure rather than a class: local names minify (this sits in every browser bundle).
 */
export function createCredentials(
  option: AuthOption | undefined,
  login: PasswordLogin | undefined,
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
  let providerToken: string | undefined;
  /** The last token handed out, and who hears about a different one (the open session: `Session.tokenChanged`). */
  let last: string | undefined;
  let listener: ((token: string) => void) | undefined;

  const produced = (token: string): string => {
    const previous = last;
    last = token;
    if (previous !== undefined && previous !== token) listener?.(token);
    return token;
  };
  const passwordToken = typeof auth !== 'function' && !('token' in auth) ? login!(auth.user, auth.password, now, produced) : undefined;

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

  return {
    onNewToken(l) {
      listener = l;
    },
    token(need) {
      if (typeof auth === 'function') {
        return need === 'http' && providerToken !== undefined ? Promise.resolve(providerToken) : callProvider(auth);
      }
      return passwordToken ? passwordToken(need) : Promise.resolve((auth as { token: string }).token);
    },
  };
}
