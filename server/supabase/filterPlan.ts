/**
 * Parsed PostgREST conditions → the live filter tree of the KalamDB front end
 * (server/kalamdb/live/filterExpr.ts), typed per column. One tree serves both the JS evaluation of
 * postgres_changes records and the SQL of `GET /rest/v1`, so a load and the live changes select the
 * same rows (three-valued logic: a NULL cell never matches eq/neq/lt/…, as in PostgreSQL).
 */
import type { TableInfo } from '../engine/types.js';
import { LiteralError, typeClassOf, typedLiteral, type RawLiteral, type TypeClass, type TypedLiteral } from '../kalamdb/live/columnTypes.js';
import { likeMatcher, type ColumnRef, type CompareOp, type Filter } from '../kalamdb/live/filterExpr.js';
import { FilterError, type FilterCondition, type FilterOp } from './postgresFilter.js';

const COMPARE: Partial<Record<FilterOp, CompareOp>> = { eq: '=', neq: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=' };

function literalFor(col: ColumnRef, text: string): TypedLiteral {
  let raw: RawLiteral;
  const cls: TypeClass = col.cls;
  if (cls === 'decimal' || cls === 'float4' || cls === 'float8') raw = { kind: 'number', text };
  else if (cls === 'bool') {
    const v = text.toLowerCase();
    if (v !== 'true' && v !== 'false' && v !== 't' && v !== 'f') throw new FilterError(`"${text.slice(0, 64)}" is not a boolean for column ${col.name} (use true or false)`);
    raw = { kind: 'boolean', value: v.startsWith('t') };
  } else raw = { kind: 'string', value: text };
  try {
    return typedLiteral(cls, raw);
  } catch (e) {
    if (e instanceof LiteralError) throw new FilterError(`"${text.slice(0, 64)}" does not fit column ${col.name}: ${e.message}`);
    throw e;
  }
}

function columnRef(table: TableInfo, name: string): ColumnRef {
  const column = table.columns.find((c) => c.name === name);
  if (column === undefined) throw new FilterError(`column ${name.slice(0, 64)} does not exist in ${table.namespace}.${table.name}`);
  const cls = typeClassOf(column);
  if (cls === undefined) throw new FilterError(`column ${name} (${typeof column.dataType === 'string' ? column.dataType : Object.keys(column.dataType)[0] ?? 'complex'}) cannot be filtered`);
  return { name, cls };
}

function conditionFilter(table: TableInfo, c: FilterCondition): Filter {
  const col = columnRef(table, c.column);
  const isNull: Filter = { k: 'isnull', col };
  let f: Filter;
  const cmp = COMPARE[c.op];
  if (cmp !== undefined) {
    f = { k: 'cmp', op: cmp, col, lit: literalFor(col, c.value as string) };
  } else if (c.op === 'in') {
    const list = (c.value as readonly string[]).map((v) => literalFor(col, v));
    f = list.length === 0 ? { k: 'const', v: false } : { k: 'in', col, list };
  } else if (c.op === 'like' || c.op === 'ilike') {
    if (col.cls !== 'text') throw new FilterError(`${c.op} needs a text column; ${col.name} is not one`);
    // PostgREST accepts * for % (a % in a URL must be escaped as %25).
    const pattern = (c.value as string).replace(/\*/g, '%');
    f = { k: 'like', col, pattern, ci: c.op === 'ilike', match: likeMatcher(pattern, c.op === 'ilike') };
  } else if (c.op === 'is') {
    const v = c.value as string;
    if (v === 'null' || v === 'unknown') f = isNull;
    else {
      if (col.cls !== 'bool') throw new FilterError(`is.${v} needs a boolean column; ${col.name} is not one`);
      f = { k: 'and', a: { k: 'not', a: isNull }, b: { k: 'cmp', op: '=', col, lit: literalFor(col, v) } };
    }
  } else {
    // isdistinct: IS DISTINCT FROM a non-null value.
    f = { k: 'or', a: isNull, b: { k: 'cmp', op: '!=', col, lit: literalFor(col, c.value as string) } };
  }
  return c.negate ? { k: 'not', a: f } : f;
}

/** The AND of the conditions for `table`; undefined when there are none. Throws FilterError. */
export function buildFilter(table: TableInfo, conditions: readonly FilterCondition[]): Filter | undefined {
  let out: Filter | undefined;
  for (const c of conditions) {
    const f = conditionFilter(table, c);
    out = out === undefined ? f : { k: 'and', a: out, b: f };
  }
  return out;
}
