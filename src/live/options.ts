/**
 * Checks of the live-query options shared by liveRows() (QueryRegistry) and createMaterializer:
 * one UsageError (`INVALID_OPTION`) per kind of mistake, whichever door the option came through.
 */
import { UsageError } from '../errors.js';
import type { OrderSpec } from './types.js';

/** An order spec with every field set (direction, then nulls by the Postgres default). */
export type FullOrderSpec = Required<OrderSpec>;

/**
 * Canonical order specs (explicit direction and nulls, fixed field order), so `'id'`,
 * `{ column: 'id' }` and `{ direction: 'asc', column: 'id' }` share one query.
 */
export function normalizeOrderBy(orderBy: string | OrderSpec | readonly (string | OrderSpec)[] | undefined): readonly FullOrderSpec[] {
  // None, one spec or a list of them: `flat` unwraps a list one level.
  return [orderBy ?? []].flat().map((spec) => {
    const { column, direction = 'asc', nulls = direction === 'asc' ? 'last' : 'first' } = typeof spec === 'string' ? { column: spec } : spec;
    if (typeof column !== 'string' || column === '' || (direction !== 'asc' && direction !== 'desc') || (nulls !== 'first' && nulls !== 'last')) {
      throw new UsageError(`Option "orderBy" needs a column name, direction 'asc' or 'desc' and nulls 'first' or 'last'; got ${JSON.stringify(spec)}.`, {
        code: 'INVALID_OPTION',
      });
    }
    return { column, direction, nulls };
  });
}

/** `value` when it is an integer >= `min` (or undefined); otherwise a UsageError naming the option. */
export function validInt(value: number | undefined, name: string, min: number): number | undefined {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= min)) {
    throw new UsageError(`Option "${name}" must be an integer >= ${min}; got ${String(value)}.`, { code: 'INVALID_OPTION' });
  }
  return value;
}
