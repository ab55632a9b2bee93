/**
 * LiveRows materializer: turns row ops into immutable RowSet revisions (contract: ./types.ts).
 *
 * Structure (src/live/seq/):
 * - an order tree: a persistent B+tree (chunks of 16..64 entries, subtree sizes) ordered by
 *   (orderBy values, then key) — or by arrival counter without orderBy, where updates keep their
 *   place and a deleted-then-reinserted key goes to the end;
 * - a key index: the same kind of B+tree ordered by (key hash, key), for lookups by key (seq/keyIndex.ts).
 * Both copy only the root-to-leaf path on change; everything else (chunks, row objects)
 * is shared with the previous revision. Within one `apply()` call nodes are edited in place once
 * copied (owner token), so a batch copies each touched node at most once.
 *
 * Complexity (n = retained rows, m = ops in the batch, k = rows read):
 * - apply, one op: O(log n) — two B-tree paths of <= ~4 levels of 64 slots.
 * - apply, m ops: O(m log n); from empty (initial page): O(m log m) sort + O(m) bottom-up build;
 *   heavy batches (m >= 512 and m >= n/16, e.g. a reload): no tree edits per op, then for each tree
 *   one O(n + m log m) merge + bottom-up rebuild (rows and entries still shared, chunks not).
 * - replaceAll(rows): O(n + m log n) (deletes of missing keys, then upserts; equal rows keep identity).
 * - RowSet: creation O(1); size O(1); at O(log n); slice O(log n + k); get / byKey.get/has O(log n);
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
 * - `apply` is atomic: if `keyOf` throws mid-batch, the current state is unchanged.
 */
import { UsageError } from '../errors.js';
import type { Materializer, MaterializerOptions, RowKey, RowOp, RowSet } from './types.js';
import { compareBySeq, hashKey, makeEntryComparator, type Entry, type EntryComparator } from './seq/entry.js';
import { compareByKey, keyIndexGet } from './seq/keyIndex.js';
import { treeEntries, treeInsert, treeRemove, treeReplace, type TreeCtx, type TreeNode } from './seq/orderTree.js';
import { rebuildOrder, sameWindow } from './seq/rebuildOrder.js';
import { rowsEqual } from './seq/rowsEqual.js';
import { normalizeOrderBy, validInt } from './options.js';
import { mergePatch } from './rowOps.js';
import { TreeRowSet } from './seq/rowSetFromTree.js';

/** Batches at least this large that start from an empty set are sorted and built bottom-up (as heavy batches). */
const BULK_BUILD_MIN = 32;
/** Batches of at least this many ops that also touch >= 1/HEAVY_BATCH_SHARE of the set rebuild the order tree. */
const HEAVY_BATCH_MIN = 512;
const HEAVY_BATCH_SHARE = 16;
/** Placeholders for the (unused) heavy-batch bookkeeping of ordinary batches: no allocation per op. */
const NO_ENTRIES: Set<never> = new Set<never>();
const NO_ADDED: Map<never, never> = new Map<never, never>();

interface State<R> {
  root: TreeNode<R> | null;
  keys: TreeNode<R> | null;
  count: number;
  seq: number;
}

export function createMaterializer<R>(options: MaterializerOptions<R>): Materializer<R> {
  const { keyOf } = options;
  const limit = validInt(options.limit, 'limit', 0) ?? Infinity;
  const orderBy = normalizeOrderBy(options.orderBy);
  const ordered = orderBy.length > 0;
  const cmp: EntryComparator<R> = ordered ? makeEntryComparator<R>(orderBy) : compareBySeq;

  let state: State<R> = { root: null, keys: null, count: 0, seq: 0 };
  let current: RowSet<R> = new TreeRowSet<R>(null, state.keys, 0, limit, cmp);

  const keyOfRow = (row: R): RowKey => {
    const key = keyOf(row);
    if (typeof key !== 'string') {
      throw new UsageError(`keyOf must return a string key, got ${typeof key}; convert the key columns with String(...)`, {
        code: 'MATERIALIZER_KEY_NOT_STRING',
      });
    }
    return key;
  };

  function commit(next: State<R>, visibleChange: boolean): RowSet<R> {
    state = next;
    if (visibleChange) current = new TreeRowSet<R>(next.root, next.keys, next.count, limit, cmp);
    return current;
  }

  function apply(ops: readonly RowOp<R>[]): RowSet<R> {
    if (ops.length === 0) return current;
    const owner = {};
    // Heavy batch (or an initial load): build both trees once at the end instead of editing them per op.
    const heavy = state.count === 0 ? ops.length >= BULK_BUILD_MIN : ops.length >= HEAVY_BATCH_MIN && ops.length * HEAVY_BATCH_SHARE >= state.count;
    const b: Batch<R> = {
      ctx: { owner, cmp, pos: 0, split: null },
      keyCtx: { owner, cmp: compareByKey, pos: 0, split: null, noPos: true },
      root: state.root,
      keys: state.keys,
      count: state.count,
      seq: state.seq,
      touched: false,
      visible: false,
      heavy,
      removed: heavy ? new Set() : NO_ENTRIES,
      added: heavy ? new Map() : NO_ADDED,
      base: state.keys,
      multi: ops.length > 1,
      limit,
      deleted: false,
    };

    for (const op of ops) {
      if (op.op === 'upsert') {
        const key = keyOfRow(op.row);
        const hash = hashKey(key);
        write(b, key, hash, find(b, key, hash), op.row);
      } else if (op.op === 'patch') {
        const hash = hashKey(op.key);
        const old = find(b, op.key, hash);
        write(b, op.key, hash, old, mergePatch(old?.row, op.patch, op.nulled));
      } else {
        const hash = hashKey(op.key);
        const old = find(b, op.key, hash);
        if (old === undefined) continue;
        if (heavy) {
          if (b.added.get(op.key) === old) b.added.delete(op.key);
          else b.removed.add(old);
        } else {
          b.root = treeRemove(b.root!, old, b.ctx);
          b.visible ||= b.ctx.pos < limit;
          b.keys = treeRemove(b.keys!, old, b.keyCtx);
        }
        b.deleted = true;
        b.count--;
        b.touched = true;
      }
    }
    if (!b.touched) return current;
    let { root, visible, keys } = b;
    if (heavy) {
      const added = [...b.added.values()];
      root = rebuildOrder(state.root, b.removed, added, cmp, owner);
      keys = rebuildOrder(state.keys, b.removed, added, compareByKey, owner);
      visible = limit === Infinity || !sameWindow(state.root, root, limit);
    }
    return commit({ root, keys, count: b.count, seq: b.seq }, visible);
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

/** The working state of one `apply()` call (a plain object: no closure created per call). */
interface Batch<R> {
  readonly ctx: TreeCtx<R>;
  readonly keyCtx: TreeCtx<R>;
  root: TreeNode<R> | null;
  keys: TreeNode<R> | null;
  count: number;
  seq: number;
  touched: boolean;
  visible: boolean;
  readonly heavy: boolean;
  readonly removed: Set<Entry<R>>;
  readonly added: Map<RowKey, Entry<R>>;
  /** The key index before the batch. */
  readonly base: TreeNode<R> | null;
  readonly multi: boolean;
  readonly limit: number;
  /** A delete took a key out during this batch. */
  deleted: boolean;
}

/**
 * The current entry of `key` in this batch. Heavy batches edit neither tree per op: they look
 * through `added` and `removed` at the key index before the batch.
 */
function find<R>(b: Batch<R>, key: RowKey, hash: number): Entry<R> | undefined {
  if (!b.heavy) return keyIndexGet(b.keys, key, hash);
  const e = b.added.get(key) ?? keyIndexGet(b.base, key, hash);
  return e !== undefined && !b.removed.has(e) ? e : undefined;
}

/** Store `row` under `key` (`old`: its current entry) unless it equals the current row. */
function write<R>(b: Batch<R>, key: RowKey, hash: number, old: Entry<R> | undefined, row: R): void {
  if (old !== undefined && rowsEqual(old.row, row)) return;
  // (A key absent now was absent before the batch too unless the batch deleted something.)
  if (b.multi && (old !== undefined || b.deleted)) {
    // A key changed earlier in this batch may come back to its pre-batch content: reuse that object.
    const before = keyIndexGet(b.base, key, hash);
    if (before !== undefined && before !== old && rowsEqual(before.row, row)) row = before.row;
  }
  const ctx = b.ctx;
  if (old === undefined) {
    const e: Entry<R> = { key, hash, row, seq: ++b.seq };
    if (b.heavy) b.added.set(key, e);
    else {
      b.root = treeInsert(b.root, e, ctx);
      b.visible ||= ctx.pos < b.limit;
      b.keys = treeInsert(b.keys, e, b.keyCtx);
    }
    b.count++;
  } else {
    const e: Entry<R> = { key, hash, row, seq: old.seq };
    if (b.heavy) {
      if (b.added.get(key) !== old) b.removed.add(old);
      b.added.set(key, e);
    } else if (ctx.cmp(old, e) === 0) {
      b.root = treeReplace(b.root!, old, e, ctx);
      b.visible ||= ctx.pos < b.limit;
    } else {
      b.root = treeRemove(b.root!, old, ctx);
      const from = ctx.pos;
      b.root = treeInsert(b.root, e, ctx);
      b.visible ||= from < b.limit || ctx.pos < b.limit;
    }
    if (!b.heavy) b.keys = treeReplace(b.keys!, old, e, b.keyCtx);
  }
  b.touched = true;
}
