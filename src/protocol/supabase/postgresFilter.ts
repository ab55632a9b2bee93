/**
 * postgres_changes filters (spec §4), restricted to the core operators every server accepts:
 * `eq, neq, lt, lte, gt, gte, in`. Conditions are ANDed. A filter is canonicalised before it is
 * serialised (conditions sorted, duplicates and `in` repeats removed), so equal filters produce the
 * same binding string, de-duplicate, and match the server's echo field by field (§7 #11).
 */
import { UsageError } from '../../errors.js';

export const FILTER_OPS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];
export type FilterScalar = string | number | boolean;

export type FilterCondition =
  | { readonly column: string; readonly op: Exclude<FilterOp, 'in'>; readonly value: FilterScalar }
  | { readonly column: string; readonly op: 'in'; readonly value: readonly FilterScalar[] };

/** Conditions ANDed together; empty = no filter. */
export type RowFilter = readonly FilterCondition[];

/** Realtime's limit on `in` lists. */
const MAX_IN_VALUES = 100;
const COLUMN = /^[A-Za-z_][A-Za-z0-9_$]*$/;
/** Values holding one of these (or blank, or with outer spaces) are double-quoted (PostgREST style). */
const NEEDS_QUOTES = /[,()"\\]|^\s|\s$|^$/;

/** Check a filter and return it in canonical order; throws UsageError naming the bad condition. */
export function canonicalFilter(filter: RowFilter): RowFilter {
  const seen = new Map<string, FilterCondition>();
  for (const condition of filter) {
    const checked = checkCondition(condition);
    seen.set(conditionText(checked), checked);
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}

/** The realtime binding string (`id=gt.0,status=in.(a,b)`), or undefined for no filter. Input must be canonical. */
export function filterText(filter: RowFilter): string | undefined {
  return filter.length === 0 ? undefined : filter.map(conditionText).join(',');
}

/** `op.value` of one condition as realtime and PostgREST read it. */
export function operandText(condition: FilterCondition): string {
  if (condition.op === 'in') return `in.(${condition.value.map(scalarText).join(',')})`;
  return `${condition.op}.${scalarText(condition.value)}`;
}

function conditionText(condition: FilterCondition): string {
  return `${condition.column}=${operandText(condition)}`;
}

function scalarText(value: FilterScalar): string {
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : text;
}

function checkCondition(condition: FilterCondition): FilterCondition {
  const where = `filter condition on ${JSON.stringify(condition.column)}`;
  if (typeof condition.column !== 'string' || !COLUMN.test(condition.column)) {
    throw new UsageError(`Bad ${where}: the column must be a plain identifier (letters, digits, _).`, { code: 'BAD_FILTER' });
  }
  if (!(FILTER_OPS as readonly string[]).includes(condition.op)) {
    throw new UsageError(`Bad ${where}: operator ${JSON.stringify(condition.op)} is not one of ${FILTER_OPS.join(', ')}.`, { code: 'BAD_FILTER' });
  }
  if (condition.op === 'in') {
    if (!Array.isArray(condition.value) || condition.value.length === 0) {
      throw new UsageError(`Bad ${where}: \`in\` needs a non-empty array of values.`, { code: 'BAD_FILTER' });
    }
    // Deduplicated and ordered by wire text, so `[2, 10]`, `['10', 2]` and the server's echo agree.
    const byText = new Map<string, FilterScalar>();
    for (const v of condition.value) {
      const scalar = checkScalar(v, where);
      byText.set(scalarText(scalar), scalar);
    }
    const values = [...byText.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
    if (values.length > MAX_IN_VALUES) {
      throw new UsageError(`Bad ${where}: \`in\` takes at most ${String(MAX_IN_VALUES)} values (Supabase Realtime's limit).`, { code: 'BAD_FILTER' });
    }
    return { column: condition.column, op: 'in', value: values };
  }
  return { column: condition.column, op: condition.op, value: checkScalar(condition.value, where) };
}

function checkScalar(value: unknown, where: string): FilterScalar {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new UsageError(`Bad ${where}: values must be strings, finite numbers or booleans (null never compares equal in SQL).`, { code: 'BAD_FILTER' });
}

/**
 * Parse a filter string with the core operators (the server's echo of a binding). Undefined when it
 * uses anything else; used only to compare an echo with what was sent, never to build a request.
 */
export function parseFilterText(text: string): RowFilter | undefined {
  if (text.trim() === '') return [];
  const parts = splitTopLevel(text);
  if (parts === undefined) return undefined;
  const conditions: FilterCondition[] = [];
  for (const part of parts) {
    const match = /^([^=]+)=(eq|neq|lt|lte|gt|gte|in)\.(.*)$/s.exec(part);
    if (match === null) return undefined;
    const column = match[1]!;
    const op = match[2] as FilterOp;
    const rest = match[3]!;
    if (op === 'in') {
      if (!rest.startsWith('(') || !rest.endsWith(')')) return undefined;
      const items = splitTopLevel(rest.slice(1, -1));
      if (items === undefined) return undefined;
      conditions.push({ column, op, value: items.map(unquote) });
    } else {
      conditions.push({ column, op, value: unquote(rest) });
    }
  }
  try {
    return canonicalFilter(conditions);
  } catch {
    return undefined;
  }
}

/** Split on commas outside double quotes and parentheses; undefined on unbalanced input. */
function splitTopLevel(text: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) return undefined;
  }
  if (quoted || depth !== 0) return undefined;
  parts.push(text.slice(start));
  return parts.some((p) => p === '') ? undefined : parts;
}

function unquote(text: string): string {
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) return text;
  return text.slice(1, -1).replace(/\\(.)/gs, '$1');
}
