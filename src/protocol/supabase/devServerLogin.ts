/**
 * `{ user, password }` auth for the Supabase driver: DEV SERVER ONLY. It logs in through the
 * livebind dev server's `/v1/api/auth/login` (and refreshes through `/v1/api/auth/refresh`), whose
 * JWTs the dev server's Realtime endpoint accepts. Real Supabase projects sign users in with
 * supabase-js (GoTrue): pass its session token as `auth: () => session.access_token` instead.
 */
import { AuthError, ConnectionError } from '../../errors.js';
import type { LoginCalls, Tokens } from '../driver.js';
import { isRecord } from './phoenixMessage.js';

export type PostLike = (url: string, init: { method: 'POST'; headers: Record<string, string>; body?: string }) => Promise<{ status: number; text(): Promise<string> }>;

export function devServerLogin(url: string, post: PostLike): LoginCalls {
  const base = url.replace(/\/+$/, '');
  const call = async (path: string, headers: Record<string, string>, body?: string): Promise<Tokens> => {
    let status: number;
    let text: string;
    try {
      const res = await post(base + path, body === undefined ? { method: 'POST', headers } : { method: 'POST', headers, body });
      status = res.status;
      text = await res.text();
    } catch (error) {
      throw new ConnectionError(`Could not reach ${base}${path}; { user, password } auth needs the livebind dev server.`, { code: 'NETWORK_ERROR', cause: error });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status < 200 || status >= 300 || !isRecord(json) || typeof json['access_token'] !== 'string') {
      const error = isRecord(json) && isRecord(json['error']) ? json['error'] : {};
      const code = typeof error['code'] === 'string' ? error['code'] : `HTTP_${String(status)}`;
      throw new AuthError(
        `${path.endsWith('login') ? 'Login' : 'Token refresh'} failed (${code}, HTTP ${String(status)}). { user, password } works only against the livebind dev server; for Supabase pass a token or a token provider as \`auth\`.`,
        { code, status },
      );
    }
    return { accessToken: json['access_token'], refreshToken: typeof json['refresh_token'] === 'string' ? json['refresh_token'] : undefined };
  };
  return {
    login: (user, password) => call('/v1/api/auth/login', { 'Content-Type': 'application/json' }, JSON.stringify({ user, password })),
    refresh: (refreshToken) => call('/v1/api/auth/refresh', { Authorization: `Bearer ${refreshToken}` }),
  };
}
