/**
 * One immutable revision over a shared order tree. Creating it is O(1); `rows` is collected on
 * first read and cached; `at`, `slice` and `byKey` iteration work on the tree directly. Keyed
 * lookups use the materializer's mutable key Map while this is its current revision (O(1)); once a
 * newer revision was committed, this one builds its own Map from its tree on its first keyed
 * lookup (O(n) once, then O(1)) and never reads the live Map again.
 */
import type { RowKey, RowSet } from '../types.js';
import type { Entry, EntryComparator } from './entry.js';
import { treeAt, treeEntries, treeRows, type TreeNode } from './orderTree.js';

/**
 * The materializer's latest key -> entry Map, and the revision it answers for (`set`; unset while
 * an apply() is running, so a lookup from inside keyOf never sees a half-applied batch).
 */
export interface LiveKeys<R> {
  readonly map: Map<RowKey, Entry<R>>;
  set: unknown;
}


export class TreeRowSet<R> implements RowSet<R> {
  readonly size: number;
  // #private fields: their names minify (this sits in every browser bundle).
  readonly #root: TreeNode<R> | null;
  readonly #live: LiveKeys<R>;
  /** This revision's own key Map, built once it is no longer the current one. */
  #keys: Map<RowKey, Entry<R>> | undefined;
  readonly #cmp: EntryComparator<R>;
  #rows: readonly R[] | undefined;
  #byKey: ReadonlyMap<RowKey, R> | undefined;
  /** Last visible entry when rows exist past the limit (visibility test for keyed lookups). */
  #boundary: Entry<R> | undefined;

  constructor(root: TreeNode<R> | null, live: LiveKeys<R>, total: number, limit: number, cmp: EntryComparator<R>) {
    this.#root = root;
    this.#live = live;
    this.#cmp = cmp;
    this.size = Math.min(total, limit);
  }

  get rows(): readonly R[] {
    return (this.#rows ??= Object.freeze(treeRows(this.#root, 0, this.size)));
  }

  get byKey(): ReadonlyMap<RowKey, R> {
    return (this.#byKey ??= rowsByKey(this));
  }

  at(index: number): R | undefined {
    const n = Number.isNaN(index) ? 0 : Math.trunc(index);
    const i = n < 0 ? n + this.size : n;
    if (!(i >= 0 && i < this.size)) return undefined;
    return this.#rows !== undefined ? this.#rows[i] : treeAt(this.#root, i)?.row;
  }

  slice(start?: number, end?: number): readonly R[] {
    const from = clampIndex(start, 0, this.size);
    const to = clampIndex(end, this.size, this.size);
    return this.#rows !== undefined ? this.#rows.slice(from, to) : treeRows(this.#root, from, to);
  }

  get(key: RowKey): R | undefined {
    return this.entry(key)?.row;
  }

  /** Visible entry for `key`: O(1) (a stale revision's first lookup: O(n)). */
  entry(key: RowKey): Entry<R> | undefined {
    if (typeof key !== 'string') return undefined;
    // The live Map may hold changes past the limit made after this object was created (apply()
    // keeps returning it when nothing visible changed): its size is then the live row count, and
    // the boundary below (unchanged, since the visible window is) hides those rows.
    const keys = this.#live.set === this ? this.#live.map : (this.#keys ??= keyMap(this.#root));
    const e = keys.get(key);
    if (e === undefined || keys.size <= this.size) return e;
    if (this.size === 0) return undefined;
    return this.#cmp(e, (this.#boundary ??= treeAt(this.#root, this.size - 1)!)) <= 0 ? e : undefined;
  }

  /** Visible entries in order. */
  entries(): Entry<R>[] {
    return treeEntries(this.#root, this.size);
  }
}

/** key -> entry for every entry of `root` (visible or not). */
function keyMap<R>(root: TreeNode<R> | null): Map<RowKey, Entry<R>> {
  const keys = new Map<RowKey, Entry<R>>();
  for (const e of treeEntries(root, Infinity)) keys.set(e.key, e);
  return keys;
}

/** Array.prototype.slice index rules. */
function clampIndex(value: number | undefined, fallback: number, size: number): number {
  if (value === undefined) return fallback;
  const v = Math.trunc(value);
  if (Number.isNaN(v)) return 0;
  if (v < 0) return Math.max(0, size + v);
  return Math.min(v, size);
}

/**
 * `byKey` view: a ReadonlyMap over the visible rows, iterating in row order. A plain object (not
 * a class): smaller in the browser bundle, and one is made per revision at most.
 */
function rowsByKey<R>(set: TreeRowSet<R>): ReadonlyMap<RowKey, R> {
  /** An iterator over the visible entries mapped by `f` (collected when iteration starts: O(n)). */
  const mapped = <T>(f: (e: Entry<R>) => T): MapIterator<T> => set.entries().map(f).values();
  const entries = (): MapIterator<[RowKey, R]> => mapped((e) => [e.key, e.row]);
  const view: ReadonlyMap<RowKey, R> & { readonly [Symbol.toStringTag]: string } = {
    get size() {
      return set.size;
    },
    get: (key) => set.entry(key)?.row,
    has: (key) => set.entry(key) !== undefined,
    forEach(callback, thisArg) {
      for (const e of set.entries()) callback.call(thisArg, e.row, e.key, view);
    },
    entries,
    keys: () => mapped((e) => e.key),
    values: () => mapped((e) => e.row),
    [Symbol.iterator]: entries,
    [Symbol.toStringTag]: 'RowsByKey',
  };
  return view;
}
