// Round trip of the SQL literal encoder through the real dev server (Postgres via PGlite):
// every encoded value reads back as itself, over HTTP and inside a live subscription's WHERE.
import fc from 'fast-check';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startDevServer } from '../../server/devServer.js';
import type { DevServer } from '../../server/devServer.js';
import { createClient, sqlLiteral } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import type { LivebindClient, LiveRows } from '../../src/index.js';

let server: DevServer;
let client: LivebindClient;

beforeAll(async () => {
  server = await startDevServer({ port: 0, quiet: true, users: [{ user: 'lit', password: 'lit-pass', role: 'dba' }] });
  client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'lit', password: 'lit-pass' } });
  await client.execute('CREATE NAMESPACE IF NOT EXISTS lit');
  await client.execute('CREATE SHARED TABLE lit.v (id BIGINT PRIMARY KEY, s TEXT)');
});

afterAll(async () => {
  await client?.close();
  await server?.close();
});

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom("'", '\\', '"', '$', '1', '-', '/', '*', '\n', 'é', '🎉', 'E'), maxLength: 12 }),
).filter((s) => !s.includes('\u0000'));

test('property: strings, numbers and bigints survive sqlLiteral → server → JSON', async () => {
  await fc.assert(
    fc.asyncProperty(text, fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.boolean(), async (s, n, b, bool) => {
      const [row] = await client.query<{ s: string; n: number; b: string; t: boolean; z: null }>(
        `SELECT ${sqlLiteral(s)} AS s, ${sqlLiteral(n)} AS n, CAST(${sqlLiteral(b)} AS BIGINT) AS b, ${sqlLiteral(bool)} AS t, ${sqlLiteral(null)} AS z`,
      );
      expect(row).toEqual({ s, n, b: b.toString(), t: bool, z: null });
    }),
    { numRuns: 60 },
  );
});

test('tricky strings as subscription parameters match exactly one row', async () => {
  const values = ["it's", 'back\\slash', '\\\'', '$1', '-- x', '/* y */', 'ü 🎉', "E'x'", '""'];
  await client.execute(`INSERT INTO lit.v (id, s) VALUES ${values.map((_, i) => `(${i + 1}, $${i + 1})`).join(', ')}`, values);
  for (const [i, v] of values.entries()) {
    const live = client.liveRows<{ id: string; s: string }>('SELECT id, s FROM lit.v WHERE s = $1', { params: [v] });
    const ready = await firstValueFrom(live.pipe(filter((x: LiveRows<{ id: string; s: string }>) => x.status !== 'loading'), timeout(10000)));
    expect(ready.status).toBe('ready');
    expect(ready.rows).toEqual([{ id: String(i + 1), s: v }]);
  }
});
