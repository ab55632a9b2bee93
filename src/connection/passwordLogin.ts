/**
 * The `{ user, password }` auth form's token source (docs/SPEC.md §1.1): log in, keep both tokens,
 * refresh before the access token's `exp` / on TOKEN_EXPIRED, log in again when the refresh is
 * refused or the server rejected the token (1008). Protocol-neutral: the login and refresh calls are
 * the protocol's (`LoginCalls`). Reached only through an opt-in (`kalamdbLogin` from
 * `livebind/kalamdb`) or a driver that always logs in (Supabase's dev-server login), so apps that
 * authenticate with a token or a provider bundle none of it.
 */
import { isLivebindError } from '../errors.js';
import type { LoginCalls, PasswordLogin, TokenNeed, Tokens } from '../protocol/driver.js';

/** Refresh a password login's access token this long before its `exp`. */
const EXPIRY_MARGIN_MS = 30_000;

/** `DriverFactory.login` for a protocol's login calls. */
export function passwordLogin(calls: LoginCalls): PasswordLogin {
  return (user, password, now, produced) => {
    let tokens: Tokens | undefined;
    /** The login/refresh in flight, and whether it is sure to produce a new token. */
    let inflight: Promise<string> | undefined;
    let inflightFresh = false;

    const expiresSoon = (jwt: string): boolean => {
      const exp = jwtExpiry(jwt);
      return exp !== undefined && exp - EXPIRY_MARGIN_MS <= now();
    };

    /** `fresh`: the caller's token was just refused ('rejected', 'expired'), so the current one will not do. */
    const lookup = async (need: TokenNeed, fresh: boolean): Promise<string> => {
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

    // Concurrent callers share one login/refresh, except that a caller whose token was just refused
    // ('rejected', 'expired') never gets the answer of a lookup that may hand out that same old
    // token: it queues a fresh one behind it instead.
    return (need) => {
      const fresh = need === 'rejected' || need === 'expired';
      const current = inflight;
      if (current !== undefined && (inflightFresh || !fresh)) return current;
      const run: Promise<string> = (current === undefined ? Promise.resolve() : current.then(noop, noop))
        .then(() => lookup(need, fresh))
        .finally(() => {
          if (inflight === run) inflight = undefined;
        });
      inflight = run;
      inflightFresh = fresh;
      return run;
    };
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
