/**
 * In-memory view of livebind.topics and livebind.topic_sources (like Catalog for tables): what the
 * change listener consults synchronously for every captured change. Loaded at engine start and
 * updated by the topic DDL after it has written the tables.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { Catalog } from '../engine/catalog.js';
import type { AuthUser } from '../engine/types.js';
import type { Filter } from '../kalamdb/live/filterExpr.js';
import { planSubscription } from '../kalamdb/live/planSubscription.js';

export type TopicOp = 'insert' | 'update' | 'delete';
/** `WITH (payload = …)`: the whole row (default), the key columns only, or the key plus changed columns. */
export type PayloadMode = 'full' | 'key' | 'diff';

export interface TopicSource {
  readonly topicId: string;
  /** `namespace.table` */
  readonly table: string;
  readonly op: TopicOp;
  /** The WHERE condition as written (re-planned at load), or undefined. */
  readonly whereSql: string | undefined;
  readonly filter: Filter | undefined;
  readonly payload: PayloadMode;
}

export interface TopicDef {
  readonly id: string;
  readonly partitions: number;
  readonly sources: readonly TopicSource[];
}

/** The planner's view for source filters: any table, read as the system. */
const SYSTEM: AuthUser = { id: 'system', role: 'system' };

export class TopicFilterError extends Error {}

/** Plans `WHERE …` on `table` with the live-query planner (so the same conditions evaluate exactly). */
export function compileSourceFilter(catalog: Catalog, table: string, whereSql: string | undefined): Filter | undefined {
  if (whereSql === undefined) return undefined;
  const plan = planSubscription(`SELECT * FROM ${table} WHERE ${whereSql}`, SYSTEM, {
    getTable: (ns, name) => catalog.get(ns, name),
    canRead: () => true,
  });
  if ('code' in plan) throw new TopicFilterError(plan.message);
  return plan.filter;
}

export class TopicRegistry {
  private readonly topics = new Map<string, TopicDef>();
  /** Sources by `table`, for the change listener. */
  private bySource = new Map<string, TopicSource[]>();

  get(id: string): TopicDef | undefined {
    return this.topics.get(id);
  }

  all(): TopicDef[] {
    return [...this.topics.values()];
  }

  sourcesFor(table: string): readonly TopicSource[] {
    return this.bySource.get(table) ?? [];
  }

  set(def: TopicDef): void {
    this.topics.set(def.id, def);
    this.reindex();
  }

  delete(id: string): void {
    this.topics.delete(id);
    this.reindex();
  }

  private reindex(): void {
    const next = new Map<string, TopicSource[]>();
    for (const t of this.topics.values()) {
      for (const s of t.sources) {
        const list = next.get(s.table) ?? [];
        list.push(s);
        next.set(s.table, list);
      }
    }
    this.bySource = next;
  }

  /** Reads every topic and source (engine start). A source whose filter no longer plans is kept without it and reported. */
  async load(db: PGlite, catalog: Catalog): Promise<void> {
    const topics = await db.query<{ id: string; partitions: number }>('SELECT id, partitions FROM livebind.topics');
    const sources = await db.query<{ topic_id: string; tbl: string; op: TopicOp; where_sql: string | null; payload: PayloadMode }>(
      'SELECT topic_id, tbl, op, where_sql, payload FROM livebind.topic_sources ORDER BY topic_id, tbl, op',
    );
    this.topics.clear();
    for (const t of topics.rows) {
      const own = sources.rows
        .filter((s) => s.topic_id === t.id)
        .map((s): TopicSource => {
          const whereSql = s.where_sql ?? undefined;
          let filter: Filter | undefined;
          try {
            filter = compileSourceFilter(catalog, s.tbl, whereSql);
          } catch (e) {
            process.emitWarning(`livebind: topic ${t.id} source ${s.tbl}: WHERE no longer applies (${e instanceof Error ? e.message : String(e)}); it matches nothing`);
            filter = { k: 'const', v: false };
          }
          return { topicId: t.id, table: s.tbl, op: s.op, whereSql, filter, payload: s.payload };
        });
      this.topics.set(t.id, { id: t.id, partitions: t.partitions, sources: own });
    }
    this.reindex();
  }
}
