// query/execute over HTTP with a fake fetch: login, TOKEN_EXPIRED → refresh and retry once,
// positional rows zipped with the schema, error mapping (docs/SPEC.md §5).
import { describe, expect, test } from 'vitest';
import { createClient } from '../../src/client.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import type { FetchLike } from '../../src/protocol/kalamdb/http.js';

interface Call {
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function jwt(expSeconds: number, tag: string): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256' })}.${b64({ sub: 'alice', exp: expSeconds, tag })}.sig`;
}

function server(handler: (call: Call, n: number) => { status: number; body: unknown }) {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const call = { url, headers: init.headers, body: init.body };
    calls.push(call);
    const res = handler(call, calls.length);
    return { ok: res.status < 300, status: res.status, text: async () => JSON.stringify(res.body) };
  };
  return { calls, fetch };
}

const NOW = 1_800_000_000_000;
const ok = (results: unknown[]) => ({ status: 200, body: { status: 'success', results, took: 1 } });
const expired = { status: 401, body: { status: 'error', results: [], took: 0, error: { code: 'TOKEN_EXPIRED', message: 'Invalid credentials' } } };
const tokens = (tag: string) => ({ status: 200, body: { access_token: jwt(NOW / 1000 + 3600, tag), refresh_token: jwt(NOW / 1000 + 86400, `r${tag}`), user: { id: 'alice' } } });

describe('query and execute', () => {
  test('logs in once, sends params as JSON (bigint exact), zips positional rows with the schema', async () => {
    const s = server((call) => {
      if (call.url.endsWith('/v1/api/auth/login')) return tokens('1');
      return ok([
        {
          schema: [{ name: 'id', data_type: 'BigInt', index: 0, flags: ['pk'] }, { name: 'body', data_type: 'Text', index: 1 }],
          rows: [['1', 'a'], ['9007199254740993', null]],
          row_count: 2,
          as_user: 'alice',
        },
      ]);
    });
    const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: 'http://db.test/', auth: { user: 'alice', password: 'pw' }, fetch: s.fetch, now: () => NOW });
    const rows = await client.query('SELECT id, body FROM app.t WHERE id > $1 AND big = $2 AND ok = $3', [0, 9007199254740993n, true], { namespace: 'app' });
    expect(rows).toEqual([{ id: '1', body: 'a' }, { id: '9007199254740993', body: null }]);
    await client.query('SELECT 1');
    expect(s.calls.map((c) => c.url)).toEqual(['http://db.test/v1/api/auth/login', 'http://db.test/v1/api/sql', 'http://db.test/v1/api/sql']);
    expect(JSON.parse(s.calls[0]!.body!)).toEqual({ user: 'alice', password: 'pw' });
    expect(s.calls[1]!.body).toBe(
      '{"sql":"SELECT id, body FROM app.t WHERE id > $1 AND big = $2 AND ok = $3","params":[0,"9007199254740993",true],"namespace_id":"app"}',
    );
    expect(s.calls[1]!.headers['Authorization']).toMatch(/^Bearer /);
  });

  test('execute sums DML row counts', async () => {
    const s = server(() => ok([{ row_count: 2, message: 'Inserted 2 row(s)' }, { row_count: 1, message: 'Updated 1 row(s)' }]));
    const client = createClient({ sql: kalamdbSql, url: 'http://db.test', auth: { token: 't' }, fetch: s.fetch });
    expect(await client.execute('INSERT …; UPDATE …')).toBe(3);
  });

  test('TOKEN_EXPIRED: refresh (both tokens rotate), retry once', async () => {
    let sqlCalls = 0;
    const s = server((call) => {
      if (call.url.endsWith('/login')) return tokens('1');
      if (call.url.endsWith('/refresh')) return tokens('2');
      sqlCalls++;
      return sqlCalls === 1 ? expired : ok([{ row_count: 1 }]);
    });
    const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: 'http://db.test', auth: { user: 'alice', password: 'pw' }, fetch: s.fetch, now: () => NOW });
    expect(await client.execute('DELETE FROM app.t')).toBe(1);
    expect(s.calls.map((c) => c.url.replace('http://db.test', ''))).toEqual(['/v1/api/auth/login', '/v1/api/sql', '/v1/api/auth/refresh', '/v1/api/sql']);
    expect(s.calls[2]!.headers['Authorization']).toBe(`Bearer ${jwt(NOW / 1000 + 86400, 'r1')}`);
    expect(s.calls[3]!.headers['Authorization']).toBe(`Bearer ${jwt(NOW / 1000 + 3600, '2')}`);
  });

  test('a second TOKEN_EXPIRED is not retried again and surfaces as AuthError without the token', async () => {
    const s = server((call) => (call.url.endsWith('/sql') ? expired : tokens('x')));
    const client = createClient({ sql: kalamdbSql, url: 'http://db.test', auth: () => 'secret-token-value', fetch: s.fetch });
    const error = await client.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'auth', code: 'TOKEN_EXPIRED', status: 401 });
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain('secret-token-value');
    expect(s.calls.filter((c) => c.url.endsWith('/sql'))).toHaveLength(2);
  });

  test('the provider is asked again on TOKEN_EXPIRED; its answer is reused by later requests', async () => {
    let provided = 0;
    let sqlCalls = 0;
    const s = server(() => (++sqlCalls === 1 ? expired : ok([{ row_count: 0 }])));
    const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: 'http://db.test', auth: async () => `p${++provided}`, fetch: s.fetch });
    await client.execute('SELECT 1');
    await client.execute('SELECT 1');
    expect(provided).toBe(2);
    expect(s.calls.map((c) => c.headers['Authorization'])).toEqual(['Bearer p1', 'Bearer p2', 'Bearer p2']);
  });

  test('an access token about to expire is refreshed before use; a rejected refresh logs in again', async () => {
    let logins = 0;
    const s = server((call) => {
      if (call.url.endsWith('/login')) return ++logins === 1 ? { status: 200, body: { access_token: jwt(NOW / 1000 + 10, 'old'), refresh_token: jwt(NOW / 1000 + 86400, 'r') } } : tokens('fresh');
      if (call.url.endsWith('/refresh')) return { status: 401, body: { error: 'unauthorized', message: 'Invalid refresh token' } };
      return ok([{ row_count: 0 }]);
    });
    const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: 'http://db.test', auth: { user: 'alice', password: 'pw' }, fetch: s.fetch, now: () => NOW });
    await client.execute('SELECT 1');
    await client.execute('SELECT 1');
    expect(s.calls.map((c) => c.url.replace('http://db.test/v1/api/', ''))).toEqual(['auth/login', 'sql', 'auth/refresh', 'auth/login', 'sql']);
  });

  test('SQL errors are QueryErrors with code, status and sql; network failures ConnectionErrors', async () => {
    const s = server(() => ({ status: 400, body: { status: 'error', results: [], took: 0.4, error: { code: 'TABLE_NOT_FOUND', message: 'Table not found: app.x' } } }));
    const client = createClient({ sql: kalamdbSql, url: 'http://db.test', auth: { token: 't' }, fetch: s.fetch });
    expect(await client.query('SELECT * FROM app.x').catch((e: unknown) => e)).toMatchObject({ kind: 'query', code: 'TABLE_NOT_FOUND', status: 400, sql: 'SELECT * FROM app.x' });
    const down = createClient({ sql: kalamdbSql, url: 'http://db.test', auth: { token: 't' }, fetch: () => Promise.reject(new TypeError('fetch failed')) });
    expect(await down.query('SELECT 1').catch((e: unknown) => e)).toMatchObject({ kind: 'connection', code: 'NETWORK_ERROR' });
    expect(await client.query('SELECT $1', [Number.NaN]).catch((e: unknown) => e)).toMatchObject({ kind: 'usage', code: 'INVALID_PARAMETER' });
  });

  test('failed login is an AuthError that does not echo the password', async () => {
    const s = server(() => ({ status: 401, body: { error: 'unauthorized', message: 'Invalid credentials' } }));
    const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: 'http://db.test', auth: { user: 'alice', password: 'hunter2' }, fetch: s.fetch });
    const error = await client.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'auth', code: 'UNAUTHORIZED', status: 401 });
    expect(String((error as Error).message)).not.toContain('hunter2');
  });
});
