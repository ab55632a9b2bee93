/**
 * What a postgres_changes feed watches, and the bindings it joins with.
 *
 * Rows updated OUT of a filter: realtime evaluates a binding's filter on the NEW record only, so an
 * update that moves a row out never reaches a filtered binding and a client would keep the stale row
 * (DELETE is worse: `old_record` holds only the primary key, so a filter on another column never
 * matches it). A filtered feed therefore joins with the filter on INSERT only, plus UPDATE and DELETE
 * for the whole table, and evaluates the filter itself (evaluateFilter.ts): an update whose new row
 * fails the filter deletes the row if the feed holds it, a delete removes it if held. The cost is
 * UPDATE/DELETE traffic for rows outside the filter (RLS and USER-table isolation still apply on the
 * server). An unfiltered feed uses one `*` binding.
 */
import { UsageError } from '../../errors.js';
import type { PostgresBinding } from './postgresBinding.js';
import type { RowFilter } from './postgresFilter.js';
import { canonicalFilter, filterText } from './postgresFilter.js';

export interface PostgresFeedSpec {
  readonly schema: string;
  readonly table: string;
  /** Canonical (see canonicalFilter). */
  readonly filter: RowFilter;
  /** Key columns (default `['id']`): rows are matched by them; DELETE's `old_record` carries them. */
  readonly key: readonly string[];
  /** Columns to read (default all); the key columns are always included. */
  readonly select?: readonly string[];
  /** liveRows: load the rows over /rest/v1 and converge; changes(): live changes only. */
  readonly load: boolean;
  /** Rows per /rest/v1 page (default 1000; keyset paging on a one-column key). */
  readonly pageSize: number;
}

export interface FeedSpecInput {
  readonly schema?: string;
  readonly table: string;
  readonly filter?: RowFilter;
  readonly key?: string | readonly string[];
  readonly select?: readonly string[];
  readonly load?: boolean;
  readonly pageSize?: number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

export function feedSpec(input: FeedSpecInput): PostgresFeedSpec {
  const schema = input.schema ?? 'public';
  for (const [what, name] of [['schema', schema], ['table', input.table]] as const) {
    if (typeof name !== 'string' || !IDENT.test(name)) throw new UsageError(`The ${what} name ${JSON.stringify(name)} must be a plain identifier.`, { code: 'BAD_TABLE' });
  }
  const key = typeof input.key === 'string' ? [input.key] : [...(input.key ?? ['id'])];
  if (key.length === 0 || key.some((k) => !IDENT.test(k))) throw new UsageError(`The key ${JSON.stringify(input.key)} must name one or more columns.`, { code: 'BAD_KEY' });
  const select = input.select === undefined ? undefined : [...new Set([...key, ...input.select])];
  if (select?.some((c) => !IDENT.test(c))) throw new UsageError(`select ${JSON.stringify(input.select)} must list plain column names.`, { code: 'BAD_SELECT' });
  const pageSize = input.pageSize ?? 1000;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new UsageError(`pageSize must be a positive integer; got ${JSON.stringify(input.pageSize)}.`, { code: 'INVALID_OPTION' });
  const spec = { schema, table: input.table, filter: canonicalFilter(input.filter ?? []), key, load: input.load ?? true, pageSize };
  return select === undefined ? spec : { ...spec, select };
}

export function feedBindings(spec: PostgresFeedSpec): PostgresBinding[] {
  const filter = filterText(spec.filter);
  const base = { schema: spec.schema, table: spec.table };
  if (filter === undefined) return [{ event: '*', ...base }];
  return [{ event: 'INSERT', ...base, filter }, { event: 'UPDATE', ...base }, { event: 'DELETE', ...base }];
}
