/**
 * Client-side evaluation of a core-operator filter on a row, with SQL semantics for NULL (no
 * comparison with NULL is true, `neq` included). Used to notice rows updated OUT of a filter:
 * realtime filters on the new record only, so such an update never reaches a filtered binding.
 *
 * Numbers (and numeric text against a number) compare numerically, booleans by value, ISO
 * timestamps by instant; other text compares by UTF-16 code units, which can differ from a
 * database collation for `lt/lte/gt/gte` on non-ASCII text.
 */
import type { FilterCondition, FilterScalar, RowFilter } from './postgresFilter.js';

export function rowMatches(row: Readonly<Record<string, unknown>>, filter: RowFilter): boolean {
  for (const condition of filter) if (!conditionHolds(row[condition.column], condition)) return false;
  return true;
}

function conditionHolds(cell: unknown, condition: FilterCondition): boolean {
  if (cell === null || cell === undefined) return false;
  if (condition.op === 'in') return condition.value.some((v) => compare(cell, v) === 0);
  const order = compare(cell, condition.value);
  if (order === undefined) return false;
  switch (condition.op) {
    case 'eq':
      return order === 0;
    case 'neq':
      return order !== 0;
    case 'lt':
      return order < 0;
    case 'lte':
      return order <= 0;
    case 'gt':
      return order > 0;
    case 'gte':
      return order >= 0;
  }
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

/** Sign of cell − value, or undefined when they cannot be compared. */
export function compare(cell: unknown, value: FilterScalar): number | undefined {
  if (typeof cell === 'number' || typeof cell === 'bigint') {
    const n = typeof value === 'number' ? value : Number(value);
    if (typeof value === 'boolean' || (typeof value === 'string' && value.trim() === '') || Number.isNaN(n)) return undefined;
    const c = Number(cell);
    return c < n ? -1 : c > n ? 1 : 0;
  }
  if (typeof cell === 'boolean') {
    const b = typeof value === 'boolean' ? value : value === 'true' || value === 't' ? true : value === 'false' || value === 'f' ? false : undefined;
    return b === undefined ? undefined : Number(cell) - Number(b);
  }
  if (typeof cell !== 'string') return undefined;
  const text = String(value);
  if (typeof value === 'number') {
    const c = Number(cell);
    if (cell.trim() !== '' && !Number.isNaN(c)) return c < value ? -1 : c > value ? 1 : 0;
  }
  if (ISO_TIME.test(cell) && ISO_TIME.test(text)) {
    const a = Date.parse(cell.replace(' ', 'T'));
    const b = Date.parse(text.replace(' ', 'T'));
    if (!Number.isNaN(a) && !Number.isNaN(b)) return a < b ? -1 : a > b ? 1 : 0;
  }
  return cell < text ? -1 : cell > text ? 1 : 0;
}
