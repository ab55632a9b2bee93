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
  // -0 prints as "0"; exponent forms (1e+21, 5e-7) are valid SQL numeric literals.
  return value === null ? 'NULL' : Object.is(value, -0) ? '0' : String(value);
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
  if (problem !== true) throw new UsageError(`SQL parameters ${problem}.`, { code: 'INVALID_PARAMETER' });
}

/**
 * Replace `$1..$n` with literals of `params[n-1]`, skipping string literals ('…', E'…'),
 * quoted identifiers ("…"), dollar-quoted strings ($tag$…$tag$) and comments (-- …, / * … * /).
 * Every placeholder must have a value; unused values are an error too (they usually mean a typo).
 */
export function bindParams(sql: string, params: readonly SqlParam[] | undefined): string {
  const values = params ?? [];
  const used = new Array<boolean>(values.length).fill(false);
  let out = '';
  let last = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 39 /* ' */) {
      // E'…' strings allow backslash escapes; plain strings only double quotes.
      const prev = i > 0 ? sql[i - 1] : '';
      const escapes = (prev === 'E' || prev === 'e') && (i < 2 || !isIdentChar(sql.charCodeAt(i - 2)));
      i = skipQuoted(sql, i, 39, escapes);
    } else if (c === 34 /* " */) {
      i = skipQuoted(sql, i, 34, false);
    } else if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
    } else if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      i = skipBlockComment(sql, i);
    } else if (c === 36 /* $ */) {
      let j = i + 1;
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
      if (j > i + 1 && (i === 0 || !isIdentChar(sql.charCodeAt(i - 1)))) {
        const index = Number(sql.slice(i + 1, j));
        if (index < 1 || index > values.length) {
          throw new UsageError(`SQL uses $${index} but ${values.length} parameter(s) were given.`, { code: 'INVALID_PARAMETER' });
        }
        const literal = sqlLiteral(values[index - 1] as SqlParam);
        // `-$1` with a negative value would read `--5`: a comment hiding the rest of the line.
        const gap = literal.startsWith('-') && i > 0 && sql.charCodeAt(i - 1) === 45 /* - */ ? ' ' : '';
        out += sql.slice(last, i) + gap + literal;
        used[index - 1] = true;
        last = j;
        i = j;
      } else {
        const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
        if (tag && (i === 0 || !isIdentChar(sql.charCodeAt(i - 1)))) {
          const close = sql.indexOf(tag[0], i + tag[0].length);
          i = close === -1 ? n : close + tag[0].length;
        } else {
          i = j;
        }
      }
    } else {
      i++;
    }
  }
  const unused = used.findIndex((u) => !u);
  if (unused !== -1) {
    throw new UsageError(`Parameter $${unused + 1} is not used in the SQL.`, { code: 'INVALID_PARAMETER' });
  }
  return out + sql.slice(last);
}

function skipQuoted(sql: string, start: number, quote: number, backslashEscapes: boolean): number {
  let i = start + 1;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (backslashEscapes && c === 92 /* \ */) {
      i += 2;
    } else if (c === quote) {
      if (sql.charCodeAt(i + 1) === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return n;
}

function skipBlockComment(sql: string, start: number): number {
  // Postgres block comments nest.
  let depth = 0;
  let i = start;
  const n = sql.length;
  while (i < n) {
    if (sql.charCodeAt(i) === 47 && sql.charCodeAt(i + 1) === 42) {
      depth++;
      i += 2;
    } else if (sql.charCodeAt(i) === 42 && sql.charCodeAt(i + 1) === 47) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return n;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentChar(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}
