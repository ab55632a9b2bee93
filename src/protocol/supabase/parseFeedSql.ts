/**
 * The part of SQL a postgres_changes feed can honour, so `client.liveRows(sql, { params })` reads
 * the same on both backends:
 *
 *   SELECT * | col, … FROM [schema.]table [WHERE cond AND cond …] [;]
 *   cond: col = | <> | != | < | <= | > | >= literal,  col IN (literal, …)
 *   literal: 'text' ('' escapes), number, TRUE, FALSE (parameters arrive bound as such literals)
 *
 * Anything else (joins, OR, functions, ORDER BY/LIMIT: use the orderBy/limit options) is refused
 * with an UnsupportedError that says so; realtime filters cannot express it.
 */
import { UnsupportedError } from '../../errors.js';
import type { FeedSpecInput } from './feedSpec.js';
import type { FilterCondition, FilterScalar } from './postgresFilter.js';

type Token = { readonly kind: 'word' | 'number' | 'string' | 'punct'; readonly text: string; readonly value?: string };

const TOKEN = /\s*(?:([A-Za-z_][A-Za-z0-9_$]*)|("(?:[^"]|"")+")|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|'((?:[^']|'')*)'|(<=|>=|<>|!=|[=<>(),.*;]))/y;
const OPS: Record<string, Exclude<FilterCondition['op'], 'in'>> = { '=': 'eq', '<>': 'neq', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };

export function parseFeedSql(sql: string): Omit<FeedSpecInput, 'load' | 'key' | 'pageSize'> {
  const tokens = tokenize(sql);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const next = (): Token => {
    const t = tokens[at++];
    if (t === undefined) throw unsupported(sql, 'it ends early');
    return t;
  };
  const keyword = (word: string): boolean => {
    const t = peek();
    if (t?.kind === 'word' && t.text.toUpperCase() === word) {
      at++;
      return true;
    }
    return false;
  };
  const expect = (text: string): void => {
    const t = next();
    if (t.text !== text) throw unsupported(sql, `expected "${text}" but found "${t.text}"`);
  };
  const ident = (): string => {
    const t = next();
    if (t.kind !== 'word') throw unsupported(sql, `expected a name but found "${t.text}"`);
    return t.value ?? t.text;
  };
  if (!keyword('SELECT')) throw unsupported(sql, 'only SELECT … FROM <table> is supported');
  let select: string[] | undefined;
  if (peek()?.text === '*') at++;
  else {
    select = [ident()];
    while (peek()?.text === ',') {
      at++;
      select.push(ident());
    }
  }
  if (!keyword('FROM')) throw unsupported(sql, 'expected FROM');
  let table = ident();
  let schema: string | undefined;
  if (peek()?.text === '.') {
    at++;
    schema = table;
    table = ident();
  }
  const filter: FilterCondition[] = [];
  if (keyword('WHERE')) {
    do {
      const column = ident();
      if (keyword('IN')) {
        expect('(');
        const values = [literal(next(), sql)];
        while (peek()?.text === ',') {
          at++;
          values.push(literal(next(), sql));
        }
        expect(')');
        filter.push({ column, op: 'in', value: values });
      } else {
        const op = OPS[next().text];
        if (op === undefined) throw unsupported(sql, `column ${column} must be compared with =, <>, <, <=, >, >= or IN`);
        filter.push({ column, op, value: literal(next(), sql) });
      }
    } while (keyword('AND'));
  }
  if (peek()?.text === ';') at++;
  if (at < tokens.length) throw unsupported(sql, `"${tokens[at]!.text}" is not supported here (ORDER BY/LIMIT: use the orderBy/limit options; OR, joins and functions cannot be filtered by realtime)`);
  const spec: { schema?: string; table: string; filter: FilterCondition[]; select?: string[] } = { table, filter };
  if (schema !== undefined) spec.schema = schema;
  if (select !== undefined) spec.select = select;
  return spec;
}

function literal(token: Token, sql: string): FilterScalar {
  if (token.kind === 'string') return token.value!;
  if (token.kind === 'number') return Number(token.text);
  if (token.kind === 'word' && /^(true|false)$/i.test(token.text)) return token.text.toLowerCase() === 'true';
  if (token.kind === 'word' && /^null$/i.test(token.text)) throw unsupported(sql, 'comparisons with NULL never match; filter on a value');
  throw unsupported(sql, `expected a literal value but found "${token.text}"`);
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < sql.length) {
    if (/^\s*$/.test(sql.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(sql);
    if (m === null) throw unsupported(sql, `cannot read it at "${sql.slice(at, at + 12).trim()}"`);
    at = TOKEN.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'word', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'word', text: m[2], value: m[2].slice(1, -1).replaceAll('""', '"') });
    else if (m[3] !== undefined) tokens.push({ kind: 'number', text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: 'string', text: `'${m[4]}'`, value: m[4].replaceAll("''", "'") });
    else tokens.push({ kind: 'punct', text: m[5]! });
  }
  return tokens;
}

function unsupported(sql: string, why: string): UnsupportedError {
  return new UnsupportedError(`The Supabase driver reads live rows of one table with simple filters; this query is not one: ${why}. Query: ${sql.slice(0, 200)}`, {
    code: 'UNSUPPORTED_QUERY',
    capability: 'sql-live-query',
  });
}
