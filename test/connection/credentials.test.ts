import { expect, test } from 'vitest';
import { createCredentials } from '../../src/connection/credentials.js';
import { passwordLogin } from '../../src/connection/passwordLogin.js';
import type { LoginCalls, Tokens } from '../../src/protocol/driver.js';

/** Login calls that count logins and refreshes that counts logins and refreshes and answers when released. */
function fakeHttp() {
  let n = 0;
  const calls: string[] = [];
  const pending: (() => void)[] = [];
  const answer = (kind: string): Promise<Tokens> =>
    new Promise((resolve) => {
      calls.push(kind);
      pending.push(() => resolve({ accessToken: `access-${++n}`, refreshToken: `refresh-${n}` }));
    });
  const http = { login: () => answer('login'), refresh: () => answer('refresh') } satisfies LoginCalls;
  const tick = () => new Promise((r) => setTimeout(r, 0));
  /** Answer every request, including ones queued behind earlier answers, until none is left. */
  const releaseAll = async () => {
    await tick();
    while (pending.length > 0) {
      pending.shift()!();
      await tick();
    }
  };
  return { http, calls, releaseAll };
}

test('concurrent password-login callers share one login', async () => {
  const f = fakeHttp();
  const creds = createCredentials({ user: 'u', password: 'p' }, passwordLogin(f.http), () => 0);
  const a = creds.token('http');
  const b = creds.token('connect');
  await f.releaseAll();
  expect(await a).toBe('access-1');
  expect(await b).toBe('access-1');
  expect(f.calls).toEqual(['login']);
});

test('a caller whose token was rejected never gets the old token from a lookup already in flight', async () => {
  const f = fakeHttp();
  const creds = createCredentials({ user: 'u', password: 'p' }, passwordLogin(f.http), () => 0);
  const first = creds.token('http');
  await f.releaseAll();
  expect(await first).toBe('access-1');

  // An HTTP call reads the cached token (no I/O) while the socket's token was just refused (1008).
  const http = creds.token('http');
  const rejected = creds.token('rejected');
  await f.releaseAll();
  expect(await http).toBe('access-1');
  expect(await rejected).toBe('access-2');
  expect(f.calls).toEqual(['login', 'login']);

  // TOKEN_EXPIRED over HTTP refreshes even while a plain lookup is in flight.
  const plain = creds.token('connect');
  const expired = creds.token('expired');
  await f.releaseAll();
  expect(await plain).toBe('access-2');
  expect(await expired).toBe('access-3');
  expect(f.calls).toEqual(['login', 'login', 'refresh']);
});
