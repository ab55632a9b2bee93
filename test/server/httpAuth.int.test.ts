import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../server/auth/tokens.js';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import { login, request, sql } from './httpTestClient.js';

const SECRET = 'auth-test-secret-0123456789';
let server: DevServer;

beforeAll(async () => {
  server = await startDevServer({
    quiet: true,
    jwtSecret: SECRET,
    authRateLimitPerSec: 0,
    users: [
      { user: 'alice', password: 'alice-pass', role: 'user' },
      { user: 'boss', password: 'boss-pass', role: 'dba' },
    ],
  });
});

afterAll(async () => {
  await server.close();
});

describe('auth endpoints (§3)', () => {
  it('logs in with user or username and returns the §3.1 shape, cookies and §3.2 claims', async () => {
    const r = await request(server, 'POST', '/v1/api/auth/login', { body: { username: 'alice', password: 'alice-pass' } });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      user: { id: 'alice', role: 'user', email: null, created_at: expect.stringMatching(/Z$/), updated_at: expect.stringMatching(/Z$/) },
      admin_ui_access: false,
      expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      access_token: expect.any(String),
      refresh_expires_at: expect.any(String),
      refresh_token: expect.any(String),
    });
    const claims = decodeJwt(r.json.access_token);
    expect(claims).toMatchObject({ sub: 'alice', iss: 'kalamdb', role: 'user', token_type: 'access' });
    expect(typeof claims.exp).toBe('number');
    expect(typeof claims.iat).toBe('number');
    expect(decodeJwt(r.json.refresh_token).token_type).toBe('refresh');
    const cookies = r.headers.getSetCookie();
    expect(cookies.some((c) => c.startsWith('kalamdb_auth=') && c.includes('HttpOnly'))).toBe(true);
    expect(cookies.some((c) => c.startsWith('kalamdb_refresh='))).toBe(true);
    const dba = await request(server, 'POST', '/v1/api/auth/login', { body: { user: 'boss', password: 'boss-pass' } });
    expect(dba.json.admin_ui_access).toBe(true);
  });

  it('rejects bad logins with the auth error shape', async () => {
    const wrong = await request(server, 'POST', '/v1/api/auth/login', { body: { user: 'alice', password: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ error: 'unauthorized', message: 'Invalid credentials' });
    const unknownUser = await request(server, 'POST', '/v1/api/auth/login', { body: { user: 'ghost', password: 'x' } });
    expect(unknownUser.status).toBe(401);
    const extra = await request(server, 'POST', '/v1/api/auth/login', { body: { user: 'alice', password: 'alice-pass', admin: true } });
    expect(extra.status).toBe(400);
    expect(extra.json.error).toBe('bad_request');
    const long = await request(server, 'POST', '/v1/api/auth/login', { body: { user: 'a'.repeat(129), password: 'x' } });
    expect(long.status).toBe(400);
    const longPw = await request(server, 'POST', '/v1/api/auth/login', { body: { user: 'alice', password: 'x'.repeat(257) } });
    expect(longPw.status).toBe(400);
    const missing = await request(server, 'POST', '/v1/api/auth/login', { body: { user: 'alice' } });
    expect(missing.status).toBe(400);
    const badJson = await request(server, 'POST', '/v1/api/auth/login', { raw: '{"user":', headers: { 'content-type': 'application/json' } });
    expect(badJson.status).toBe(400);
    const get = await request(server, 'GET', '/v1/api/auth/login');
    expect(get.status).toBe(405);
  });

  it('refreshes with Bearer or cookie, rotating both tokens; rejects access tokens', async () => {
    const first = await request(server, 'POST', '/v1/api/auth/login', { body: { user: 'alice', password: 'alice-pass' } });
    const viaBearer = await request(server, 'POST', '/v1/api/auth/refresh', { token: first.json.refresh_token });
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.json.access_token).not.toBe(first.json.access_token);
    expect(viaBearer.json.refresh_token).not.toBe(first.json.refresh_token);
    expect(viaBearer.json.user.id).toBe('alice');
    const viaCookie = await request(server, 'POST', '/v1/api/auth/refresh', {
      headers: { cookie: `kalamdb_refresh=${viaBearer.json.refresh_token}` },
      token: first.json.access_token,
    });
    expect(viaCookie.status).toBe(200);
    const withAccess = await request(server, 'POST', '/v1/api/auth/refresh', { token: first.json.access_token });
    expect(withAccess.status).toBe(401);
    expect(withAccess.json.message).toBe('Refresh endpoint requires a refresh token');
    expect(withAccess.text).not.toContain(first.json.access_token);
    const none = await request(server, 'POST', '/v1/api/auth/refresh');
    expect(none.status).toBe(401);
    const sqlWithRefresh = await sql(server, first.json.refresh_token, 'SELECT 1');
    expect(sqlWithRefresh.status).toBe(401);
    expect(sqlWithRefresh.json.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('answers /me with Bearer or cookie, and /logout clears cookies', async () => {
    const token = await login(server, 'alice', 'alice-pass');
    const me = await request(server, 'GET', '/v1/api/auth/me', { token });
    expect(me.status).toBe(200);
    expect(me.json).toEqual({ user: expect.objectContaining({ id: 'alice', role: 'user' }), admin_ui_access: false });
    const meCookie = await request(server, 'GET', '/v1/api/auth/me', { headers: { cookie: `other=1; kalamdb_auth=${token}` } });
    expect(meCookie.status).toBe(200);
    expect((await request(server, 'GET', '/v1/api/auth/me')).status).toBe(401);
    const out = await request(server, 'POST', '/v1/api/auth/logout');
    expect(out.json).toEqual({ message: 'Logged out successfully' });
    expect(out.headers.getSetCookie().every((c) => c.includes('Max-Age=0'))).toBe(true);
  });

  it('reports status and runs setup once from loopback', async () => {
    const st = await request(server, 'GET', '/v1/api/auth/status');
    expect(st.json).toEqual({ needs_setup: false, message: expect.any(String) });
    const again = await request(server, 'POST', '/v1/api/auth/setup', { body: { username: 'admin', password: 'kalamdb123', root_password: 'kalamdb123' } });
    expect(again.status).toBe(409);
  });

  it('Bearer endpoints: Basic → 401, expired → TOKEN_EXPIRED, garbage → INVALID_CREDENTIALS, missing → MISSING_AUTHORIZATION', async () => {
    const basic = await request(server, 'POST', '/v1/api/sql', {
      body: { sql: 'SELECT 1' },
      headers: { authorization: `Basic ${Buffer.from('alice:alice-pass').toString('base64')}` },
    });
    expect(basic.status).toBe(401);
    expect(basic.json).toMatchObject({ status: 'error', results: [], error: { message: 'This endpoint requires a Bearer token' } });
    const old = await new TokenService({ secret: SECRET, accessTokenTtlSeconds: 60 }).issue({ id: 'alice', role: 'user' }, null, Date.now() - 3600_000);
    const expired = await sql(server, old.accessToken, 'SELECT 1');
    expect(expired.status).toBe(401);
    expect(expired.json.error.code).toBe('TOKEN_EXPIRED');
    expect(expired.text).not.toContain(old.accessToken);
    const forged = await new TokenService({ secret: 'another-secret' }).issue({ id: 'alice', role: 'dba' });
    const bad = await sql(server, forged.accessToken, 'SELECT 1');
    expect(bad.status).toBe(401);
    expect(bad.json.error.code).toBe('INVALID_CREDENTIALS');
    const none = await request(server, 'POST', '/v1/api/sql', { body: { sql: 'SELECT 1' } });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('MISSING_AUTHORIZATION');
    await expect(server.engine.verifyAccessToken(old.accessToken)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('serves health from loopback and answers CORS preflights', async () => {
    const h = await request(server, 'GET', '/health');
    expect(h.json).toMatchObject({ status: 'healthy', api_version: 'v1' });
    expect((await request(server, 'GET', '/v1/api/healthcheck')).status).toBe(200);
    const pre = await request(server, 'OPTIONS', '/v1/api/sql', {
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const withOrigin = await request(server, 'GET', '/health', { headers: { origin: 'http://localhost:5173' } });
    expect(withOrigin.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect((await request(server, 'GET', '/nope')).status).toBe(404);
  });

  it('by default only pages served from loopback origins may use the API from a browser', async () => {
    for (const origin of ['http://127.0.0.1:63315', 'http://[::1]:3000', 'https://localhost', 'http://app.localhost:5173']) {
      const r = await request(server, 'GET', '/health', { headers: { origin } });
      expect(r.headers.get('access-control-allow-origin'), origin).toBe(origin);
    }
    for (const origin of ['https://evil.example', 'http://127.0.0.1.evil.example', 'null', 'file://']) {
      const pre = await request(server, 'OPTIONS', '/v1/api/auth/setup', {
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(pre.status, origin).toBe(403);
      // A "simple" cross-site POST (no preflight) is refused before it reaches the handler.
      const setup = await request(server, 'POST', '/v1/api/auth/setup', {
        headers: { origin, 'content-type': 'text/plain' },
        body: { username: 'intruder', password: 'intruder-pass', root_password: 'intruder-pass' },
      });
      expect(setup.status, origin).toBe(403);
      expect(setup.headers.get('access-control-allow-origin')).toBeNull();
    }
    const intruder = await request(server, 'POST', '/v1/api/auth/login', { body: { user: 'intruder', password: 'intruder-pass' } });
    expect(intruder.status).toBe(401);
  });

  it("corsOrigins '*' or an explicit list replaces the loopback default", async () => {
    const open = await startDevServer({ quiet: true, corsOrigins: ['https://app.example.com'] });
    try {
      const ok = await request(open, 'GET', '/health', { headers: { origin: 'https://app.example.com' } });
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      const local = await request(open, 'GET', '/health', { headers: { origin: 'http://localhost:5173' } });
      expect(local.status).toBe(403);
    } finally {
      await open.close();
    }
  });
});

describe('setup and rate limits on a fresh server', () => {
  it('needs setup, creates the DBA and root users, then logs in; limits auth per IP', async () => {
    const fresh = await startDevServer({ quiet: true, authRateLimitPerSec: 3 });
    try {
      const st = await request(fresh, 'GET', '/v1/api/auth/status');
      expect(st.json.needs_setup).toBe(true);
      const pre = await request(fresh, 'POST', '/v1/api/auth/login', { body: { user: 'admin', password: 'kalamdb123' } });
      expect(pre.status).toBe(428);
      expect(pre.json.error).toBe('setup_required');
      const setup = await request(fresh, 'POST', '/v1/api/auth/setup', {
        body: { username: 'admin', password: 'kalamdb123', root_password: 'kalamdb123', extra: 1 },
      });
      expect(setup.status).toBe(400);
      let limited = 0;
      for (let i = 0; i < 6; i++) {
        const r = await request(fresh, 'POST', '/v1/api/auth/login', { body: { user: 'x', password: 'y' } });
        if (r.status === 429) {
          limited++;
          expect(r.json).toEqual({ error: 'rate_limited', message: expect.any(String) });
        }
      }
      expect(limited).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  });

  it('bootstraps like KalamDB CI', async () => {
    const fresh = await startDevServer({ quiet: true, authRateLimitPerSec: 0 });
    try {
      const setup = await request(fresh, 'POST', '/v1/api/auth/setup', { body: { username: 'admin', password: 'kalamdb123', root_password: 'kalamdb123' } });
      expect(setup.status).toBe(200);
      expect((await request(fresh, 'GET', '/v1/api/auth/status')).json.needs_setup).toBe(false);
      const token = await login(fresh, 'admin', 'kalamdb123');
      expect((await sql(fresh, token, 'CREATE NAMESPACE IF NOT EXISTS e2e')).status).toBe(200);
      expect((await login(fresh, 'root', 'kalamdb123')).length).toBeGreaterThan(20);
    } finally {
      await fresh.close();
    }
  });
});
