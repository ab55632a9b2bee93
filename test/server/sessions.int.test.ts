/**
 * Tokens are checked against the current user, role and session on every request (HTTP and
 * /v1/ws), as KalamDB looks the user up each time: DROP USER, a role change, a password change,
 * logout and refresh-token reuse end what was issued before. With `--data` the signing secret is
 * kept with the data, so a restart keeps clients logged in.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_FILE } from '../../server/auth/persistentSecret.js';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import { login, request, sql } from './httpTestClient.js';
import { WsTestClient } from './wsTestClient.js';

let server: DevServer;
let admin: string;

beforeAll(async () => {
  server = await startDevServer({ quiet: true, authRateLimitPerSec: 0, users: [{ user: 'root', password: 'root-pass', role: 'dba' }] });
  admin = await login(server, 'root', 'root-pass');
});
afterAll(() => server.close());

async function loginPair(user: string, password: string): Promise<{ access: string; refresh: string }> {
  const r = await request(server, 'POST', '/v1/api/auth/login', { body: { user, password } });
  expect(r.status, r.text).toBe(200);
  return { access: r.json.access_token, refresh: r.json.refresh_token };
}

async function createUser(name: string, role: string): Promise<void> {
  const r = await sql(server, admin, `CREATE USER ${name} WITH PASSWORD '${name}-pw' ROLE ${role}`);
  expect(r.status, r.text).toBe(200);
}

/** The token opens a /v1/ws session (auth_success) or is refused (auth_error + 1008). */
async function wsAccepts(token: string): Promise<boolean> {
  const c = await WsTestClient.connect(server.wsUrl);
  c.send({ type: 'authenticate', method: 'jwt', token, protocol: { serialization: 'json', compression: 'gzip' } });
  const first = await c.next();
  if (first.type === 'auth_success') {
    c.socket.close();
    return true;
  }
  expect(first.type).toBe('auth_error');
  expect((await c.closed).code).toBe(1008);
  return false;
}

const sqlStatus = async (token: string, text = 'SELECT 1 AS x'): Promise<number> => (await sql(server, token, text)).status;

describe('tokens follow the user, the role and the session', () => {
  it('DROP USER: the dropped user’s access token no longer runs SQL or opens /v1/ws', async () => {
    await createUser('bob', 'user');
    const { access } = await loginPair('bob', 'bob-pw');
    expect(await sqlStatus(access)).toBe(200);
    expect(await wsAccepts(access)).toBe(true);
    expect((await sql(server, admin, 'DROP USER bob')).status).toBe(200);
    const r = await sql(server, access, 'SELECT 1 AS x');
    expect(r.status).toBe(401);
    expect(r.text).not.toContain(access);
    expect(await wsAccepts(access)).toBe(false);
    // Header auth on the upgrade is refused too.
    const upgrade = await WsTestClient.connect(server.wsUrl, { authorization: `Bearer ${access}` }).then(
      () => 'open',
      (e: Error) => e.message,
    );
    expect(upgrade).toMatch(/401/);
  });

  it('role change: an old dba token cannot run DDL (or anything) after ALTER USER ... SET ROLE user', async () => {
    await createUser('carol', 'dba');
    const { access } = await loginPair('carol', 'carol-pw');
    expect(await sqlStatus(access, 'CREATE NAMESPACE carol_ns')).toBe(200);
    expect((await sql(server, admin, 'ALTER USER carol SET ROLE user')).status).toBe(200);
    expect(await sqlStatus(access, 'CREATE NAMESPACE carol_ns2')).toBe(401);
    expect(await wsAccepts(access)).toBe(false);
    const fresh = await loginPair('carol', 'carol-pw');
    expect((await sql(server, fresh.access, 'CREATE NAMESPACE carol_ns3')).json.error.code).toBe('PERMISSION_DENIED');
  });

  it('refresh rotates: the old refresh token is dead, and presenting it again revokes the session', async () => {
    await createUser('dave', 'user');
    const first = await loginPair('dave', 'dave-pw');
    const r1 = await request(server, 'POST', '/v1/api/auth/refresh', { token: first.refresh });
    expect(r1.status, r1.text).toBe(200);
    const second = { access: r1.json.access_token as string, refresh: r1.json.refresh_token as string };
    expect(second.refresh).not.toBe(first.refresh);
    expect(await sqlStatus(second.access)).toBe(200);
    // Reuse of the rotated token: refused, and the whole session ends (it may have leaked).
    const reuse = await request(server, 'POST', '/v1/api/auth/refresh', { token: first.refresh });
    expect(reuse.status).toBe(401);
    expect(reuse.text).not.toContain(first.refresh);
    expect((await request(server, 'POST', '/v1/api/auth/refresh', { token: second.refresh })).status).toBe(401);
    expect(await sqlStatus(second.access)).toBe(401);
    expect(await sqlStatus(first.access)).toBe(401);
  });

  it('logout revokes the session: its access and refresh tokens stop working; other sessions stay', async () => {
    await createUser('erin', 'user');
    const a = await loginPair('erin', 'erin-pw');
    const b = await loginPair('erin', 'erin-pw');
    const out = await request(server, 'POST', '/v1/api/auth/logout', { token: a.access });
    expect(out.status).toBe(200);
    expect(await sqlStatus(a.access)).toBe(401);
    expect((await request(server, 'POST', '/v1/api/auth/refresh', { token: a.refresh })).status).toBe(401);
    expect(await wsAccepts(a.access)).toBe(false);
    expect(await sqlStatus(b.access)).toBe(200);
  });

  it('a password change revokes every earlier token of the user', async () => {
    await createUser('frank', 'user');
    const before = await loginPair('frank', 'frank-pw');
    expect((await sql(server, admin, "ALTER USER frank SET PASSWORD 'new-pw'")).status).toBe(200);
    expect(await sqlStatus(before.access)).toBe(401);
    expect((await request(server, 'POST', '/v1/api/auth/refresh', { token: before.refresh })).status).toBe(401);
    expect((await request(server, 'POST', '/v1/api/auth/login', { body: { user: 'frank', password: 'frank-pw' } })).status).toBe(401);
    const after = await loginPair('frank', 'new-pw');
    expect(await sqlStatus(after.access)).toBe(200);
  });
});

describe('the JWT secret lives with the data', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livebind-secret-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a restart with the same --data keeps tokens valid; the secret file is private', async () => {
    const users = [{ user: 'gina', password: 'gina-pw', role: 'user' as const }];
    const one = await startDevServer({ quiet: true, dataDir: dir, reuseTemplate: false, users });
    const token = await login(one, 'gina', 'gina-pw');
    expect((await sql(one, token, 'SELECT 1 AS x')).status).toBe(200);
    await one.close();
    expect((await stat(join(dir, SECRET_FILE))).mode & 0o777).toBe(0o600);
    const two = await startDevServer({ quiet: true, dataDir: dir, reuseTemplate: false, users });
    try {
      expect((await sql(two, token, 'SELECT 1 AS x')).status).toBe(200);
    } finally {
      await two.close();
    }
  });
});
