/**
 * The client under login faults (SPEC §1.3): 429 and 5xx from login back off (honouring
 * Retry-After) and never count as wrong credentials; a 401 from login is final at once; a token
 * the server rejects (1008) with password auth means: log in again at once.
 */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import type { FetchLike } from '../../src/protocol/kalamdb/http.js';
import { FakeSocket } from './fakeSocket.js';
import { harness } from './clientHarness.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const flush = () => vi.advanceTimersByTimeAsync(0);

type Answer = { status: number; body?: unknown; retryAfter?: string };

/** A fetch that answers logins from a script (the last answer repeats) and counts them. */
function loginServer(script: Answer[]): { fetch: FetchLike; logins: () => number } {
  let n = 0;
  const fetch: FetchLike = async (url) => {
    if (!url.endsWith('/v1/api/auth/login')) throw new Error(`unexpected ${url}`);
    const a = script[Math.min(n, script.length - 1)]!;
    n++;
    const body = a.body ?? (a.status === 200 ? { access_token: `access-${n}`, refresh_token: `refresh-${n}` } : { error: 'rate_limited' });
    return {
      ok: a.status >= 200 && a.status < 300,
      status: a.status,
      headers: { get: (name: string) => (name.toLowerCase() === 'retry-after' ? (a.retryAfter ?? null) : null) },
      text: async () => JSON.stringify(body),
    };
  };
  return { fetch, logins: () => n };
}

test('429 from login backs off as the server asks and never counts as an auth failure', async () => {
  const s = loginServer([...Array.from({ length: 30 }, () => ({ status: 429, retryAfter: '2' })), { status: 200 }]);
  const h = harness({ auth: { user: 'u', password: 'p' }, fetch: s.fetch });
  h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
  await flush();
  expect(s.logins()).toBe(1);
  const state = h.client.status$.getSnapshot();
  expect(state.status).toBe('reconnecting');
  expect(state.lastError).toMatchObject({ kind: 'connection', code: 'RATE_LIMITED', retryAfterMs: 2000 });
  // Not before Retry-After, although the backoff alone would allow it.
  await vi.advanceTimersByTimeAsync(1999);
  expect(s.logins()).toBe(1);
  await vi.advanceTimersByTimeAsync(1);
  expect(s.logins()).toBe(2);
  // Thirty in a row (far past maxAuthFailures = 3): still trying, then connected.
  for (let i = 0; i < 30 && FakeSocket.instances.length === 0; i++) await vi.advanceTimersByTimeAsync(2500);
  expect(s.logins()).toBe(31);
  expect(h.client.status$.getSnapshot().status).not.toBe('closed');
  FakeSocket.last.accept();
  expect(h.client.status$.getSnapshot().status).toBe('open');
});

test('a 503 from login is retried too; a 401 from login is final at once, without retries', async () => {
  const s = loginServer([{ status: 503 }, { status: 401, body: { error: 'unauthorized', message: 'Invalid credentials' } }]);
  const h = harness({ auth: { user: 'u', password: 'wrong' }, fetch: s.fetch });
  let ended: unknown;
  h.client.liveRows('SELECT * FROM app.t').subscribe((snap) => {
    if (snap.status === 'error') ended = snap.error;
  });
  await flush();
  expect(h.client.status$.getSnapshot().lastError?.code).toBe('SERVER_ERROR');
  await vi.advanceTimersByTimeAsync(2500);
  expect(s.logins()).toBe(2);
  const state = h.client.status$.getSnapshot();
  expect(state.status).toBe('closed');
  expect(state.lastError).toMatchObject({ kind: 'auth', status: 401, final: true });
  expect(state.lastError?.message).toMatch(/check the user name and password/);
  expect(ended).toBe(state.lastError);
  await vi.advanceTimersByTimeAsync(60_000);
  expect(s.logins()).toBe(2);
});

test('a token the server rejects (1008) with password auth: log in again at once, saying the token was rejected', async () => {
  const s = loginServer([{ status: 200 }]);
  const h = harness({ auth: { user: 'u', password: 'p' }, fetch: s.fetch });
  h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
  await flush();
  FakeSocket.last.accept();
  expect(s.logins()).toBe(1);
  const sockets = FakeSocket.instances.length;
  FakeSocket.last.serverClose(1008, 'Authentication failed');
  await flush();
  // No backoff wait: a fresh login and a new socket right away.
  expect(s.logins()).toBe(2);
  expect(FakeSocket.instances.length).toBe(sockets + 1);
  const err = h.states.map((st) => st.lastError).find((e) => e?.code === 'AUTH_FAILED');
  expect(err?.message).toMatch(/rejected the access token/);
  expect(err?.message).not.toMatch(/check the auth option/);
  FakeSocket.last.open();
  expect(FakeSocket.last.sent[0]).toContain('"token":"access-2"');
});

test('a fixed token the server rejects says how to fix it', async () => {
  const h = harness({ auth: { token: 'stale' } });
  h.client.liveRows('SELECT * FROM app.t').subscribe(() => {});
  await flush();
  FakeSocket.last.serverClose(1008, 'Authentication failed');
  await flush();
  expect(h.client.status$.getSnapshot().lastError?.message).toMatch(/pass a fresh `auth` token or a token provider function/);
});
