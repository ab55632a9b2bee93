import type { PGlite } from '@electric-sql/pglite';
import { quoteQualified } from './quoteIdent.js';
import type { TableInfo } from './types.js';

/**
 * Auto-analyze, for page reads. PGlite runs no autovacuum, so a table filled after startup keeps no
 * planner statistics, and the planner then guesses that a `_seq` range holds a few hundred rows: a
 * load page (`… WHERE _seq > :lower AND _seq <= :bound ORDER BY _seq LIMIT n`) became a bitmap scan of
 * every remaining row plus a top-N sort (page 0 of a 100,000-row table read all 100,000 and sorted
 * them) instead of a walk of the `_seq` index that stops after n rows: about 3x the read time of a
 * 100k-row load. Statistics are refreshed by autovacuum's rule (analyze when the rows changed since
 * the last ANALYZE exceed 50 + 10 % of the table, or it was never analyzed; ≈ 80 ms for 100,000 rows):
 * - in the background, `IDLE_ANALYZE_MS` after the last write, for the tables writes changed (as
 *   autovacuum would), so the first load after a bulk insert does not pay for it;
 * - before a page read, for a table not checked since the last write (the read then plans well even
 *   while writes keep coming).
 */
export const IDLE_ANALYZE_MS = 1000;

export class PlannerStats {
  /** Tables checked since the last writing job (a check costs two small queries, ≈ 1 ms). */
  private readonly checked = new Set<string>();
  /** Tables with captured changes since the last background check. */
  private readonly touched = new Map<string, TableInfo>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastChange = 0;

  constructor(
    /** Runs `job` in the engine's serial queue as a reading job (as the superuser, outside a transaction). */
    private readonly runJob: (job: (db: PGlite) => Promise<void>) => Promise<void>,
  ) {}

  /** A writing job ran: any table may have changed (captured or not, e.g. a bulk seed with triggers off). */
  written(): void {
    this.checked.clear();
  }

  /** A captured change of `table`: check it once writes pause for `IDLE_ANALYZE_MS`. */
  changed(table: TableInfo): void {
    this.touched.set(table.qualifiedName, table);
    this.lastChange = Date.now();
    if (this.timer === undefined) this.arm(IDLE_ANALYZE_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.touched.clear();
  }

  /** Runs inside the engine's serial queue, as the superuser, outside a transaction. */
  async beforeRead(db: PGlite, table: TableInfo): Promise<void> {
    const name = table.qualifiedName;
    if (this.checked.has(name)) return;
    const relation = quoteQualified(table.namespace, table.name);
    // The backend reports its change counters at most once a second: flush them first (this
    // statement's end does), or the last second of writes would not count.
    await db.query('SELECT pg_stat_force_next_flush()');
    const r = await db.query<{ tuples: number; mods: string }>(
      `SELECT c.reltuples AS tuples, pg_stat_get_mod_since_analyze(c.oid)::text AS mods FROM pg_class c WHERE c.oid = to_regclass($1)`,
      [relation],
    );
    const row = r.rows[0];
    if (row !== undefined && isStale(Number(row.tuples), Number(row.mods))) await db.exec(`ANALYZE ${relation}`);
    this.checked.add(name);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref?.();
  }

  private tick(): void {
    this.timer = undefined;
    const wait = this.lastChange + IDLE_ANALYZE_MS - Date.now();
    if (wait > 0) this.arm(wait);
    else this.idle();
  }

  private idle(): void {
    const tables = [...this.touched.values()];
    this.touched.clear();
    this.runJob(async (db) => {
      for (const t of tables) await this.beforeRead(db, t);
    }).catch(() => undefined); // closed meanwhile, or the table was dropped
  }
}

/** autovacuum_analyze_threshold (50) + autovacuum_analyze_scale_factor (0.1) × rows; reltuples < 0: never analyzed. */
export function isStale(tuples: number, modsSinceAnalyze: number): boolean {
  return tuples < 0 || modsSinceAnalyze > 50 + 0.1 * tuples;
}
