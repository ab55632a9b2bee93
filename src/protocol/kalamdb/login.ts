/**
 * `{ user, password }` auth against KalamDB (spec §3): `/v1/api/auth/login` and
 * `/v1/api/auth/refresh`, driven by the password state machine (src/connection/passwordLogin.ts).
 * Opt-in, so apps that authenticate with a token or a provider bundle none of it:
 *
 *   import { kalamdbLogin } from 'livebind/kalamdb';
 *   const client = createClient({ url, auth: { user, password }, login: kalamdbLogin });
 */
import { AuthError, ConnectionError } from '../../errors.js';
import { passwordLogin } from '../../connection/passwordLogin.js';
import type { PasswordLogin, Tokens } from '../driver.js';
import type { FetchLike } from '../fetch.js';
import { isObject, parseJson, str } from './codec.js';
import { JSON_TYPE, kalamPost } from './http.js';

/** The value of the `login` option: the password login of one driver. */
export type KalamLogin = (baseUrl: string, fetch: FetchLike) => PasswordLogin;

export const kalamdbLogin: KalamLogin = (baseUrl, fetchImpl) => {
  const post = kalamPost(baseUrl, fetchImpl);
  const auth = async (login: boolean, headers: Record<string, string>, body?: string): Promise<Tokens> => {
    const res = await post(login ? '/v1/api/auth/login' : '/v1/api/auth/refresh', headers, body);
    const json = parseJson(res.text);
    const what = `${login ? 'Login' : 'Token refresh'} answered HTTP ${res.status}`;
    if (res.status === 429 || res.status >= 500) {
      // Busy or failing, not a verdict on the credentials: back off (honouring Retry-After) and try again.
      const retryAfterMs = retryAfter(res.retryAfter);
      throw new ConnectionError(`${what}; retrying${retryAfterMs === undefined ? '' : ` in ${Math.ceil(retryAfterMs / 1000)} s`}.`, {
        code: res.status === 429 ? 'RATE_LIMITED' : 'SERVER_ERROR',
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    if (!res.ok || !isObject(json) || typeof json['access_token'] !== 'string') {
      // KalamDB's auth endpoints answer lower-case kinds (`unauthorized`); codes are UPPER_SNAKE everywhere in livebind.
      const error = isObject(json) ? json['error'] : undefined;
      const code = typeof error === 'string' ? error.toUpperCase() : str(isObject(error) && error['code'], `HTTP_${res.status}`);
      throw new AuthError(`${what} (${code}); ${login ? 'check the user name and password' : 'logging in again'}.`, {
        code,
        status: res.status,
        // A login refused with 401/403 is final: the same user name and password will be refused again.
        final: login && (res.status === 401 || res.status === 403),
      });
    }
    return {
      accessToken: json['access_token'],
      refreshToken: typeof json['refresh_token'] === 'string' ? json['refresh_token'] : undefined,
    };
  };
  return passwordLogin({
    login: (user, password) => auth(true, JSON_TYPE, JSON.stringify({ user, password })),
    refresh: (refreshToken) => auth(false, { Authorization: `Bearer ${refreshToken}` }),
  });
};

/** `Retry-After` (seconds or an HTTP date) in ms, capped at 60 s; undefined when absent or unreadable. */
function retryAfter(header: string | null): number | undefined {
  if (!header?.trim()) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 60_000) : undefined;
}
