/**
 * The ONE place that turns values into SQL text. Subscription SQL has no parameter slot on the
 * wire (spec §6.1), so `$n` placeholders are replaced by literals here; HTTP calls send `params`
 * as JSON instead. No other code builds SQL from values.
 */
import { UsageError } from '../errors.js';
import type { SqlParam } from '../types.js';

/** A value as a SQL literal: strings single-quoted (quotes doubled, backslashes kept verbatim). */
export function sqlLiteral(value: SqlParam): string {
  checkParam(value, true);
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  // String(-0) is "0"; exponent forms (1e+21, 5e-7) are valid SQL numeric literals.
  return value === null ? 'NULL' : String(value);
}

/**
 * Throws the UsageError for a value no SQL parameter can take (over HTTP or bound as a literal):
 * NaN/Infinity and anything but string, number, bigint, boolean or null; for literals
 * (`noNul`) also strings with NUL characters.
 */
export function checkParam(value: unknown, noNul = false): void {
  const type = typeof value;
  const problem =
    type === 'number'
      ? Number.isFinite(value) || `must be finite numbers; got ${String(value)}. Pass null or a string instead`
      : type === 'string'
        ? !(noNul && (value as string).includes('\u0000')) || 'cannot contain NUL characters (\\u0000)'
        : value === null || type === 'bigint' || type === 'boolean' || `cannot be of type "${type}": use string, number, bigint, boolean or null`;
  if (problem !== true) invalidParams(problem);
}

/** Throws the UsageError (code `INVALID_PARAMETER`) of every parameter mistake: `SQL parameters <problem>.` */
function invalidParams(problem: string): never {
  throw new UsageError(`SQL parameters ${problem}.`, { code: 'INVALID_PARAMETER' });
}

/**
 * What bindParams looks at, leftmost first: a `$n` placeholder (group 1) or text to skip whole: string
 * literals ('…', E'…' with backslash escapes), quoted identifiers ("…"), dollar-quoted strings
 * ($tag$…$tag$, tags up to 62 characters; group 2) and comments (-- …, and / * … * / which nest, so
 * bindParams finds their end). Placeholders, E'…' and $tag$ only count when no identifier character
 * precedes them (`col$1` is a name); anything unterminated runs to the end of the SQL.
 */
const TOKEN = /(?<![\w\u0080-\uffff])(?:\$(\d+)|[Ee]'(?:\\[\s\S]|''|[^'\\])*'?|\$([A-Za-z_]\w{0,61})?\$[\s\S]*?(?:\$\2\$|$))|'(?:''|[^'])*'?|"(?:""|[^"])*"?|--[^\n]*|\/\*/g;

/**
 * Replace `$1..$n` with literals of `params[n-1]`, skipping string literals, quoted identifiers,
 * dollar-quoted strings and comments (TOKEN).
 * Every placeholder must have a value; unused values are an error too (they usually mean a typo).
 */
export function bindParams(sql: string, params: readonly SqlParam[] | undefined): string {
  const values = params ?? [];
  const used = new Array<boolean>(values.length).fill(false);
  let out = '';
  let last = 0;
  TOKEN.lastIndex = 0;
  for (let token = TOKEN.exec(sql); token !== null; token = TOKEN.exec(sql)) {
    const i = token.index;
    if (token[0] === '/*') TOKEN.lastIndex = skipBlockComment(sql, i);
    if (token[1] === undefined) continue;
    const index = Number(token[1]);
    if (index < 1 || index > values.length) invalidParams(`: the SQL uses $${index} but ${values.length} were given`);
    const literal = sqlLiteral(values[index - 1] as SqlParam);
    // `-$1` with a negative value would read `--5`: a comment hiding the rest of the line.
    const gap = literal.startsWith('-') && sql[i - 1] === '-' ? ' ' : '';
    out += sql.slice(last, i) + gap + literal;
    used[index - 1] = true;
    last = TOKEN.lastIndex;
  }
  const unused = used.indexOf(false);
  if (unused !== -1) invalidParams(`: $${unused + 1} is not used in the SQL`);
  return out + sql.slice(last);
}

/** Block comment edges, for skipBlockComment. */
const COMMENT_EDGE = /\/\*|\*\//g;

/** The end of the block comment at `start` (Postgres block comments nest). */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  COMMENT_EDGE.lastIndex = start;
  for (let edge = COMMENT_EDGE.exec(sql); edge !== null; edge = COMMENT_EDGE.exec(sql)) {
    depth += edge[0] === '/*' ? 1 : -1;
    if (depth === 0) return COMMENT_EDGE.lastIndex;
  }
  return sql.length;
}
