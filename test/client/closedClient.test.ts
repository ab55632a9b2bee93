// A closed client refuses every call with a typed error (docs/SPEC.md §5).
import { describe, expect, test } from 'vitest';
import { createClient } from '../../src/client.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';

describe('after close()', () => {
  test('query and execute reject with UsageError CLIENT_CLOSED and send nothing', async () => {
    let calls = 0;
    const client = createClient({
      login: kalamdbLogin,
      sql: kalamdbSql,
      url: 'http://db.test:8080',
      auth: { token: 'tok' },
      fetch: async () => {
        calls++;
        return { ok: true, status: 200, text: async () => '{"status":"success","results":[],"took":0}' };
      },
    });
    await client.query('SELECT 1');
    expect(calls).toBe(1);
    await client.close();
    await expect(client.query('SELECT 1')).rejects.toMatchObject({ kind: 'usage', name: 'UsageError', code: 'CLIENT_CLOSED' });
    await expect(client.execute('DELETE FROM app.t')).rejects.toMatchObject({ kind: 'usage', code: 'CLIENT_CLOSED' });
    expect(() => client.liveRows('SELECT * FROM app.t')).toThrow(expect.objectContaining({ code: 'CLIENT_CLOSED' }));
    expect(calls).toBe(1);
  });
});
