import type * as http from 'node:http';
import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { RateLimiter } from '../auth/rateLimiter.js';
import type { IssuedTokens } from '../auth/tokens.js';
import type { PgliteEngine, StoredUser } from '../engine/pgliteEngine.js';
import { isEngineAuthError } from '../engine/types.js';
import { bearerToken, BodyError, clientIp, cookie, isLoopback, parseJsonObject, readBody, sendJson } from './httpIo.js';

const AUTH_BODY_LIMIT = 16 * 1024;
const MAX_USER = 128;
const MAX_PASSWORD = 256;

export interface AuthContext {
  readonly engine: PgliteEngine;
  readonly limiter: RateLimiter;
  readonly headers: Record<string, string>;
}

class AuthHttpError extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function userJson(u: StoredUser): Record<string, unknown> {
  return { id: u.id, role: u.role, email: u.email, created_at: rfc3339(u.createdAt), updated_at: rfc3339(u.updatedAt) };
}

const isAdmin = (u: StoredUser): boolean => u.role === 'dba' || u.role === 'system';

function tokenCookie(name: string, value: string, maxAge: number): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.max(0, Math.floor(maxAge))}`;
}

async function issueResponse(ctx: AuthContext, res: http.ServerResponse, user: StoredUser): Promise<void> {
  const t = await ctx.engine.issueTokens({ id: user.id, role: user.role }, user.email);
  sendTokens(ctx, res, user, t);
}

function sendTokens(ctx: AuthContext, res: http.ServerResponse, user: StoredUser, t: IssuedTokens): void {
  const now = Date.now();
  sendJson(
    res,
    200,
    {
      user: userJson(user),
      admin_ui_access: isAdmin(user),
      expires_at: rfc3339(t.accessExpiresAt),
      access_token: t.accessToken,
      refresh_expires_at: rfc3339(t.refreshExpiresAt),
      refresh_token: t.refreshToken,
    },
    {
      ...ctx.headers,
      'Set-Cookie': [
        tokenCookie('kalamdb_auth', t.accessToken, (t.accessExpiresAt.getTime() - now) / 1000),
        tokenCookie('kalamdb_refresh', t.refreshToken, (t.refreshExpiresAt.getTime() - now) / 1000),
      ],
    },
  );
}

/** Reads a small JSON object body whose keys must all be in `allowed`. */
async function readAuthBody(req: http.IncomingMessage, allowed: readonly string[]): Promise<Record<string, unknown>> {
  const body = parseJsonObject(await readBody(req, AUTH_BODY_LIMIT));
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw new AuthHttpError(400, 'bad_request', `Unknown field '${key.slice(0, 64)}'`);
  }
  return body;
}

function stringField(body: Record<string, unknown>, names: readonly string[], max: number, required: boolean): string | undefined {
  const present = names.filter((n) => body[n] !== undefined && body[n] !== null);
  if (present.length > 1) throw new AuthHttpError(400, 'bad_request', `Use only one of ${names.join(', ')}`);
  const name = present[0];
  if (name === undefined) {
    if (required) throw new AuthHttpError(400, 'bad_request', `Missing field '${names[0]}'`);
    return undefined;
  }
  const v = body[name];
  if (typeof v !== 'string') throw new AuthHttpError(400, 'bad_request', `'${name}' must be a string`);
  if (v.length === 0 || v.length > max) throw new AuthHttpError(400, 'bad_request', `'${name}' must have 1 to ${max} characters`);
  return v;
}

function rateLimit(ctx: AuthContext, req: http.IncomingMessage): void {
  if (!ctx.limiter.allow(clientIp(req))) {
    throw new AuthHttpError(429, 'rate_limited', 'Too many authentication attempts. Please retry shortly.');
  }
}

async function login(ctx: AuthContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  rateLimit(ctx, req);
  const body = await readAuthBody(req, ['user', 'username', 'password']);
  const name = stringField(body, ['user', 'username'], MAX_USER, true)!;
  const password = stringField(body, ['password'], MAX_PASSWORD, true)!;
  const user = await ctx.engine.findUser(name);
  if (user === undefined) {
    // Same work as a wrong password, so response times do not reveal which user names exist.
    await verifyPassword(password, await dummyHash());
    if ((await ctx.engine.countUsers(['user', 'service', 'dba', 'system'])) === 0) {
      throw new AuthHttpError(428, 'setup_required', 'Server setup required: POST /v1/api/auth/setup from localhost');
    }
    throw new AuthHttpError(401, 'unauthorized', 'Invalid credentials');
  }
  if (!(await verifyPassword(password, user.passwordHash))) throw new AuthHttpError(401, 'unauthorized', 'Invalid credentials');
  await issueResponse(ctx, res, user);
}

let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  return dummy;
}

/** The stored user of a live access token (session and role checked). */
async function verifiedUser(ctx: AuthContext, token: string | undefined): Promise<StoredUser> {
  if (token === undefined) throw new AuthHttpError(401, 'unauthorized', 'Missing credentials', 'MISSING_AUTHORIZATION');
  let id: string;
  try {
    id = (await ctx.engine.verifyAccessToken(token)).id;
  } catch (e) {
    if (isEngineAuthError(e)) throw new AuthHttpError(401, 'unauthorized', e.message, e.code);
    throw e;
  }
  const user = await ctx.engine.findUser(id);
  if (user === undefined) throw new AuthHttpError(401, 'unauthorized', 'Invalid credentials', 'INVALID_CREDENTIALS');
  return user;
}

function tokenFrom(req: http.IncomingMessage, cookieName: string, cookieWins: boolean): string | undefined {
  const c = cookie(req, cookieName);
  const b = bearerToken(req) ?? undefined;
  return cookieWins ? (c ?? b) : (b ?? c);
}

async function refresh(ctx: AuthContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  rateLimit(ctx, req);
  await readBody(req, AUTH_BODY_LIMIT);
  const token = tokenFrom(req, 'kalamdb_refresh', true);
  if (token === undefined) throw new AuthHttpError(401, 'unauthorized', 'Missing credentials', 'MISSING_AUTHORIZATION');
  let rotated;
  try {
    rotated = await ctx.engine.refreshTokens(token);
  } catch (e) {
    if (isEngineAuthError(e)) throw new AuthHttpError(401, 'unauthorized', e.message, e.code);
    throw e;
  }
  const user = await ctx.engine.findUser(rotated.user.id);
  if (user === undefined) throw new AuthHttpError(401, 'unauthorized', 'Invalid credentials', 'INVALID_CREDENTIALS');
  sendTokens(ctx, res, user, rotated.tokens);
}

async function me(ctx: AuthContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const user = await verifiedUser(ctx, tokenFrom(req, 'kalamdb_auth', false));
  sendJson(res, 200, { user: userJson(user), admin_ui_access: isAdmin(user) }, ctx.headers);
}

/** Ends the session of the presented access or refresh token (header or cookies); always answers 200 and clears the cookies. */
async function logout(ctx: AuthContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  for (const token of new Set([bearerToken(req) ?? undefined, cookie(req, 'kalamdb_auth'), cookie(req, 'kalamdb_refresh')])) {
    if (token !== undefined) await ctx.engine.revokeToken(token);
  }
  sendJson(res, 200, { message: 'Logged out successfully' }, {
    ...ctx.headers,
    'Set-Cookie': [tokenCookie('kalamdb_auth', '', 0), tokenCookie('kalamdb_refresh', '', 0)],
  });
}

async function needsSetup(ctx: AuthContext): Promise<boolean> {
  return (await ctx.engine.countUsers(['dba', 'system'])) === 0;
}

async function setup(ctx: AuthContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (!isLoopback(req)) throw new AuthHttpError(403, 'forbidden', 'Setup is only allowed from localhost');
  rateLimit(ctx, req);
  const body = await readAuthBody(req, ['user', 'username', 'password', 'root_password', 'email']);
  const name = stringField(body, ['user', 'username'], MAX_USER, true)!;
  const password = stringField(body, ['password'], MAX_PASSWORD, true)!;
  const rootPassword = stringField(body, ['root_password'], MAX_PASSWORD, true)!;
  const email = stringField(body, ['email'], 256, false) ?? null;
  if (name === 'root') throw new AuthHttpError(400, 'bad_request', "The DBA user cannot be named 'root'");
  if (!(await needsSetup(ctx))) throw new AuthHttpError(409, 'already_configured', 'Server is already set up');
  await ctx.engine.createUser(name, password, 'dba', email);
  if ((await ctx.engine.findUser('root')) === undefined) await ctx.engine.createUser('root', rootPassword, 'system');
  const user = (await ctx.engine.findUser(name))!;
  sendJson(res, 200, { message: 'Server setup completed successfully', user: userJson(user) }, ctx.headers);
}

async function status(ctx: AuthContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (!isLoopback(req)) throw new AuthHttpError(403, 'forbidden', 'Status is only available from localhost');
  const needs = await needsSetup(ctx);
  sendJson(res, 200, { needs_setup: needs, message: needs ? 'Server requires initial setup' : 'Server is configured' }, ctx.headers);
}

/** Routes `/v1/api/auth/*`; returns false for unknown paths. */
export async function handleAuth(ctx: AuthContext, path: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
  const routes: Record<string, [string, () => Promise<void> | void]> = {
    '/v1/api/auth/login': ['POST', () => login(ctx, req, res)],
    '/v1/api/auth/refresh': ['POST', () => refresh(ctx, req, res)],
    '/v1/api/auth/me': ['GET', () => me(ctx, req, res)],
    '/v1/api/auth/logout': ['POST', () => logout(ctx, req, res)],
    '/v1/api/auth/setup': ['POST', () => setup(ctx, req, res)],
    '/v1/api/auth/status': ['GET', () => status(ctx, req, res)],
  };
  const route = routes[path];
  if (route === undefined) return false;
  try {
    if (req.method !== route[0]) throw new AuthHttpError(405, 'method_not_allowed', `Use ${route[0]} ${path}`);
    await route[1]();
  } catch (e) {
    if (e instanceof AuthHttpError) {
      const body: Record<string, unknown> = { error: e.kind, message: e.message };
      if (e.code !== undefined) body['code'] = e.code;
      sendJson(res, e.status, body, ctx.headers);
    } else if (e instanceof BodyError) {
      sendJson(res, e.status, { error: 'bad_request', message: e.message }, ctx.headers);
      if (e.status === 413) res.on('finish', () => req.destroy());
    } else {
      sendJson(res, 500, { error: 'internal_error', message: 'Internal error' }, ctx.headers);
    }
  }
  return true;
}
