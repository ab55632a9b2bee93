import type { OrderSpec, RowKey } from '../types.js';
import { compareOrder, compareValues } from './compareValues.js';

/**
 * One stored row. Immutable: a changed row gets a new Entry (same `seq` when it keeps its
 * arrival position). Entries are shared between revisions, so unchanged rows keep identity.
 */
export interface Entry<R> {
  readonly key: RowKey;
  readonly row: R;
  /** Arrival counter: the order when there is no `orderBy`. */
  readonly seq: number;
}

/** Marks nodes created during one `apply()`; only nodes with the current owner are mutated in place. */
export type Owner = object;

export type EntryComparator<R> = (a: Entry<R>, b: Entry<R>) => number;

export const compareKeys: (a: RowKey, b: RowKey) => number = compareOrder;

/** Arrival order (no orderBy). */
export function compareBySeq<R>(a: Entry<R>, b: Entry<R>): number {
  return a.seq - b.seq;
}

interface ResolvedSpec {
  readonly column: string;
  /** 1 for asc, -1 for desc. */
  readonly dir: number;
  /** -1: nulls sort before every value; 1: after. */
  readonly nullsPos: number;
}

/**
 * Comparator for `orderBy`: each column in turn (type-aware, see compareValues), nulls placed per
 * OrderSpec.nulls (Postgres default: last for asc, first for desc), then the key as a final,
 * deterministic tie-break (ascending code unit order, regardless of direction).
 */
export function makeEntryComparator<R>(orderBy: readonly OrderSpec[]): EntryComparator<R> {
  const specs: ResolvedSpec[] = orderBy.map((s) => {
    const dir = s.direction === 'desc' ? -1 : 1;
    const nulls = s.nulls ?? (dir === 1 ? 'last' : 'first');
    return { column: s.column, dir, nullsPos: nulls === 'first' ? -1 : 1 };
  });
  // One loop for any number of columns, with an inline path for two distinct non-NaN numbers (the
  // common single-column case): no call into compareValues per comparison.
  return (a, b) => {
    if (a === b) return 0;
    const ra = a.row as Record<string, unknown>;
    const rb = b.row as Record<string, unknown>;
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i]!;
      const va = ra[s.column];
      const vb = rb[s.column];
      if (typeof va === 'number' && typeof vb === 'number' && va !== vb && va === va && vb === vb) {
        return va < vb ? -s.dir : s.dir;
      }
      const aNull = va === null || va === undefined;
      const bNull = vb === null || vb === undefined;
      if (aNull || bNull) {
        if (aNull && bNull) continue;
        return aNull ? s.nullsPos : -s.nullsPos;
      }
      const c = compareValues(va, vb);
      if (c !== 0) return c * s.dir;
    }
    return compareKeys(a.key, b.key);
  };
}
