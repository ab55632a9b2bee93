/**
 * Auto-analyze before page reads (server/engine/plannerStats.ts): PGlite runs no autovacuum, so a
 * table filled after startup had no statistics and a load page scanned and sorted the rest of the
 * table. A page read analyzes a table whose statistics are stale by autovacuum's rule, once, and the
 * page query then walks the `_seq` index.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../server/auth/tokens.js';
import { pageReadSql } from '../../server/engine/pageRead.js';
import { PgliteEngine } from '../../server/engine/pgliteEngine.js';
import { isStale } from '../../server/engine/plannerStats.js';
import type { AuthUser } from '../../server/engine/types.js';

const admin: AuthUser = { id: 'admin', role: 'dba' };
let engine: PgliteEngine;

beforeAll(async () => {
  engine = await PgliteEngine.open({ tokens: new TokenService({ secret: 'test-secret' }) });
  await engine.executeSql(admin, { sql: 'CREATE NAMESPACE IF NOT EXISTS app; CREATE SHARED TABLE app.big (id BIGINT PRIMARY KEY, name TEXT)' });
}, 60_000);

afterAll(async () => {
  await engine.close();
});

async function stats(): Promise<{ tuples: number; mods: number; analyzed: number }> {
  const rows = (await engine.internalQuery(
    `SELECT c.reltuples AS tuples, pg_stat_get_mod_since_analyze(c.oid)::int AS mods, pg_stat_get_analyze_count(c.oid)::int AS analyzed FROM pg_class c WHERE c.oid = 'app.big'::regclass`,
  )) as { tuples: number; mods: number; analyzed: number }[];
  return rows[0]!;
}

async function until(pred: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('auto-analyze before a page read', () => {
  it('follows autovacuum: never analyzed, or changed rows over 50 + 10 % of the table', () => {
    expect(isStale(-1, 0)).toBe(true);
    expect(isStale(0, 50)).toBe(false);
    expect(isStale(0, 51)).toBe(true);
    expect(isStale(100_000, 10_050)).toBe(false);
    expect(isStale(100_000, 10_051)).toBe(true);
  });

  it('analyzes a filled table once, so a page walks the _seq index instead of sorting the rest of the table', async () => {
    const table = engine.getTable('app', 'big')!;
    for (let start = 0; start < 4000; start += 1000) {
      await engine.internalQuery(`INSERT INTO app.big (id, name) SELECT i, 'n' || i FROM generate_series(${start}, ${start + 999}) AS i`);
    }
    // Read right after the writes (before the background check, IDLE_ANALYZE_MS later): the read analyzes.
    const query = { columns: ['id', 'name'], upToSeq: await engine.snapshotBound(), limit: 101, whereSql: 'id >= 0' };
    const page = await engine.readRows(admin, table, query);
    expect(page).toHaveLength(101);
    const after = await stats();
    expect(after).toMatchObject({ tuples: 4000, mods: 0 });
    expect(after.analyzed).toBeGreaterThanOrEqual(1); // 2 only if a very slow machine paused over a second between inserts
    const plan = (await engine.internalQuery(`EXPLAIN ${pageReadSql(admin, table, { ...query, afterSeq: BigInt(page[50]!['_seq'] as string) }).sql}`)) as { 'QUERY PLAN': string }[];
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Scan using \S*_seq\S* on big/);
    expect(text).not.toMatch(/Sort/);
    // Fresh statistics: further pages do not analyze again, nor do a few changed rows.
    await engine.readRows(admin, table, query);
    await engine.internalQuery('UPDATE app.big SET name = name || \'!\' WHERE id < 100');
    await engine.readRows(admin, table, query);
    expect((await stats()).analyzed).toBe(after.analyzed);
    // Over 10 % changed: the next page read analyzes again.
    await engine.internalQuery('UPDATE app.big SET name = name || \'?\' WHERE id < 600');
    await engine.readRows(admin, table, query);
    expect(await stats()).toMatchObject({ mods: 0, analyzed: after.analyzed + 1 });
  });

  it('also analyzes in the background once writes pause, so the next load does not pay for it', async () => {
    await engine.executeSql(admin, { sql: 'CREATE SHARED TABLE app.later (id BIGINT PRIMARY KEY, name TEXT)' });
    await engine.internalQuery(`INSERT INTO app.later (id, name) SELECT i, 'n' || i FROM generate_series(1, 500) AS i`);
    const analyzed = async () =>
      ((await engine.internalQuery(`SELECT pg_stat_get_analyze_count('app.later'::regclass)::int AS n`)) as { n: number }[])[0]!.n;
    expect(await analyzed()).toBe(0);
    await until(async () => (await analyzed()) === 1); // no page read: the idle check did it
  });
});
