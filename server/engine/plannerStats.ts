import type { PGlite } from '@electric-sql/pglite';
import { quoteQualified } from './quoteIdent.js';
import type { TableInfo } from './types.js';

/**
 * Auto-analyze for page reads. PGlite runs no autovacuum, so a table filled after startup keeps no
 * planner statistics, and the planner then guesses that a `_seq` range holds a few hundred rows: a
 * load page (`… WHERE _seq > :lower AND _seq <= :bound ORDER BY _seq LIMIT n`) became a bitmap scan of
 * every remaining row plus a top-N sort (page 0 of a 100,000-row table read all 100,000 and sorted
 * them) instead of a walk of the `_seq` index that stops after n rows: about 3x the read time of a
 * 100k-row load. Before a page read, a table whose statistics may be stale is checked with
 * autovacuum's rule (analyze when the rows changed since the last ANALYZE exceed 50 + 10 % of the
 * table, or it was never analyzed) and analyzed in the same job (≈ 80 ms for 100,000 rows, once).
 */
export class PlannerStats {
  /** Tables checked since the last writing job (a check costs a catalog query, ≈ 0.7 ms). */
  private readonly checked = new Set<string>();

  /** A writing job ran: any table may have changed (captured or not, e.g. a bulk seed with triggers off). */
  written(): void {
    this.checked.clear();
  }

  /** Runs inside the engine's serial queue, as the superuser, outside a transaction. */
  async beforeRead(db: PGlite, table: TableInfo): Promise<void> {
    const name = table.qualifiedName;
    if (this.checked.has(name)) return;
    const relation = quoteQualified(table.namespace, table.name);
    const r = await db.query<{ tuples: number; mods: string }>(
      `SELECT c.reltuples AS tuples, pg_stat_get_mod_since_analyze(c.oid)::text AS mods FROM pg_class c WHERE c.oid = $1::regclass`,
      [relation],
    );
    const row = r.rows[0];
    if (row !== undefined && isStale(Number(row.tuples), Number(row.mods))) await db.exec(`ANALYZE ${relation}`);
    this.checked.add(name);
  }
}

/** autovacuum_analyze_threshold (50) + autovacuum_analyze_scale_factor (0.1) × rows; reltuples < 0: never analyzed. */
export function isStale(tuples: number, modsSinceAnalyze: number): boolean {
  return tuples < 0 || modsSinceAnalyze > 50 + 0.1 * tuples;
}
