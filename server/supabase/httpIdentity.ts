/**
 * The caller of a Supabase-style HTTP route: `Authorization: Bearer <dev server access token>`
 * identifies the user. Without one, or when the bearer is just the `apikey` (supabase-js sends the
 * anon key as bearer when signed out) and not a valid token, the caller is anonymous.
 */
import type * as http from 'node:http';
import type { AuthUser, Engine } from '../engine/types.js';
import { bearerToken } from '../http/httpIo.js';
import { checkToken } from './realtimeAuth.js';

export type HttpIdentity = { readonly ok: true; readonly user: AuthUser | undefined } | { readonly ok: false; readonly code: string; readonly message: string };

export function apikeyOf(req: http.IncomingMessage, url: URL): string | undefined {
  const h = req.headers['apikey'] ?? req.headers['x-api-key'];
  if (typeof h === 'string' && h !== '') return h;
  return url.searchParams.get('apikey') ?? undefined;
}

export async function httpIdentity(req: http.IncomingMessage, url: URL, engine: Engine): Promise<HttpIdentity> {
  const bearer = bearerToken(req);
  if (bearer === undefined) return { ok: true, user: undefined };
  if (bearer === null) return { ok: false, code: 'PGRST301', message: 'Authorization must be "Bearer <access token>"' };
  const check = await checkToken(engine, bearer);
  if (check.ok) return { ok: true, user: check.user };
  const expired = check.reason.startsWith('InvalidJWTToken');
  // The apikey as bearer (a foreign anon key, any string): anonymous. Our own expired token stays an error.
  if (bearer === apikeyOf(req, url) && !expired) return { ok: true, user: undefined };
  return { ok: false, code: expired ? 'PGRST303' : 'PGRST301', message: expired ? 'JWT expired' : `Invalid token: ${check.message}` };
}
