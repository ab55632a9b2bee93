/**
 * How one postgres_changes event changes a feed's rows (pure). `held` answers whether the feed
 * holds a key (undefined for changes() feeds, which hold nothing: they judge by the old record).
 */
import { rowMatches } from './evaluateFilter.js';
import type { PostgresChange } from './postgresChange.js';
import type { PostgresFeedSpec } from './feedSpec.js';
import type { Row, RowChange } from './seam.js';

/** The row changes a postgres_changes feed produces (no TTL expiries). */
export type FeedChange = Exclude<RowChange, { readonly type: 'expire' }>;

const NONE: readonly string[] = [];

export function keyText(row: Row, key: readonly string[]): string | undefined {
  const values: unknown[] = [];
  for (const column of key) {
    const value = row[column];
    if (value === undefined || value === null) return undefined;
    values.push(value);
  }
  return JSON.stringify(values);
}

/** The neutral change for `change`, or undefined when it does not concern the feed. */
export function changeFor(change: PostgresChange, spec: PostgresFeedSpec, held: ((key: string) => boolean) | undefined): FeedChange | undefined {
  const filter = spec.filter;
  switch (change.type) {
    case 'INSERT': {
      const row = change.record!;
      return rowMatches(row, filter) ? { type: 'insert', row, cursor: undefined } : undefined;
    }
    case 'UPDATE': {
      const row = change.record!;
      const before = change.oldRecord;
      const k = keyText(row, spec.key);
      if (rowMatches(row, filter)) {
        // A row moved IN is new to the feed: an insert for liveRows (held known), an update otherwise.
        return held !== undefined && k !== undefined && !held(k) ? { type: 'insert', row, cursor: undefined } : { type: 'update', row, nulled: NONE, old: before, cursor: undefined };
      }
      if (filter.length === 0) return undefined;
      if (held !== undefined) return k !== undefined && held(k) ? { type: 'delete', row, cursor: undefined } : undefined;
      return before !== undefined && hasColumns(before, filter) && rowMatches(before, filter) ? { type: 'delete', row, cursor: undefined } : undefined;
    }
    case 'DELETE': {
      const row = change.oldRecord!;
      if (held !== undefined) {
        const k = keyText(row, spec.key);
        return k !== undefined && held(k) ? { type: 'delete', row, cursor: undefined } : undefined;
      }
      // changes(): the old record usually holds only the key; judge by the filter when it can.
      return !hasColumns(row, filter) || rowMatches(row, filter) ? { type: 'delete', row, cursor: undefined } : undefined;
    }
  }
}

function hasColumns(row: Row, filter: PostgresFeedSpec['filter']): boolean {
  return filter.every((c) => c.column in row);
}
