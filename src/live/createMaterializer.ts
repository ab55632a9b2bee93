/**
 * LiveRows materializer: turns row ops into immutable RowSet revisions (contract: ./types.ts).
 *
 * Structure (src/live/seq/):
 * - an order tree: a persistent B+tree (chunks of 16..64 entries, subtree sizes) ordered by
 *   (orderBy values, then key) — or by arrival counter without orderBy, where updates keep their
 *   place and a deleted-then-reinserted key goes to the end;
 * - one mutable Map key -> entry of the latest state. The current RowSet answers keyed lookups
 *   through it; an older revision builds its own Map from its own tree on its first keyed lookup.
 * The tree copies only the root-to-leaf path on change; everything else (chunks, row objects) is
 * shared with the previous revision. Within one `apply()` call nodes are edited in place once
 * copied (owner token), so a batch copies each touched node at most once.
 *
 * Complexity (n = retained rows, m = ops in the batch, k = rows read):
 * - apply, one op: O(log n) — B-tree path of <= ~4 levels of 64 slots, plus O(1) Map updates.
 * - apply, m ops: O(m log n); from empty (initial page): O(m log m) sort + O(m) bottom-up build;
 *   heavy batches (m >= 512 and m >= n/16, e.g. a reload): Map per op, then one O(n + m log m)
 *   merge + bottom-up rebuild of the order tree (rows and entries still shared, chunks not).
 * - replaceAll(rows): O(n + m log n) (deletes of missing keys, then upserts; equal rows keep identity).
 * - RowSet: creation O(1); size O(1); at O(log n); slice O(log n + k); get / byKey.get/has O(1) on
 *   the current revision, on an older revision O(n) on its first keyed lookup, then O(1);
 *   rows O(n) on first read, cached per revision; byKey iteration O(n) in row order.
 *
 * Semantics:
 * - `upsert` of a row equal to the current one (rowsEqual: shallow, with JSON-ish cells and Dates
 *   compared structurally) changes nothing and keeps the old object.
 * - `patch` merges `{...old, ...patch}` then sets `nulled` columns to null; the row keeps `op.key`.
 *   A patch for an unknown key inserts `{...patch}` (with `nulled` columns null) under `op.key`.
 * - `delete` of an unknown key is ignored.
 * - `limit`: only the first `limit` rows of the order are visible; the rest are retained.
 * - `apply` returns the same RowSet object when no visible row changed (an op touching only rows
 *   past the limit, equal upserts, unknown deletes). Ops that cancel out inside one batch
 *   (insert then delete of a visible row) still produce a new, equal revision.
 * - `replaceAll(rows)` = delete every current key absent from `rows`, then upsert `rows` in order
 *   (so without orderBy surviving rows keep their place and new ones append in the given order).
 * - Ordering of values: see seq/compareValues.ts (numbers/bigints/decimal strings numerically,
 *   other strings by UTF-16 code units, false < true); ties broken by key (code unit order).
 * - `apply` is atomic: if `keyOf` throws mid-batch, the current state is unchanged (the batch
 *   records each key's pre-batch entry the first time it touches it and restores them).
 */
import { UsageError } from '../errors.js';
import type { Materializer, MaterializerOptions, RowKey, RowOp, RowSet } from './types.js';
import { compareBySeq, makeEntryComparator, type Entry, type EntryComparator, type Owner } from './seq/entry.js';
import { treeEntries, treeInsert, treeRemove, treeReplace, type TreeCtx, type TreeNode } from './seq/orderTree.js';
import { rebuildOrder, sameWindow } from './seq/rebuildOrder.js';
import { rowsEqual } from './seq/rowsEqual.js';
import { normalizeOrderBy, validInt } from './options.js';
import { mergePatch } from './rowOps.js';
import { TreeRowSet, type LiveKeys } from './seq/rowSetFromTree.js';

/** Batches at least this large that start from an empty set are sorted and built bottom-up (as heavy batches). */
const BULK_BUILD_MIN = 32;
/** Batches of at least this many ops that also touch >= 1/HEAVY_BATCH_SHARE of the set rebuild the order tree. */
const HEAVY_BATCH_MIN = 512;
const HEAVY_BATCH_SHARE = 16;

interface State<R> {
  root: TreeNode<R> | null;
  count: number;
  seq: number;
}

export function createMaterializer<R>(options: MaterializerOptions<R>): Materializer<R> {
  const { keyOf } = options;
  const limit = validInt(options.limit, 'limit', 0) ?? Infinity;
  const orderBy = normalizeOrderBy(options.orderBy);
  const ordered = orderBy.length > 0;
  const cmp: EntryComparator<R> = ordered ? makeEntryComparator<R>(orderBy) : compareBySeq;

  let state: State<R> = { root: null, count: 0, seq: 0 };
  const live: LiveKeys<R> = { map: new Map(), set: undefined };
  const keys = live.map;
  let current: RowSet<R> = (live.set = new TreeRowSet<R>(null, live, 0, limit, cmp));

  const keyOfRow = (row: R): RowKey => {
    const key = keyOf(row);
    if (typeof key !== 'string') {
      throw new UsageError(`keyOf must return a string key, got ${typeof key}; convert the key columns with String(...)`, {
        code: 'MATERIALIZER_KEY_NOT_STRING',
      });
    }
    return key;
  };

  // The working state of the running apply() call: variables of this closure, set up by apply()
  // (no object or closure allocated per call). `state` is only replaced once the batch succeeded.
  /** The batch has more than one op (only then can a key come back to its pre-batch content). */
  let multi = false;
  let owner: Owner = {};
  let ctx: TreeCtx<R> = { owner, cmp, pos: 0, split: null };
  /** Pre-batch entry of each key the batch changed (undefined: absent); not kept when starting from empty. */
  const undo = new Map<RowKey, Entry<R> | undefined>();
  let fromEmpty = true;
  let { root, count, seq } = state;
  let touched = false;
  let visible = false;
  let deleted = false; // a delete took a key out during this batch
  /** Heavy batch: the order tree is rebuilt at the end from `undo` and the key Map, not updated per op. */
  let heavy = false;

  /** Take `old` out of the order (heavy batch: nothing to do until the rebuild). */
  const unlink = (old: Entry<R>): void => {
    if (!heavy) {
      root = treeRemove(root!, old, ctx);
      visible ||= ctx.pos < limit;
    }
  };

  /** Set `key` to `e` (undefined: delete) in the key Map, recording its pre-batch entry first. */
  const setKey = (key: RowKey, old: Entry<R> | undefined, e: Entry<R> | undefined): void => {
    if (!fromEmpty && !undo.has(key)) undo.set(key, old);
    if (e === undefined) keys.delete(key);
    else keys.set(key, e);
  };

  /** Store `row` under `key` (`old`: its current entry) unless it equals the current row. */
  const write = (key: RowKey, old: Entry<R> | undefined, row: R): void => {
    if (old !== undefined && rowsEqual(old.row, row)) return;
    // (A key absent now was absent before the batch too unless the batch deleted something.)
    if (multi && (old !== undefined || deleted)) {
      // A key changed earlier in this batch may come back to its pre-batch content: reuse that object.
      const before = undo.get(key); // (undefined when the batch has not touched `key` yet: then it is `old`)
      if (before !== undefined && before !== old && rowsEqual(before.row, row)) row = before.row;
    }
    const e: Entry<R> = { key, row, seq: old === undefined ? ++seq : old.seq };
    if (old !== undefined && !heavy && cmp(old, e) === 0) root = treeReplace(root!, old, e, ctx);
    else {
      if (old === undefined) count++;
      else unlink(old);
      if (!heavy) root = treeInsert(root, e, ctx);
    }
    visible ||= ctx.pos < limit;
    setKey(key, old, e);
    touched = true;
  };

  function apply(batch: readonly RowOp<R>[]): RowSet<R> {
    if (batch.length === 0) return current;
    multi = batch.length > 1;
    owner = {};
    ctx = { owner, cmp, pos: 0, split: null };
    ({ root, count, seq } = state);
    fromEmpty = count === 0;
    live.set = undefined;
    touched = visible = deleted = false;
    // Heavy batch (or an initial load): update the key Map per op, but build the order tree once at the end.
    heavy = count === 0 ? batch.length >= BULK_BUILD_MIN : batch.length >= HEAVY_BATCH_MIN && batch.length * HEAVY_BATCH_SHARE >= count;

    try {
      for (const op of batch) {
        if (op.op === 'upsert') {
          const key = keyOfRow(op.row);
          write(key, keys.get(key), op.row);
        } else {
          const old = keys.get(op.key);
          if (op.op === 'patch') write(op.key, old, mergePatch(old?.row, op.patch, op.nulled));
          else if (old !== undefined) {
            unlink(old);
            setKey(op.key, old, undefined);
            deleted = touched = true;
            count--;
          }
        }
      }
    } catch (error) {
      // Put the key Map back as it was before the batch (`state` and `current` were not replaced).
      if (fromEmpty) keys.clear();
      for (const [key, e] of undo) setKey(key, undefined, e);
      undo.clear();
      live.set = current;
      throw error;
    }
    if (heavy && touched) {
      // The batch's changes: each changed key's pre-batch entry (`undo`) against its entry now. An
      // initial load keeps no undo: every entry is new.
      const removed = new Set<Entry<R>>();
      let added: Entry<R>[] = [];
      if (fromEmpty) added = [...keys.values()];
      for (const [key, old] of undo) {
        const e = keys.get(key);
        if (e === old) continue;
        if (old !== undefined) removed.add(old);
        if (e !== undefined) added.push(e);
      }
      const before = state.root;
      root = rebuildOrder(before, removed, added, cmp, owner);
      visible = limit === Infinity || !sameWindow(before, root, limit);
    }
    undo.clear();
    live.set = current;
    if (!touched) return current;
    state = { root, count, seq };
    if (visible) current = live.set = new TreeRowSet<R>(root, live, count, limit, cmp);
    return current;
  }

  function replaceAll(rows: readonly R[]): RowSet<R> {
    const incoming = new Set<RowKey>();
    for (const row of rows) incoming.add(keyOfRow(row));
    const ops: RowOp<R>[] = [];
    for (const e of treeEntries(state.root, Infinity)) {
      if (!incoming.has(e.key)) ops.push({ op: 'delete', key: e.key });
    }
    for (const row of rows) ops.push({ op: 'upsert', row });
    return apply(ops);
  }

  return {
    get current() {
      return current;
    },
    apply,
    replaceAll,
  };
}
