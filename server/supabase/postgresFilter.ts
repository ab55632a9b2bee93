/**
 * PostgREST-style filters (spec §4): the realtime `filter` string of a postgres_changes binding
 * (`id=gt.0,status=not.in.(a,b)`) and the per-column query parameters of `GET /rest/v1`
 * (`id=gt.0&status=not.in.(a,b)`) parse into the same conditions. Operators: eq, neq, lt, lte, gt,
 * gte, in, like, ilike, is, isdistinct, each with an optional `not.` prefix; commas AND conditions.
 */

export type FilterOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'like' | 'ilike' | 'is' | 'isdistinct';

export interface FilterCondition {
  readonly column: string;
  readonly op: FilterOp;
  readonly negate: boolean;
  /** `in`: the list; `is`: null | true | false | unknown; others: the operand text. */
  readonly value: string | readonly string[];
}

export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

const OPS = new Set<FilterOp>(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'like', 'ilike', 'is', 'isdistinct']);
const UNSUPPORTED = new Set(['match', 'imatch', 'fts', 'plfts', 'phfts', 'wfts', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj']);
export const MAX_IN_VALUES = 100;
export const MAX_FILTER_CHARS = 4096;
const IS_VALUES = new Set(['null', 'true', 'false', 'unknown']);

/** Splits at top-level commas (not inside double quotes or parentheses). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) throw new FilterError('unterminated double quote');
  parts.push(text.slice(start));
  return parts;
}

/** `"a\"b"` → `a"b`; unquoted text is returned as is. */
function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    let out = '';
    for (let i = 1; i < text.length - 1; i++) {
      if (text[i] === '\\' && i + 1 < text.length - 1) i++;
      out += text[i];
    }
    return out;
  }
  return text;
}

/** The right-hand side `[not.]op.value` of one condition on `column`. */
export function parseCondition(column: string, expression: string): FilterCondition {
  if (column === '') throw new FilterError('a condition needs a column name before "="');
  let rest = expression;
  let negate = false;
  if (rest.startsWith('not.')) {
    negate = true;
    rest = rest.slice(4);
  }
  const dot = rest.indexOf('.');
  const opText = dot < 0 ? rest : rest.slice(0, dot);
  if (UNSUPPORTED.has(opText)) throw new FilterError(`operator "${opText}" is not supported by the livebind dev server (use eq, neq, lt, lte, gt, gte, in, like, ilike, is, isdistinct)`);
  if (!OPS.has(opText as FilterOp)) throw new FilterError(`unknown operator "${opText.slice(0, 32)}" in ${column}=${expression.slice(0, 64)} (expected column=op.value)`);
  if (dot < 0) throw new FilterError(`operator "${opText}" needs a value (column=${opText}.value)`);
  const op = opText as FilterOp;
  const raw = rest.slice(dot + 1);
  if (op === 'in') {
    if (!raw.startsWith('(') || !raw.endsWith(')')) throw new FilterError('in filter value must be wrapped by parentheses');
    const body = raw.slice(1, -1);
    const values = body.trim() === '' ? [] : splitTopLevel(body).map((v) => unquote(v.trim()));
    if (values.length > MAX_IN_VALUES) throw new FilterError(`in filter accepts at most ${MAX_IN_VALUES} values`);
    return { column, op, negate, value: values };
  }
  if (op === 'is') {
    const v = raw.toLowerCase();
    if (!IS_VALUES.has(v)) throw new FilterError('is filter value must be null, true, false or unknown');
    return { column, op, negate, value: v };
  }
  return { column, op, negate, value: unquote(raw) };
}

/** A realtime binding's `filter` (§4): empty or blank means no conditions. */
export function parseRealtimeFilter(text: string): FilterCondition[] {
  if (text.length > MAX_FILTER_CHARS) throw new FilterError(`filter longer than ${MAX_FILTER_CHARS} characters`);
  if (text.trim() === '') return [];
  return splitTopLevel(text).map((segment) => {
    if (segment.trim() === '') throw new FilterError('empty filter segment (two commas in a row, or a trailing comma)');
    const eq = segment.indexOf('=');
    if (eq < 0) throw new FilterError(`"${segment.slice(0, 64)}" is not column=op.value`);
    return parseCondition(segment.slice(0, eq).trim(), segment.slice(eq + 1));
  });
}

/** The columns a list of conditions names. */
export function filterColumns(conditions: readonly FilterCondition[]): string[] {
  return [...new Set(conditions.map((c) => c.column))];
}
