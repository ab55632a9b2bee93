/** LiveRows snapshots: a RowSet revision plus status, error and checkpoint. Immutable. */
import type { LivebindError } from '../errors.js';
import type { LiveRows, LiveStatus, LoadProgress } from '../types.js';
import type { RowKey, RowSet } from './types.js';

class LiveRowsSnapshot<R> implements LiveRows<R> {
  constructor(
    readonly set: RowSet<R>,
    readonly status: LiveStatus,
    readonly error: LivebindError | undefined,
    readonly seq: bigint | undefined,
    readonly progress: LoadProgress | undefined,
  ) {}
  get size(): number {
    return this.set.size;
  }
  get rows(): readonly R[] {
    return this.set.rows;
  }
  get byKey(): ReadonlyMap<RowKey, R> {
    return this.set.byKey;
  }
  at(index: number): R | undefined {
    return this.set.at(index);
  }
  slice(start?: number, end?: number): readonly R[] {
    return this.set.slice(start, end);
  }
  get(key: RowKey): R | undefined {
    return this.set.get(key);
  }
}

export function liveRowsSnapshot<R>(
  set: RowSet<R>,
  status: LiveStatus,
  error: LivebindError | undefined,
  seq: bigint | undefined,
  progress?: LoadProgress,
): LiveRows<R> {
  return new LiveRowsSnapshot(set, status, error, seq, progress);
}

