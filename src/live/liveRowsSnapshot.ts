/** LiveRows snapshots: a RowSet revision plus status, error and checkpoint. Immutable. */
import type { LivebindError } from '../errors.js';
import type { LiveRows, LiveStatus, LoadProgress } from '../types.js';
import type { RowKey, RowSet } from './types.js';

// A plain object rather than a class: a class with parameter properties is emitted with each
// field named twice (constructor assignment plus field declaration), and this sits in every
// browser bundle. The row accessors delegate to the (shared, immutable) RowSet revision.
export function liveRowsSnapshot<R>(
  set: RowSet<R>,
  status: LiveStatus,
  error: LivebindError | undefined,
  seq: bigint | undefined,
  progress?: LoadProgress,
): LiveRows<R> & { readonly set: RowSet<R> } {
  // `set` stays a visible property, as on the former class.
  return {
    set,
    status,
    error,
    seq,
    progress,
    get size(): number {
      return set.size;
    },
    get rows(): readonly R[] {
      return set.rows;
    },
    get byKey(): ReadonlyMap<RowKey, R> {
      return set.byKey;
    },
    at: (index: number): R | undefined => set.at(index),
    slice: (start?: number, end?: number): readonly R[] => set.slice(start, end),
    get: (key: RowKey): R | undefined => set.get(key),
  };
}
