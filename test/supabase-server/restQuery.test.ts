/** planRestQuery: identifiers from the catalog, every filter value a parameter with the literal's SQL type. */
import { describe, expect, it } from 'vitest';
import type { TableInfo } from '../../server/engine/types.js';
import { planRestQuery } from '../../server/supabase/restQuery.js';

const table = {
  namespace: 'app',
  name: 'notes',
  type: 'user',
  columns: [
    { name: 'id', dataType: 'BigInt', pgType: 'int8', flags: ['pk'], system: false },
    { name: 'title', dataType: 'Text', pgType: 'text', flags: [], system: false },
    { name: 'ok', dataType: 'Boolean', pgType: 'bool', flags: [], system: false },
    { name: 'at', dataType: 'Timestamp', pgType: 'timestamptz', flags: [], system: false },
    { name: 'u', dataType: 'Uuid', pgType: 'uuid', flags: [], system: false },
  ],
} as unknown as TableInfo;

const plan = (query: string) => planRestQuery(table, new URLSearchParams(query), 100);

describe('planRestQuery', () => {
  it('puts no value into the SQL text', () => {
    const evil = "x'); DROP TABLE app.notes; --";
    const q = plan(`title=eq.${encodeURIComponent(evil)}&id=in.(1,2.5,99999999999999999999)&ok=is.true&at=gte.2026-01-31T12:00:00%2B02:00&u=neq.ABCDEF01-2345-6789-abcd-ef0123456789&title=ilike.*a*`);
    expect(q.sql).not.toContain('DROP');
    expect(q.sql).not.toContain("'");
    expect(q.sql).toBe(
      'SELECT "id", "title", "ok", "at", "u" FROM "app"."notes" WHERE (((((("title" = $1::text) AND ("id" IN ($2::int8, $3::numeric, $4::numeric))) AND ' +
        '((NOT ("ok" IS NULL)) AND ("ok" = $5::boolean))) AND ("at" >= $6)) AND ("u" <> $7::uuid)) AND ("title" ILIKE $8::text)) LIMIT 101',
    );
    expect(q.params).toEqual([evil, '1', '2.5', '99999999999999999999', true, '2026-01-31 10:00:00.000000+00', 'abcdef01-2345-6789-abcd-ef0123456789', '%a%']);
  });

  it('no filter, no parameters', () => {
    expect(plan('select=id&order=id.desc&limit=5&offset=2')).toMatchObject({ sql: 'SELECT "id" FROM "app"."notes" ORDER BY "id" DESC LIMIT 5 OFFSET 2', params: [] });
  });
});
