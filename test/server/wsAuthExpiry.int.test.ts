/**
 * Expired access JWTs on /v1/ws (spec §5.2): message auth → `auth_error` "Invalid credentials" and
 * close 1008 "Authentication failed"; header auth → HTTP 401 on the upgrade (§5.1/§5.2 B: a bad
 * token in the header never reaches the WebSocket). The token is correctly signed by the server's
 * own key; its only defect is `exp` in the past.
 */
import { describe, expect, it } from 'vitest';
import { perFileAliceHarness, type WsHarness } from './wsHarness.js';
import { WsTestClient } from './wsTestClient.js';

let h: WsHarness;
let aliceToken: string;

perFileAliceHarness((harness, token) => {
  h = harness;
  aliceToken = token;
});

/** Issued by the server's TokenService two lifetimes ago, so `exp` is a lifetime in the past. */
async function expiredToken(): Promise<string> {
  const tokens = h.engine.tokens;
  const t = await tokens.issue({ id: 'alice', role: 'user' }, null, Date.now() - 2 * tokens.accessTtlSeconds * 1000);
  expect(t.accessExpiresAt.getTime()).toBeLessThan(Date.now());
  // Non-vacuity: the token is rejected for its expiry, not for being malformed or foreign.
  await expect(tokens.verify(t.accessToken, 'access')).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  return t.accessToken;
}

describe('expired JWT on /v1/ws', () => {
  it('message auth: auth_error and close 1008, no subscription possible', async () => {
    const token = await expiredToken();
    const c = await WsTestClient.connect(h.url);
    c.send({ type: 'authenticate', method: 'jwt', token, protocol: { serialization: 'json', compression: 'gzip' } });
    expect(await c.next()).toEqual({ type: 'auth_error', message: 'Invalid credentials' });
    expect(await c.closed).toEqual({ code: 1008, reason: 'Authentication failed' });
    expect(c.pending()).toEqual([]);
    expect(h.ws.subscriptionCount()).toBe(0);
  });

  it('message auth: a subscribe right behind the expired authenticate is not served', async () => {
    const token = await expiredToken();
    const c = await WsTestClient.connect(h.url);
    const started = h.ws.subscriptionsStarted();
    c.send({ type: 'authenticate', method: 'jwt', token, protocol: { serialization: 'json', compression: 'gzip' } });
    c.send({ type: 'subscribe', subscription: { id: 's', sql: 'SELECT 1', options: {} } });
    expect(await c.next()).toEqual({ type: 'auth_error', message: 'Invalid credentials' });
    expect((await c.closed).code).toBe(1008);
    expect(c.pending()).toEqual([]);
    expect(h.ws.subscriptionsStarted()).toBe(started);
  });

  it('header auth: HTTP 401 on the upgrade (a valid token on the same server is accepted)', async () => {
    const token = await expiredToken();
    const connections = h.ws.connectionCount();
    await expect(WsTestClient.connect(h.url, { Authorization: `Bearer ${token}` })).rejects.toThrow('HTTP 401');
    expect(h.ws.connectionCount()).toBe(connections);
    const ok = await WsTestClient.connect(h.url, { Authorization: `Bearer ${aliceToken}` });
    expect((await ok.next()).type).toBe('auth_success');
    ok.close();
    await ok.closed;
  });

  it('an authenticated connection re-sends auth_success for a later expired authenticate (not re-validated, §5.2)', async () => {
    const token = await expiredToken();
    const c = await WsTestClient.authed(h.url, aliceToken);
    c.send({ type: 'authenticate', method: 'jwt', token, protocol: { serialization: 'json', compression: 'gzip' } });
    expect(await c.next()).toMatchObject({ type: 'auth_success', user: 'alice' });
    expect(c.closeInfo).toBeUndefined();
    c.close();
    await c.closed;
  });
});
