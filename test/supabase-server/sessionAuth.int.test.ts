/**
 * The Supabase endpoints check tokens with the same function as `/v1/ws` and the SQL API
 * (`engine.verifyAccessToken`: signature, expiry, live login session, user and role): a token whose
 * session ended (logout, password change, DROP USER), whose role changed, or that was never bound to
 * a session is refused at `phx_join`, on an `access_token` push, by the join's watchdog, on
 * `GET /rest/v1` and `POST /api/broadcast`, and as the socket's apikey.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, sql } from '../server/httpTestClient.js';
import { rawPhoenix, upgradeStatus } from './rawPhoenix.js';
import { eventually, startRealtimeHarness, type RealtimeHarness } from './realtimeHarness.js';

let h: RealtimeHarness;
let base: string;
let userCount = 0;

beforeAll(async () => {
  h = await startRealtimeHarness({ tokenRecheckMs: 200 });
  base = h.server.url.replace('http:', 'ws:');
  await h.sql('admin', 'CREATE USER TABLE app.notes (id BIGINT PRIMARY KEY, body TEXT)');
});
afterAll(() => h.close());

/** A fresh user (role `role`) and an access token of a new login session. */
async function freshUser(role: 'user' | 'dba' = 'user'): Promise<{ name: string; token: string }> {
  const name = `u${++userCount}`;
  const r = await sql(h.server, h.tokens.admin, `CREATE USER ${name} WITH PASSWORD '${name}-pw' ROLE ${role}`);
  expect(r.status, r.text).toBe(200);
  return { name, token: await loginToken(name) };
}

async function loginToken(name: string): Promise<string> {
  const r = await request(h.server, 'POST', '/v1/api/auth/login', { body: { user: name, password: `${name}-pw` } });
  expect(r.status, r.text).toBe(200);
  return r.json.access_token as string;
}

async function logout(token: string): Promise<void> {
  expect((await request(h.server, 'POST', '/v1/api/auth/logout', { token })).status).toBe(200);
}

/** Every way a token is presented, with what each answered. */
async function everywhere(token: string): Promise<{ join: string; rest: number; restAsApikey: number; broadcast: number; upgrade: number }> {
  const s = await rawPhoenix(`${base}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
  s.send(['1', '1', 'realtime:probe', 'phx_join', { access_token: token }]);
  const reply = (await s.next((f) => f[1] === '1'))[4];
  s.close();
  const rest = (await h.rest('/rest/v1/app.notes', { token })).status;
  const restAsApikey = (await h.rest('/rest/v1/app.notes', { token, headers: { apikey: token } })).status;
  const broadcast = (await request(h.server, 'POST', '/api/broadcast', { token, body: { messages: [{ topic: 'probe', event: 'e', payload: {} }] } })).status;
  const upgrade = (await upgradeStatus(`${base}/realtime/v1/websocket?apikey=${encodeURIComponent(token)}&vsn=2.0.0`)).status;
  return { join: reply.status === 'ok' ? 'ok' : reply.response.reason, rest, restAsApikey, broadcast, upgrade };
}

describe('the same token rules as /v1/ws and the SQL API', () => {
  it('a live token works everywhere', async () => {
    const { token } = await freshUser();
    expect(await everywhere(token)).toEqual({ join: 'ok', rest: 200, restAsApikey: 200, broadcast: 202, upgrade: 101 });
  });

  it('after logout the token is refused everywhere (a 401, never silently anonymous); another session stays good', async () => {
    const { name, token } = await freshUser();
    const other = await loginToken(name);
    await logout(token);
    const seen = await everywhere(token);
    expect(seen).toEqual({ join: expect.stringMatching(/^InvalidJWTToken: Session ended/), rest: 401, restAsApikey: 401, broadcast: 401, upgrade: 401 });
    expect(JSON.stringify(seen)).not.toContain(token);
    expect((await h.rest('/rest/v1/app.notes', { token })).json).toMatchObject({ code: 'PGRST301', message: expect.stringMatching(/Session ended/) });
    expect((await everywhere(other)).join).toBe('ok');
  });

  it('a role change, a password change and DROP USER end the earlier tokens', async () => {
    const dba = await freshUser('dba');
    expect((await sql(h.server, h.tokens.admin, `ALTER USER ${dba.name} SET ROLE user`)).status).toBe(200);
    expect((await everywhere(dba.token)).join).toMatch(/^InvalidJWTToken: /);
    expect((await h.rest('/rest/v1/app.notes', { token: dba.token })).status).toBe(401);

    const pw = await freshUser();
    expect((await sql(h.server, h.tokens.admin, `ALTER USER ${pw.name} SET PASSWORD 'changed-pw'`)).status).toBe(200);
    expect(await everywhere(pw.token)).toMatchObject({ join: expect.stringMatching(/^InvalidJWTToken: Session ended/), rest: 401, broadcast: 401 });

    const gone = await freshUser();
    expect((await sql(h.server, h.tokens.admin, `DROP USER ${gone.name}`)).status).toBe(200);
    expect(await everywhere(gone.token)).toMatchObject({ join: expect.stringMatching(/^InvalidJWTToken: /), rest: 401, broadcast: 401, upgrade: 401 });
  });

  it('a correctly signed token without a login session is refused', async () => {
    const { name } = await freshUser();
    const sessionless = (await h.server.engine.tokens.issue({ id: name, role: 'user' })).accessToken;
    expect(await everywhere(sessionless)).toMatchObject({ join: expect.stringMatching(/^InvalidJWTToken: /), rest: 401, broadcast: 401, upgrade: 401 });
  });

  it('an access_token push with an ended session kills the channel (system error + phx_close)', async () => {
    const a = await freshUser();
    const b = await freshUser();
    await logout(b.token);
    const s = await rawPhoenix(`${base}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
    s.send(['1', '1', 'realtime:push', 'phx_join', { access_token: a.token }]);
    expect((await s.next((f) => f[1] === '1'))[4].status).toBe('ok');
    s.send(['1', '2', 'realtime:push', 'access_token', { access_token: b.token }]);
    const system = await s.next((f) => f[3] === 'system');
    expect(system[4]).toMatchObject({ status: 'error', message: expect.stringMatching(/^Session ended/) });
    await s.next((f) => f[3] === 'phx_close');
    s.close();
  });

  it('the watchdog re-checks the session: a logout ends a joined channel and its rows stop', async () => {
    const u = await freshUser();
    const s = await rawPhoenix(`${base}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
    s.send(['1', '1', 'realtime:watch', 'phx_join', { config: { postgres_changes: [{ event: '*', schema: 'app', table: 'notes' }] }, access_token: u.token }]);
    expect((await s.next((f) => f[1] === '1'))[4].status).toBe('ok');
    await s.next((f) => f[3] === 'system' && f[4].message === 'Subscribed to PostgreSQL');
    expect((await sql(h.server, u.token, 'INSERT INTO app.notes (id, body) VALUES (1, $1)', ['before'])).status).toBe(200);
    await s.next((f) => f[3] === 'postgres_changes');
    await logout(u.token);
    const system = await s.next((f) => f[3] === 'system' && f[4].status === 'error');
    expect(system[4].message).toMatch(/^Session ended/);
    await s.next((f) => f[3] === 'phx_close');
    const fresh = await loginToken(u.name);
    expect((await sql(h.server, fresh, 'INSERT INTO app.notes (id, body) VALUES (2, $1)', ['after'])).status).toBe(200);
    await eventually(() => expect(h.server.realtime.stats().postgresJoins).toBe(0));
    expect(s.texts().filter((f) => f[3] === 'postgres_changes')).toHaveLength(1);
    s.close();
  });
});
