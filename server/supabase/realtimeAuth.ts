/**
 * Who a Supabase Realtime join, token push or HTTP call acts for. Tokens are the dev server's own
 * access JWTs (POST /v1/api/auth/login), checked by `Engine.verifyAccessToken`. The `apikey`
 * (any value, like Supabase's publishable/anon key) only identifies a user when it is such a JWT;
 * otherwise the caller is anonymous. Reasons use Supabase's wording (spec §3.3, §3.9) and never
 * contain the token.
 */
import { isEngineAuthError, type AuthUser, type Engine } from '../engine/types.js';

export type TokenCheck =
  | { readonly ok: true; readonly user: AuthUser; readonly expiresAtMs: number | undefined }
  | { readonly ok: false; readonly reason: string; readonly message: string };

/** The `exp` claim in ms (the signature is checked separately); undefined when unreadable. */
export function tokenExpiryMs(token: string): number | undefined {
  const part = token.split('.')[1];
  if (part === undefined) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

export function expiredMessage(expiresAtMs: number | undefined, nowMs = Date.now()): string {
  const ago = expiresAtMs === undefined ? 0 : Math.max(0, Math.floor((nowMs - expiresAtMs) / 1000));
  return `Token has expired ${ago} seconds ago`;
}

/** Verifies an access token; failures carry the join error `reason` and the system `message`. */
export async function checkToken(engine: Engine, token: string): Promise<TokenCheck> {
  if (!looksLikeJwt(token)) return { ok: false, reason: 'MalformedJWT: The token provided is not a valid JWT', message: 'The token provided is not a valid JWT' };
  try {
    const user = await engine.verifyAccessToken(token);
    return { ok: true, user, expiresAtMs: tokenExpiryMs(token) };
  } catch (e) {
    if (isEngineAuthError(e) && e.code === 'TOKEN_EXPIRED') {
      const message = expiredMessage(tokenExpiryMs(token));
      return { ok: false, reason: `InvalidJWTToken: ${message}`, message };
    }
    const detail = isEngineAuthError(e) && e.message !== 'Invalid credentials' ? e.message : 'Failed to validate JWT signature';
    return { ok: false, reason: `JwtSignatureError: ${detail}`, message: detail };
  }
}

/** The identity an `apikey` grants: the user when it is a valid access JWT, else anonymous (undefined). */
export async function apikeyUser(engine: Engine, apikey: string | undefined): Promise<{ user: AuthUser; expiresAtMs: number | undefined } | undefined> {
  if (apikey === undefined || !looksLikeJwt(apikey)) return undefined;
  const check = await checkToken(engine, apikey);
  return check.ok ? { user: check.user, expiresAtMs: check.expiresAtMs } : undefined;
}
