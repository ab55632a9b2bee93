/**
 * Subscription SQL planner (spec §7.4, §7.5, §12.3.4): parses with pgsql-ast-parser, accepts exactly
 * `SELECT cols|* FROM ns.table [WHERE …]`, resolves the table and columns, and turns the WHERE into a
 * typed Filter that the live path evaluates exactly. Anything it cannot evaluate exactly is rejected
 * with INVALID_SQL at subscribe, never skipped.
 */
import { parse, type Expr, type SelectFromStatement, type Statement } from 'pgsql-ast-parser';
import type { AuthUser, ColumnInfo, Engine, KalamDataType, TableInfo } from '../../engine/types.js';
import { LiteralError, typeClassOf, typedLiteral, type RawLiteral, type TypedLiteral } from './columnTypes.js';
import { parseOffThread } from '../../engine/sqlSurface/parseOffThread.js';
import { parserMessage } from '../../engine/sqlSurface/parserMessage.js';
import { filterToSql, likeMatcher, type ColumnRef, type CompareOp, type Filter } from './filterExpr.js';

export interface SchemaField {
  readonly name: string;
  readonly data_type: KalamDataType;
  readonly index: number;
  readonly flags?: readonly string[];
}

/** One output column: read from `source`, sent under `name`. */
export interface ProjectedColumn {
  readonly source: string;
  readonly name: string;
}

export interface SubscriptionPlan {
  readonly table: TableInfo;
  readonly star: boolean;
  /** Output columns, `_seq` excluded (it is always added). */
  readonly projection: readonly ProjectedColumn[];
  /** Primary-key columns under their output name (the alias when projected). */
  readonly primaryKey: readonly ProjectedColumn[];
  readonly filter: Filter | undefined;
  /** The filter re-serialized from the validated tree, for engine.readRows. */
  readonly whereSql: string | undefined;
  readonly schema: readonly SchemaField[];
}

export type PlanErrorCode = 'INVALID_SQL' | 'NOT_FOUND' | 'UNAUTHORIZED';
export interface PlanError {
  readonly code: PlanErrorCode;
  readonly message: string;
}

/** Longest subscription SQL (the parser needs ~200 ms for 8,000 characters, in its worker thread). */
export const MAX_SQL_LENGTH = 16_384;
const MAX_DEPTH = 64;
const ALLOWED_SELECT_KEYS = new Set(['type', 'columns', 'from', 'where', '_location']);
const CLAUSE_NAMES: Record<string, string> = {
  orderBy: 'ORDER BY',
  limit: 'LIMIT/OFFSET/FETCH',
  distinct: 'DISTINCT',
  groupBy: 'GROUP BY',
  having: 'HAVING',
  window: 'WINDOW',
  for: 'FOR UPDATE/SHARE',
};

class Reject extends Error {}

type Parsed = Statement[];

export function planSubscription(sql: string, user: AuthUser, engine: Pick<Engine, 'getTable' | 'canRead'>): SubscriptionPlan | PlanError {
  try {
    return buildPlan(sql, user, engine, parseHere(sql));
  } catch (e) {
    return planError(e);
  }
}

/**
 * The same plan with the parse in the parser's worker thread (sqlSurface/parseOffThread.ts): the
 * event loop, and every other socket, never waits for the parser. Used by /v1/ws.
 */
export async function planSubscriptionOffThread(sql: string, user: AuthUser, engine: Pick<Engine, 'getTable' | 'canRead'>): Promise<SubscriptionPlan | PlanError> {
  try {
    preScan(sql);
    let statements: Parsed;
    try {
      statements = await parseOffThread(sql, { locations: true });
    } catch (e) {
      throw new Reject(shortMessage(e));
    }
    return buildPlan(sql, user, engine, statements);
  } catch (e) {
    return planError(e);
  }
}

function parseHere(sql: string): Parsed {
  preScan(sql);
  try {
    return parse(sql, { locationTracking: true });
  } catch (e) {
    throw new Reject(shortMessage(e));
  }
}

/** Linear bounds checked before the parser sees the text: length and parenthesis nesting. */
function preScan(sql: string): void {
  if (sql.length > MAX_SQL_LENGTH) throw new Reject(`Subscription query is longer than ${MAX_SQL_LENGTH} characters`);
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' && ++depth > MAX_DEPTH) throw new Reject(`Subscription query nests parentheses deeper than ${MAX_DEPTH} levels`);
    else if (c === ')') depth--;
  }
}

function planError(e: unknown): PlanError {
  if (e instanceof Reject) return { code: 'INVALID_SQL', message: `Invalid SQL: ${e.message}` };
  if (e instanceof NotFound) return { code: 'NOT_FOUND', message: `Not found: Table not found: ${e.message}` };
  if (e instanceof Unauthorized) return { code: 'UNAUTHORIZED', message: `Unauthorized: ${e.message}` };
  return { code: 'INVALID_SQL', message: `Invalid SQL: ${shortMessage(e)}` };
}

class NotFound extends Error {}
class Unauthorized extends Error {}

function shortMessage(e: unknown): string {
  return parserMessage(e);
}

function buildPlan(sql: string, user: AuthUser, engine: Pick<Engine, 'getTable' | 'canRead'>, statements: Parsed): SubscriptionPlan {
  if (statements.length !== 1) throw new Reject('Subscription query must be exactly one SELECT statement');
  const stmt = statements[0];
  if (stmt?.type !== 'select') throw new Reject('Subscription query must be a plain SELECT (no WITH, UNION or other statements)');
  const select = stmt as SelectFromStatement & Record<string, unknown>;
  for (const [key, value] of Object.entries(select)) {
    if (value === undefined || value === null || ALLOWED_SELECT_KEYS.has(key)) continue;
    const hint =
      key === 'orderBy' ? '; order on the client with the `orderBy` option of liveRows()/useLiveQuery()'
      : key === 'limit' ? '; limit on the client with the `limit` option (and `lastRows` for the newest N at load)'
      : '';
    throw new Reject(`Subscription query does not support ${CLAUSE_NAMES[key] ?? key}${hint}`);
  }
  const from = select.from ?? [];
  if (from.length !== 1) throw new Reject(from.length === 0 ? 'Subscription query needs FROM namespace.table' : 'Subscription query does not support JOIN or several FROM tables');
  const source = from[0];
  if (!source || source.type !== 'table') throw new Reject('Subscription query does not support subqueries or functions in FROM');
  if (source.join) throw new Reject('Subscription query does not support JOIN');
  const ns = source.name.schema;
  if (!ns) throw new Reject('Query must use namespace.table format');
  const table = engine.getTable(ns, source.name.name);
  if (!table) throw new NotFound(`${ns}.${source.name.name}`);
  if (!engine.canRead(user, table)) throw new Unauthorized(`no permission to subscribe to ${table.qualifiedName}`);
  const qualifiers = new Set([source.name.name, `${ns}.${source.name.name}`, source.name.alias].filter((q): q is string => !!q));

  const resolve = (ref: { name: string; table?: { name: string; schema?: string } | undefined }): ColumnInfo => {
    if (ref.table) {
      const q = ref.table.schema ? `${ref.table.schema}.${ref.table.name}` : ref.table.name;
      if (!qualifiers.has(q)) throw new Reject(`Unknown table qualifier ${q}`);
    }
    const col = table.columns.find((c) => c.name === ref.name) ?? table.columns.find((c) => c.name === ref.name.toLowerCase());
    if (!col) throw new Reject(`Column not found: ${ref.name}`);
    return col;
  };

  // Projection.
  const columns = select.columns ?? [];
  const isStar = columns.length === 1 && columns[0]?.expr.type === 'ref' && columns[0].expr.name === '*';
  let projection: ProjectedColumn[];
  let schema: SchemaField[];
  if (isStar) {
    if (columns[0]?.alias) throw new Reject('SELECT * cannot have an alias');
    projection = table.columns.filter((c) => c.name !== '_seq').map((c) => ({ source: c.name, name: c.name }));
    schema = table.columns.map((c, index) => schemaField(c, c.name, index));
  } else {
    projection = [];
    schema = [];
    columns.forEach((item, index) => {
      const expr = item.expr;
      if (expr.type !== 'ref' || expr.name === '*') throw new Reject('Subscription query can only project columns (or *)');
      const col = resolve(expr);
      if (col.system) throw new Reject('Subscription query cannot project system columns (_seq, _deleted); _seq is added to every row');
      const name = item.alias?.name ?? col.name;
      projection.push({ source: col.name, name });
      schema.push(schemaField(col, name, index));
    });
  }
  const primaryKey = table.primaryKey.map((pk) => projection.find((p) => p.source === pk) ?? { source: pk, name: pk });

  let filter: Filter | undefined;
  if (select.where) filter = toFilter(select.where, 0, { sql, user, resolve });
  return { table, star: isStar, projection, primaryKey, filter, whereSql: filter ? filterToSql(filter) : undefined, schema };
}

function schemaField(col: ColumnInfo, name: string, index: number): SchemaField {
  return col.flags.length > 0 ? { name, data_type: col.dataType, index, flags: [...col.flags] } : { name, data_type: col.dataType, index };
}

interface Ctx {
  readonly sql: string;
  readonly user: AuthUser;
  readonly resolve: (ref: { name: string; table?: { name: string; schema?: string } | undefined }) => ColumnInfo;
}

const COMPARE_OPS: Record<string, CompareOp> = { '=': '=', '!=': '!=', '<>': '!=', '<': '<', '>': '>', '<=': '<=', '>=': '>=' };
const FLIPPED: Record<CompareOp, CompareOp> = { '=': '=', '!=': '!=', '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

function toFilter(e: Expr, depth: number, ctx: Ctx): Filter {
  if (depth > MAX_DEPTH) throw new Reject(`WHERE nests deeper than ${MAX_DEPTH} levels`);
  const d = depth + 1;
  switch (e.type) {
    case 'binary': {
      if (e.op === 'AND' || e.op === 'OR') return { k: e.op === 'AND' ? 'and' : 'or', a: toFilter(e.left, d, ctx), b: toFilter(e.right, d, ctx) };
      const cmp = COMPARE_OPS[e.op];
      if (cmp) {
        if (e.left.type === 'ref') {
          const col = columnRef(e.left, ctx);
          return { k: 'cmp', op: cmp, col, lit: literalFor(col, e.right, ctx) };
        }
        if (e.right.type === 'ref') {
          const col = columnRef(e.right, ctx);
          return { k: 'cmp', op: FLIPPED[cmp], col, lit: literalFor(col, e.left, ctx) };
        }
        throw new Reject(`Comparison ${e.op} needs a column on one side and a literal on the other`);
      }
      if (e.op === 'LIKE' || e.op === 'ILIKE' || e.op === 'NOT LIKE' || e.op === 'NOT ILIKE') {
        const col = refOnly(e.left, e.op, ctx);
        if (col.cls !== 'text') throw new Reject(`${e.op} needs a text column`);
        if (e.right.type !== 'string') throw new Reject(`${e.op} needs a string literal pattern`);
        const ci = e.op.endsWith('ILIKE');
        let match: (value: string) => boolean;
        try {
          match = likeMatcher(e.right.value, ci);
        } catch (err) {
          throw new Reject(shortMessage(err));
        }
        const like: Filter = { k: 'like', col, pattern: e.right.value, ci, match };
        return e.op.startsWith('NOT') ? { k: 'not', a: like } : like;
      }
      if (e.op === 'IN' || e.op === 'NOT IN') {
        const col = refOnly(e.left, e.op, ctx);
        if (e.right.type !== 'list' || e.right.expressions.length === 0) throw new Reject(`${e.op} needs a non-empty list of literals`);
        const f: Filter = { k: 'in', col, list: e.right.expressions.map((x) => literalFor(col, x, ctx)) };
        return e.op === 'NOT IN' ? { k: 'not', a: f } : f;
      }
      throw new Reject(`Operator ${e.op} is not supported in subscription filters`);
    }
    case 'unary': {
      if (e.op === 'NOT') return { k: 'not', a: toFilter(e.operand, d, ctx) };
      if (e.op === 'IS NULL' || e.op === 'IS NOT NULL') {
        const f: Filter = { k: 'isnull', col: refOnly(e.operand, e.op, ctx) };
        return e.op === 'IS NULL' ? f : { k: 'not', a: f };
      }
      throw new Reject(`Operator ${e.op} is not supported in subscription filters`);
    }
    case 'ternary': {
      if (e.op !== 'BETWEEN' && e.op !== 'NOT BETWEEN') throw new Reject(`Operator ${String(e.op)} is not supported in subscription filters`);
      const col = refOnly(e.value, e.op, ctx);
      const f: Filter = { k: 'between', col, lo: literalFor(col, e.lo, ctx), hi: literalFor(col, e.hi, ctx) };
      return e.op === 'NOT BETWEEN' ? { k: 'not', a: f } : f;
    }
    case 'ref': {
      const col = columnRef(e, ctx);
      if (col.cls !== 'bool') throw new Reject(`Column ${col.name} is not boolean and cannot stand alone as a condition`);
      return { k: 'cmp', op: '=', col, lit: { key: true, sql: 'TRUE' } };
    }
    case 'boolean':
      return { k: 'const', v: e.value };
    case 'null':
      return { k: 'const', v: null };
    default:
      throw new Reject(`Expression type ${e.type} is not supported in subscription filters (supported: AND, OR, NOT, comparisons, LIKE, ILIKE, IN, BETWEEN, IS [NOT] NULL)`);
  }
}

function refOnly(e: Expr, op: string, ctx: Ctx): ColumnRef {
  if (e.type !== 'ref') throw new Reject(`${op} needs a column on its left side`);
  return columnRef(e, ctx);
}

function columnRef(e: Expr & { type: 'ref' }, ctx: Ctx): ColumnRef {
  if (e.name === '*') throw new Reject('* is not allowed in WHERE');
  const col = ctx.resolve(e);
  const cls = typeClassOf(col);
  if (!cls) throw new Reject(`Column ${col.name} of type ${JSON.stringify(col.dataType)} cannot be used in a subscription filter`);
  return { name: col.name, cls };
}

/** A literal typed for `col`; null for SQL NULL. */
function literalFor(col: ColumnRef, e: Expr, ctx: Ctx): TypedLiteral | null {
  const raw = rawLiteral(e, ctx);
  if (raw === null) return null;
  try {
    return typedLiteral(col.cls, raw);
  } catch (err) {
    if (err instanceof LiteralError) throw new Reject(`Column ${col.name} ${err.message}`);
    throw new Reject(shortMessage(err));
  }
}

function rawLiteral(e: Expr, ctx: Ctx): RawLiteral | null {
  switch (e.type) {
    case 'integer':
    case 'numeric': {
      const loc = e._location;
      if (!loc) throw new Reject('Number literal without position');
      return { kind: 'number', text: ctx.sql.slice(loc.start, loc.end).trim() };
    }
    case 'unary':
      if (e.op === '-' || e.op === '+') {
        const inner = rawLiteral(e.operand, ctx);
        if (inner?.kind !== 'number' || /^[+-]/.test(inner.text)) throw new Reject(`Unary ${e.op} needs a number`);
        return { kind: 'number', text: `${e.op === '-' ? '-' : ''}${inner.text}` };
      }
      break;
    case 'string':
      return { kind: 'string', value: e.value };
    case 'boolean':
      return { kind: 'boolean', value: e.value };
    case 'null':
      return null;
    case 'keyword':
      if (e.keyword === 'current_user') return { kind: 'string', value: ctx.user.id };
      break;
    case 'call':
      if (e.function.name.toLowerCase() === 'current_user' && !e.function.schema && e.args.length === 0) return { kind: 'string', value: ctx.user.id };
      break;
    default:
      break;
  }
  throw new Reject(`Only literals and CURRENT_USER() can be compared with a column (got ${e.type})`);
}
