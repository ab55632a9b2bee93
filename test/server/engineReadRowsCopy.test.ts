/**
 * engine.readRows reads pages with COPY (server/engine/copyText.ts): every cell must equal what the
 * text-format query protocol gives for the same rows (the previous read path), for every column type
 * the DDL accepts and for text that needs COPY escaping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../server/auth/tokens.js';
import { encodeCell, RAW_TEXT_PARSERS } from '../../server/engine/cellEncoding.js';
import { parseCopyText } from '../../server/engine/copyText.js';
import { PgliteEngine } from '../../server/engine/pgliteEngine.js';
import type { AuthUser, Cell } from '../../server/engine/types.js';

const admin: AuthUser = { id: 'admin', role: 'dba' };
let engine: PgliteEngine;

const TRICKY = ['', '\\N', 'N', '\\', 'a\tb', 'line1\nline2', 'cr\rlf', '\\t literally', 'quote " and \'', 'é ü 中文 😀', '\b\f\v\u0001', 'tab\tnull\\N\nend\\'];

beforeAll(async () => {
  engine = await PgliteEngine.open({ tokens: new TokenService({ secret: 'test-secret' }) });
  await engine.executeSql(admin, {
    sql: `CREATE NAMESPACE IF NOT EXISTS app;
      CREATE SHARED TABLE app.kinds (id BIGINT PRIMARY KEY, t TEXT, i INT, s SMALLINT, b BOOLEAN, d DOUBLE, f FLOAT, ts TIMESTAMP,
        dt DATE, tm TIME, j JSON, u UUID, by BYTES, n DECIMAL(20,4), e EMBEDDING(3))`,
  });
  const values = TRICKY.map((t, i) => `(${i + 1}, ${quote(t)}, ${i * 7 - 3}, ${i}, ${i % 2 === 0}, ${i === 3 ? "'NaN'" : i === 4 ? "'-Infinity'" : `${i}.25e-3`}, 1.5, '2024-0${(i % 9) + 1}-02T03:04:05.${i}6789Z',
      '1999-12-31', '23:59:59.5', ${quote(JSON.stringify({ t, n: [i, null] }))}, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1${i % 10}', '\\xdeadbeef', ${i % 10}23456789012345.5678, '{1.5, ${i}, -0.25}')`);
  values.push(`(9223372036854775807, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
  await engine.internalQuery(`INSERT INTO "app"."kinds" (id, t, i, s, b, d, f, ts, dt, tm, j, u, by, n, e) VALUES ${values.join(', ')}`);
}, 60_000);

afterAll(async () => {
  await engine.close();
});

function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

describe('readRows over COPY', () => {
  it('returns exactly the cells of the query protocol, for every column type and escaped text', async () => {
    const table = engine.getTable('app', 'kinds')!;
    const names = table.columns.filter((c) => c.name !== '_deleted').map((c) => c.name);
    const bound = await engine.snapshotBound();
    const rows = await engine.readRows(admin, table, { columns: names, upToSeq: bound, limit: 100 });
    const sql = `SELECT ${names.map((n) => `"${n}"`).join(', ')} FROM "app"."kinds" ORDER BY "_seq"`;
    const raw = await engine.run(async (db) => (await db.query<(string | null)[]>(sql, [], { rowMode: 'array', parsers: RAW_TEXT_PARSERS })).rows, { writes: false });
    const expected = raw.map((row) => {
      const out: Record<string, Cell> = {};
      names.forEach((n, i) => (out[n] = encodeCell(table.columns.find((c) => c.name === n)!.pgType, row[i])));
      return out;
    });
    expect(rows).toHaveLength(TRICKY.length + 1);
    expect(rows).toEqual(expected);
    expect(rows.map((r) => r['t']).slice(0, TRICKY.length)).toEqual(TRICKY);
    expect(rows[TRICKY.length]!['id']).toBe('9223372036854775807');
    expect(rows[3]!['d']).toBe('NaN');
  });

  it('pages by _seq with afterSeq, limit and newestFirst', async () => {
    const table = engine.getTable('app', 'kinds')!;
    const bound = await engine.snapshotBound();
    const all = await engine.readRows(admin, table, { columns: ['id'], upToSeq: bound, limit: 100 });
    const page = await engine.readRows(admin, table, { columns: ['id'], upToSeq: bound, limit: 2, afterSeq: BigInt(all[1]!['_seq'] as string) });
    expect(page.map((r) => r['id'])).toEqual([all[2]!['id'], all[3]!['id']]);
    const newest = await engine.readRows(admin, table, { columns: ['id'], upToSeq: bound, limit: 1, newestFirst: true });
    expect(newest).toEqual([all[all.length - 1]]);
    expect(await engine.readRows(admin, table, { columns: ['id'], upToSeq: 0n, limit: 10 })).toEqual([]);
  });
});

describe('parseCopyText', () => {
  it('splits lines and fields, decodes NULL and escapes', () => {
    expect(parseCopyText('', 2)).toEqual([]);
    expect(parseCopyText('a\t\\N\n\t\n', 2)).toEqual([
      ['a', null],
      ['', ''],
    ]);
    expect(parseCopyText('\\\\N\tx\\ty\\nz\\\\\n', 2)).toEqual([['\\N', 'x\ty\nz\\']]);
    expect(parseCopyText('\\b\\f\\r\\v\\101\\x41\\q\n', 1)).toEqual([['\b\f\r\vAAq']]);
    expect(() => parseCopyText('a\tb\n', 1)).toThrow(/more than 1/);
    expect(() => parseCopyText('a\n', 2)).toThrow(/1 fields, expected 2/);
  });
});
