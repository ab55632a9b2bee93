// Password login (`login: kalamdbLogin`) and HTTP SQL (`sql: kalamdbSql`) are opt-in imports from
// livebind/kalamdb (README "Opt-in imports", docs/SPEC.md §1.1 and §4): without them the features
// fail with a UsageError naming the import; `{ token }` and providers need no opt-in.
import { describe, expect, test } from 'vitest';
import { createClient } from '../../src/client.js';
import { createDriverClient } from '../../src/createDriverClient.js';
import { UsageError } from '../../src/errors.js';
import { kalamdbDriver, kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import type { FetchLike } from '../../src/protocol/fetch.js';
import { supabaseDriver } from '../../src/supabase.js';

const url = 'http://db.test:8080';
const calls: string[] = [];
const fetch: FetchLike = async (u, init) => {
  calls.push(`${u} ${init.headers['Authorization'] ?? ''}`);
  const body = u.endsWith('/login')
    ? { access_token: 'from-login', refresh_token: 'r' }
    : { status: 'success', results: [{ schema: [{ name: 'n', data_type: 'Int', index: 0 }], rows: [[1]], row_count: 1 }] };
  return { ok: true, status: 200, text: async () => JSON.stringify(body) };
};

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('{ user, password } needs login: kalamdbLogin', () => {
  test('without it createClient throws OPT_IN_REQUIRED naming the import', () => {
    for (const make of [
      () => createClient({ url, auth: { user: 'u', password: 'p' }, fetch }),
      () => createDriverClient({ driver: kalamdbDriver({ url, fetch }), auth: { user: 'u', password: 'p' } }),
    ]) {
      const error = thrown(make);
      expect(error).toBeInstanceOf(UsageError);
      expect(error).toMatchObject({ code: 'OPT_IN_REQUIRED' });
      expect((error as Error).message).toContain('{ user, password }');
      expect((error as Error).message).toContain('import { kalamdbLogin } from "livebind/kalamdb"');
      expect((error as Error).message).toContain('{ login: kalamdbLogin }');
      expect((error as Error).message).not.toContain('"p"');
    }
  });

  test('{ token } and a provider need no opt-in; Supabase accepts { user, password } without one', async () => {
    await createClient({ url, auth: { token: 't' }, fetch }).close();
    await createClient({ url, auth: () => 't', fetch }).close();
    await createClient({ driver: supabaseDriver({ url, apikey: 'anon' }), auth: { user: 'u', password: 'p' } }).close();
  });

  test('with it the client logs in before its first HTTP call', async () => {
    calls.length = 0;
    const client = createClient({ url, auth: { user: 'u', password: 'p' }, login: kalamdbLogin, sql: kalamdbSql, fetch });
    expect(await client.query('SELECT 1 AS n')).toEqual([{ n: 1 }]);
    expect(calls).toEqual([`${url}/v1/api/auth/login `, `${url}/v1/api/sql Bearer from-login`]);
    await client.close();
  });
});

describe('query() and execute() need sql: kalamdbSql', () => {
  test('without it they reject with OPT_IN_REQUIRED naming the import and send nothing', async () => {
    calls.length = 0;
    const client = createClient({ url, auth: { token: 't' }, fetch });
    for (const call of [() => client.query('SELECT 1'), () => client.execute('DELETE FROM app.t')]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect(error).toMatchObject({ code: 'OPT_IN_REQUIRED' });
      expect((error as Error).message).toContain('SQL over HTTP (query(), execute()) needs its opt-in import');
      expect((error as Error).message).toContain('import { kalamdbSql } from "livebind/kalamdb"');
      expect((error as Error).message).toContain('{ sql: kalamdbSql }');
    }
    expect(calls).toEqual([]);
    await client.close();
  });

  test('with it they run over HTTP with the token', async () => {
    calls.length = 0;
    const client = createDriverClient({ driver: kalamdbDriver({ url, fetch, sql: kalamdbSql }), auth: { token: 't' } });
    expect(await client.execute('DELETE FROM app.t')).toBe(0);
    expect(calls).toEqual([`${url}/v1/api/sql Bearer t`]);
    await client.close();
  });
});

test('an opt-in option that is not the imported function is refused at createClient', () => {
  for (const [option, name] of [
    ['login', 'kalamdbLogin'],
    ['sql', 'kalamdbSql'],
  ] as const) {
    const error = thrown(() => createClient({ url, auth: { token: 't' }, fetch, [option]: true } as never));
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: 'INVALID_OPTION' });
    expect((error as Error).message).toContain(`import { ${name} } from "livebind/kalamdb"`);
  }
});
