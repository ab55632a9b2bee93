/**
 * One postgres_changes binding of a join (spec §3.8, §4): `{event, schema, table?, filter?, select?}`
 * compiled against the catalog. Supabase's schema `public` is the dev server's `default` namespace
 * (where unqualified SQL names live); other schemas are namespaces by name; `*` is every one.
 */
import type { ChangeRecord, Engine, TableInfo } from '../engine/types.js';
import { matches, type Filter } from '../kalamdb/live/filterExpr.js';
import { buildFilter } from './filterPlan.js';
import { bindingId } from './joinConfig.js';
import { FilterError, parseRealtimeFilter, type FilterCondition } from './postgresFilter.js';

export type ChangeType = 'INSERT' | 'UPDATE' | 'DELETE';

export interface PostgresBinding {
  readonly id: number;
  readonly event: '*' | ChangeType;
  /** Namespace, or '*' for all. */
  readonly namespace: string;
  /** Table name, or undefined for every table of the namespace. */
  readonly table: string | undefined;
  readonly conditions: readonly FilterCondition[];
  /** Columns to send (the primary key is always added); undefined = all. */
  readonly select: readonly string[] | undefined;
  /** Filter per table (`ns.name`); null when the filter does not apply to that table. */
  readonly filters: Map<string, Filter | undefined | null>;
}

export type CompiledBinding =
  | { readonly ok: true; readonly id: number; readonly binding: PostgresBinding }
  | { readonly ok: false; readonly id: number; readonly message: string };

export function namespaceForSchema(schema: string): string {
  return schema === 'public' ? 'default' : schema;
}

export function schemaForNamespace(namespace: string): string {
  return namespace === 'default' ? 'public' : namespace;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const EVENTS = new Set(['INSERT', 'UPDATE', 'DELETE']);

export function compileBinding(params: unknown, engine: Engine): CompiledBinding {
  const id = bindingId(params);
  const fail = (message: string): CompiledBinding => ({ ok: false, id, message });
  if (!isRecord(params)) return fail('No subscription params provided. Please provide at least a `schema` or `table` to subscribe to.');
  const eventText = typeof params['event'] === 'string' ? params['event'].toUpperCase() : '*';
  const event = EVENTS.has(eventText) ? (eventText as ChangeType) : '*';
  const schema = typeof params['schema'] === 'string' && params['schema'] !== '' ? params['schema'] : undefined;
  const tableText = typeof params['table'] === 'string' && params['table'] !== '' ? params['table'] : undefined;
  if (schema === undefined && tableText === undefined) return fail('No subscription params provided. Please provide at least a `schema` or `table` to subscribe to.');
  const namespace = schema === undefined || schema === '*' ? (schema === '*' ? '*' : 'default') : namespaceForSchema(schema);
  const table = tableText === '*' ? undefined : tableText;
  let conditions: FilterCondition[] = [];
  const filterText = params['filter'];
  if (filterText !== undefined && filterText !== null) {
    if (typeof filterText !== 'string') return fail('Error parsing `filter` params: filter must be a string');
    try {
      conditions = parseRealtimeFilter(filterText);
    } catch (e) {
      if (e instanceof FilterError) return fail(`Error parsing \`filter\` params: ${e.message}`);
      throw e;
    }
  }
  let select: string[] | undefined;
  const selectParam = params['select'];
  if (selectParam !== undefined && selectParam !== null) {
    if (!Array.isArray(selectParam) || !selectParam.every((c): c is string => typeof c === 'string') || selectParam.length > 256) {
      return fail('Error parsing `select` params: select must be an array of column names');
    }
    if (namespace === '*' || table === undefined) return fail('Error parsing `select` params: select needs one schema and one table (no wildcard)');
    select = selectParam;
  }
  const filters = new Map<string, Filter | undefined | null>();
  if (namespace !== '*' && table !== undefined) {
    const info = engine.getTable(namespace, table);
    if (info === undefined) {
      return fail(`Unable to subscribe to changes with given parameters. Table ${schema ?? 'public'}.${table} does not exist in the livebind dev server (namespace ${namespace}); create it, then join again.`);
    }
    try {
      filters.set(info.qualifiedName, buildFilter(info, conditions));
    } catch (e) {
      if (e instanceof FilterError) return fail(`Error parsing \`filter\` params: ${e.message}`);
      throw e;
    }
    const unknown = select?.find((c) => !info.columns.some((col) => col.name === c));
    if (unknown !== undefined) return fail(`Error parsing \`select\` params: column ${unknown.slice(0, 64)} does not exist in ${schema ?? 'public'}.${table}`);
  }
  return { ok: true, id, binding: { id, event, namespace, table, conditions, select, filters } };
}

/** Whether the change (already visible to the join's user) fires this binding. */
export function bindingMatches(b: PostgresBinding, change: ChangeRecord, type: ChangeType, table: TableInfo): boolean {
  if (b.event !== '*' && b.event !== type) return false;
  if (b.namespace !== '*' && b.namespace !== table.namespace) return false;
  if (b.table !== undefined && b.table !== table.name) return false;
  let filter = b.filters.get(table.qualifiedName);
  if (filter === undefined && !b.filters.has(table.qualifiedName)) {
    try {
      filter = buildFilter(table, b.conditions);
    } catch {
      filter = null;
    }
    if (b.filters.size < 1024) b.filters.set(table.qualifiedName, filter);
  }
  if (filter === null) return false;
  const row = type === 'DELETE' ? change.oldRow : change.newRow;
  return row !== undefined && matches(filter, row);
}
