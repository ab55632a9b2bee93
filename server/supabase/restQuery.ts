/**
 * A PostgREST-style read (`GET /rest/v1/<table>?select=…&col=op.value&order=…&limit=…&offset=…`)
 * → one SELECT over the table's visible columns. Identifiers are quoted, literals typed per column
 * by the same filter tree as postgres_changes (filterPlan.ts), so no client text reaches SQL as is.
 */
import { quoteIdent, quoteQualified } from '../engine/quoteIdent.js';
import type { ColumnInfo, TableInfo } from '../engine/types.js';
import { filterToSql } from '../kalamdb/live/filterExpr.js';
import { buildFilter } from './filterPlan.js';
import { FilterError, parseCondition, type FilterCondition } from './postgresFilter.js';

export interface RestQuery {
  readonly columns: readonly ColumnInfo[];
  readonly sql: string;
  /** The row limit asked for, or undefined (then the server cap applies and more rows is an error). */
  readonly limit: number | undefined;
  readonly offset: number;
}

/** A PostgREST error: HTTP status, PostgREST-like code, message. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RestError';
  }
}

const RESERVED = new Set(['select', 'order', 'limit', 'offset']);
const MAX_ORDER_TERMS = 16;
const MAX_CONDITIONS = 64;

function column(table: TableInfo, name: string): ColumnInfo {
  const c = table.columns.find((col) => col.name === name);
  if (c === undefined) throw new RestError(400, '42703', `column ${table.name}.${name.slice(0, 64)} does not exist`);
  return c;
}

function parseSelect(table: TableInfo, text: string | null): ColumnInfo[] {
  if (text === null || text.trim() === '*') return table.columns.filter((c) => !c.system);
  const names = text.split(',').map((s) => s.trim());
  if (names.length > 256) throw new RestError(400, 'PGRST100', 'select lists at most 256 columns');
  const out: ColumnInfo[] = [];
  for (const name of names) {
    if (name === '*') out.push(...table.columns.filter((c) => !c.system));
    else if (/[:()!]/.test(name)) throw new RestError(400, 'PGRST100', `select "${name.slice(0, 64)}": renames, casts and embedded resources are not supported by the livebind dev server (list plain column names)`);
    else out.push(column(table, name));
  }
  return out;
}

function parseOrder(table: TableInfo, text: string | null): string[] {
  if (text === null || text.trim() === '') return [];
  const terms = text.split(',');
  if (terms.length > MAX_ORDER_TERMS) throw new RestError(400, 'PGRST100', `order takes at most ${MAX_ORDER_TERMS} columns`);
  return terms.map((term) => {
    const [name = '', ...mods] = term.trim().split('.');
    const c = column(table, name);
    let dir = 'ASC';
    let nulls = '';
    for (const m of mods) {
      if (m === 'asc' || m === 'desc') dir = m.toUpperCase();
      else if (m === 'nullsfirst') nulls = ' NULLS FIRST';
      else if (m === 'nullslast') nulls = ' NULLS LAST';
      else throw new RestError(400, 'PGRST100', `order "${term.slice(0, 64)}": use column[.asc|.desc][.nullsfirst|.nullslast]`);
    }
    return `${quoteIdent(c.name)} ${dir}${nulls}`;
  });
}

function nonNegativeInt(name: string, text: string | null, max: number): number | undefined {
  if (text === null) return undefined;
  if (!/^\d{1,9}$/.test(text)) throw new RestError(400, 'PGRST100', `${name} must be a non-negative integer`);
  const n = Number(text);
  if (n > max) throw new RestError(400, 'PGRST100', `${name} must be at most ${max}`);
  return n;
}

/** Builds the query; `maxRows` caps `limit` (and, without one, the rows a read may return). */
export function planRestQuery(table: TableInfo, params: URLSearchParams, maxRows: number): RestQuery {
  const columns = parseSelect(table, params.get('select'));
  if (columns.length === 0) throw new RestError(400, 'PGRST100', 'select names no column');
  const conditions: FilterCondition[] = [];
  for (const [key, value] of params) {
    if (RESERVED.has(key)) continue;
    if (key === 'or' || key === 'and' || key.startsWith('not.')) {
      throw new RestError(400, 'PGRST100', `"${key}" trees are not supported by the livebind dev server; conditions on separate parameters are ANDed`);
    }
    if (conditions.length >= MAX_CONDITIONS) throw new RestError(400, 'PGRST100', `at most ${MAX_CONDITIONS} conditions`);
    column(table, key);
    try {
      conditions.push(parseCondition(key, value));
    } catch (e) {
      if (e instanceof FilterError) throw new RestError(400, 'PGRST100', `"${key}=${value.slice(0, 64)}": ${e.message}`);
      throw e;
    }
  }
  let filter;
  try {
    filter = buildFilter(table, conditions);
  } catch (e) {
    if (e instanceof FilterError) throw new RestError(400, '22P02', e.message);
    throw e;
  }
  const order = parseOrder(table, params.get('order'));
  const limit = nonNegativeInt('limit', params.get('limit'), maxRows);
  const offset = nonNegativeInt('offset', params.get('offset'), 1_000_000_000) ?? 0;
  const sql =
    `SELECT ${columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${quoteQualified(table.namespace, table.name)}` +
    (filter === undefined ? '' : ` WHERE ${filterToSql(filter)}`) +
    (order.length === 0 ? '' : ` ORDER BY ${order.join(', ')}`) +
    ` LIMIT ${limit ?? maxRows + 1}` +
    (offset > 0 ? ` OFFSET ${offset}` : '');
  return { columns, sql, limit, offset };
}
