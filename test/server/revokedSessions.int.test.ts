/**
 * A socket must not outlive its login session: when a logout, ALTER USER (password or role),
 * DROP USER or refresh-token reuse ends sessions, every open `/v1/ws` socket and every Phoenix join
 * whose token belonged to them is ended at once (1008 / `Session ended` + `phx_close`), and no row
 * reaches it afterwards. Sockets of the user's other, still live sessions stay open.
 *
 * The Phoenix watchdog is left at its default (5 minutes) so only the revocation notice can end the
 * join within the test's wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import { rawPhoenix } from '../supabase-server/rawPhoenix.js';
import { login, request, sql } from './httpTestClient.js';
import { WsTestClient } from './wsTestClient.js';

let server: DevServer;
let admin: string;
let users = 0;
let nextId = 0;

beforeAll(async () => {
  server = await startDevServer({ quiet: true, authRateLimitPerSec: 0, users: [{ user: 'root', password: 'root-pass', role: 'dba' }] });
  admin = await login(server, 'root', 'root-pass');
  for (const text of ['CREATE NAMESPACE IF NOT EXISTS app', "CREATE SHARED TABLE app.feed (id BIGINT PRIMARY KEY, body TEXT) WITH (ACCESS_LEVEL = 'PUBLIC')"]) {
    const r = await sql(server, admin, text);
    expect(r.status, r.text).toBe(200);
  }
});
afterAll(() => server.close());

async function freshUser(): Promise<string> {
  const name = `rv${++users}`;
  expect((await sql(server, admin, `CREATE USER ${name} WITH PASSWORD '${name}-pw' ROLE user`)).status).toBe(200);
  return name;
}

async function loginPair(name: string): Promise<{ access: string; refresh: string }> {
  const r = await request(server, 'POST', '/v1/api/auth/login', { body: { user: name, password: `${name}-pw` } });
  expect(r.status, r.text).toBe(200);
  return { access: r.json.access_token, refresh: r.json.refresh_token };
}

/** An authenticated /v1/ws socket subscribed to app.feed, its initial load done. */
async function feedSocket(token: string, how: 'message' | 'header' = 'message'): Promise<WsTestClient> {
  const c =
    how === 'message' ? await WsTestClient.authed(server.wsUrl, token) : await WsTestClient.connect(server.wsUrl, { authorization: `Bearer ${token}` });
  if (how === 'header') await c.next((m) => m.type === 'auth_success');
  c.send({ type: 'subscribe', subscription: { id: 'feed', sql: 'SELECT id, body FROM app.feed', options: {} } });
  await c.next((m) => m.type === 'subscription_ack');
  return c;
}

async function insertFeed(): Promise<number> {
  const id = ++nextId;
  expect((await sql(server, admin, 'INSERT INTO app.feed (id, body) VALUES ($1, $2)', [id, `row ${id}`])).status).toBe(200);
  return id;
}

/** The socket sees the insert of a fresh row (it is alive and receiving). */
async function seesInsert(c: WsTestClient): Promise<void> {
  const id = await insertFeed();
  await c.next((m) => m.type === 'change' && JSON.stringify(m).includes(`"row ${id}"`));
}

async function endedWith1008(c: WsTestClient): Promise<void> {
  const closed = await Promise.race([c.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5_000))]);
  expect(closed, 'the socket should close within 5 s of the revocation').toBeDefined();
  expect(closed!.code).toBe(1008);
  expect(closed!.reason).toMatch(/log in again/);
}

describe('/v1/ws sockets end with their session', () => {
  it('logout closes that session’s socket (1008) and no later row reaches it; the other session’s socket stays', async () => {
    const name = await freshUser();
    const a = await loginPair(name);
    const b = await loginPair(name);
    const ca = await feedSocket(a.access);
    const cb = await feedSocket(b.access);
    await seesInsert(ca);
    expect((await request(server, 'POST', '/v1/api/auth/logout', { token: a.access })).status).toBe(200);
    await endedWith1008(ca);
    const changesBefore = ca.received.filter((r) => r.msg.type === 'change').length;
    await seesInsert(cb);
    expect(ca.received.filter((r) => r.msg.type === 'change')).toHaveLength(changesBefore);
    expect(cb.closeInfo).toBeUndefined();
    cb.socket.close();
  });

  it('a password change closes every socket of the user, header-authenticated ones too', async () => {
    const name = await freshUser();
    const viaMessage = await feedSocket((await loginPair(name)).access, 'message');
    const viaHeader = await feedSocket((await loginPair(name)).access, 'header');
    expect((await sql(server, admin, `ALTER USER ${name} SET PASSWORD 'changed-pw'`)).status).toBe(200);
    await endedWith1008(viaMessage);
    await endedWith1008(viaHeader);
  });

  it('a role change and DROP USER close the user’s sockets; other users’ sockets stay', async () => {
    const demoted = await freshUser();
    const dropped = await freshUser();
    const bystander = await freshUser();
    const c1 = await feedSocket((await loginPair(demoted)).access);
    const c2 = await feedSocket((await loginPair(dropped)).access);
    const c3 = await feedSocket((await loginPair(bystander)).access);
    expect((await sql(server, admin, `ALTER USER ${demoted} SET ROLE service`)).status).toBe(200);
    await endedWith1008(c1);
    expect((await sql(server, admin, `DROP USER ${dropped}`)).status).toBe(200);
    await endedWith1008(c2);
    await seesInsert(c3);
    expect(c3.closeInfo).toBeUndefined();
    c3.socket.close();
  });

  it('reusing a rotated refresh token revokes the session and closes its socket', async () => {
    const name = await freshUser();
    const first = await loginPair(name);
    const refreshed = await request(server, 'POST', '/v1/api/auth/refresh', { token: first.refresh });
    expect(refreshed.status).toBe(200);
    const c = await feedSocket(refreshed.json.access_token);
    expect((await request(server, 'POST', '/v1/api/auth/refresh', { token: first.refresh })).status).toBe(401);
    await endedWith1008(c);
  });
});

describe('Phoenix joins end with their session (without waiting for the watchdog)', () => {
  it('logout ends the join at once: system error "Session ended", phx_close, and no more postgres_changes', async () => {
    const name = await freshUser();
    const { access } = await loginPair(name);
    const s = await rawPhoenix(`${server.realtimeUrl}/websocket?apikey=k&vsn=2.0.0`);
    s.send(['1', '1', 'realtime:feed', 'phx_join', { config: { postgres_changes: [{ event: '*', schema: 'app', table: 'feed' }] }, access_token: access }]);
    expect((await s.next((f) => f[1] === '1'))[4].status).toBe('ok');
    await s.next((f) => f[3] === 'system' && f[4].message === 'Subscribed to PostgreSQL');
    await insertFeed();
    await s.next((f) => f[3] === 'postgres_changes');
    const started = Date.now();
    expect((await request(server, 'POST', '/v1/api/auth/logout', { token: access })).status).toBe(200);
    const system = await s.next((f) => f[3] === 'system' && f[4].status === 'error');
    expect(system[4].message).toMatch(/^Session ended/);
    await s.next((f) => f[3] === 'phx_close');
    expect(Date.now() - started).toBeLessThan(5_000);
    await insertFeed();
    await new Promise((r) => setTimeout(r, 200));
    expect(s.texts().filter((f) => f[3] === 'postgres_changes')).toHaveLength(1);
    s.close();
  });
});
