/**
 * The validated live filter: a small expression tree evaluated in JS with SQL three-valued logic
 * against full wire rows, and serialized back to SQL text for the initial load.
 * Built only by planSubscription from a parsed AST; every literal is already typed for its column.
 */
import type { WireRow } from '../../engine/types.js';
import { quoteIdent, quoteLiteral } from '../../engine/quoteIdent.js';
import { compareCell, type TypeClass, type TypedLiteral } from './columnTypes.js';

export interface ColumnRef {
  /** Column name as stored (a key of wire rows). */
  readonly name: string;
  readonly cls: TypeClass;
}

export type CompareOp = '=' | '!=' | '<' | '>' | '<=' | '>=';

export type Filter =
  | { readonly k: 'and' | 'or'; readonly a: Filter; readonly b: Filter }
  | { readonly k: 'not'; readonly a: Filter }
  | { readonly k: 'const'; readonly v: boolean | null }
  | { readonly k: 'cmp'; readonly op: CompareOp; readonly col: ColumnRef; readonly lit: TypedLiteral | null }
  | { readonly k: 'like'; readonly col: ColumnRef; readonly pattern: string; readonly ci: boolean; readonly match: (value: string) => boolean }
  | { readonly k: 'in'; readonly col: ColumnRef; readonly list: readonly (TypedLiteral | null)[] }
  | { readonly k: 'between'; readonly col: ColumnRef; readonly lo: TypedLiteral | null; readonly hi: TypedLiteral | null }
  | { readonly k: 'isnull'; readonly col: ColumnRef };

/** SQL three-valued result: true, false or null (unknown). A row matches only on true. */
export type Truth = boolean | null;

export function matches(filter: Filter | undefined, row: WireRow): boolean {
  return filter === undefined || evaluate(filter, row) === true;
}

export function evaluate(f: Filter, row: WireRow): Truth {
  switch (f.k) {
    case 'and': {
      const a = evaluate(f.a, row);
      if (a === false) return false;
      const b = evaluate(f.b, row);
      if (b === false) return false;
      return a === null || b === null ? null : true;
    }
    case 'or': {
      const a = evaluate(f.a, row);
      if (a === true) return true;
      const b = evaluate(f.b, row);
      if (b === true) return true;
      return a === null || b === null ? null : false;
    }
    case 'not': {
      const a = evaluate(f.a, row);
      return a === null ? null : !a;
    }
    case 'const':
      return f.v;
    case 'cmp': {
      if (f.lit === null) return null;
      const c = compareCell(f.col.cls, row[f.col.name], f.lit.key);
      return c === null ? null : applyOp(f.op, c);
    }
    case 'like': {
      const cell = row[f.col.name];
      if (cell === null || cell === undefined) return null;
      return typeof cell === 'string' ? f.match(cell) : null;
    }
    case 'in': {
      let unknown = false;
      for (const lit of f.list) {
        if (lit === null) {
          unknown = true;
          continue;
        }
        const c = compareCell(f.col.cls, row[f.col.name], lit.key);
        if (c === null) return null;
        if (c === 0) return true;
      }
      return unknown ? null : false;
    }
    case 'between': {
      const lo = f.lo === null ? null : compareCell(f.col.cls, row[f.col.name], f.lo.key);
      const hi = f.hi === null ? null : compareCell(f.col.cls, row[f.col.name], f.hi.key);
      const ge: Truth = lo === null ? null : lo >= 0;
      const le: Truth = hi === null ? null : hi <= 0;
      if (ge === false || le === false) return false;
      return ge === null || le === null ? null : true;
    }
    case 'isnull': {
      const cell = row[f.col.name];
      return cell === null || cell === undefined;
    }
  }
}

function applyOp(op: CompareOp, c: number): boolean {
  switch (op) {
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '>=':
      return c >= 0;
  }
}

/** SQL text of the filter, with quoted identifiers and normalized literals only. */
export function filterToSql(f: Filter): string {
  switch (f.k) {
    case 'and':
      return `(${filterToSql(f.a)} AND ${filterToSql(f.b)})`;
    case 'or':
      return `(${filterToSql(f.a)} OR ${filterToSql(f.b)})`;
    case 'not':
      return `(NOT ${filterToSql(f.a)})`;
    case 'const':
      return f.v === null ? 'NULL' : f.v ? 'TRUE' : 'FALSE';
    case 'cmp':
      return `(${quoteIdent(f.col.name)} ${f.op === '!=' ? '<>' : f.op} ${f.lit?.sql ?? 'NULL'})`;
    case 'like':
      return `(${quoteIdent(f.col.name)} ${f.ci ? 'ILIKE' : 'LIKE'} ${likeSql(f.pattern)})`;
    case 'in':
      return `(${quoteIdent(f.col.name)} IN (${f.list.map((l) => l?.sql ?? 'NULL').join(', ')}))`;
    case 'between':
      return `(${quoteIdent(f.col.name)} BETWEEN ${f.lo?.sql ?? 'NULL'} AND ${f.hi?.sql ?? 'NULL'})`;
    case 'isnull':
      return `(${quoteIdent(f.col.name)} IS NULL)`;
  }
}

function likeSql(pattern: string): string {
  return quoteLiteral(pattern);
}

/**
 * LIKE pattern → matcher with PostgreSQL rules: `%` any run, `_` one character, backslash escapes
 * the next character; the whole value must match. ILIKE lowers both sides per character like
 * PostgreSQL's lower() (not JS case folding). Wildcard matching with one backtrack point, so a
 * check costs at most O(value × pattern) (a RegExp backtracks exponentially on `%a%a%a…`).
 */
export function likeMatcher(pattern: string, ci: boolean): (value: string) => boolean {
  const STAR = -1;
  const ONE = -2;
  const tokens: number[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    if (c === '\\') {
      const next = chars[i + 1];
      if (next === undefined) throw new Error('LIKE pattern must not end with the escape character');
      tokens.push(codePoint(next, ci));
      i++;
    } else if (c === '%') {
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR);
    } else if (c === '_') tokens.push(ONE);
    else tokens.push(codePoint(c, ci));
  }
  return (value: string): boolean => {
    const s = Array.from(value, (c) => codePoint(c, ci));
    let i = 0;
    let j = 0;
    let star = -1;
    let mark = 0;
    while (i < s.length) {
      const t = tokens[j];
      if (t !== undefined && t !== STAR && (t === ONE || t === s[i])) {
        i++;
        j++;
      } else if (t === STAR) {
        star = j++;
        mark = i;
      } else if (star >= 0) {
        j = star + 1;
        i = ++mark;
      } else return false;
    }
    while (tokens[j] === STAR) j++;
    return j === tokens.length;
  };
}

/** A character's code point; with `ci`, of its lower case (the first code point when lowering expands). */
function codePoint(c: string, ci: boolean): number {
  return (ci ? c.toLowerCase() : c).codePointAt(0) ?? 0;
}
