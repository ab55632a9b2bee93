/**
 * LiveRows materializer: turns row ops into immutable RowSet revisions (contract: ./types.ts).
 *
 * Structure (src/live/seq/):
 * - an order tree: a persistent B+tree (chunks of 16..64 entries, subtree sizes) ordered by
 *   (orderBy values, then key) — or by arrival counter without orderBy, where updates keep their
 *   place and a deleted-then-reinserted key goes to the end;
 * - a key trie: a persistent HAMT key -> entry (seq/keyTrie.ts).
 * Both copy only the root-to-leaf path on change; everything else (chunks, trie nodes, row objects)
 * is shared with the previous revision. Within one `apply()` call nodes are edited in place once
 * copied (owner token), so a batch copies each touched node at most once.
 *
 * Complexity (n = retained rows, m = ops in the batch, k = rows read):
 * - apply, one op: O(log n) — B-tree path of <= ~4 levels of 64 slots, HAMT path of <= 7 levels.
 * - apply, m ops: O(m log n); from empty (initial page): O(m log m) sort + O(m) bottom-up build;
 *   heavy batches (m >= 512 and m >= n/16, e.g. a reload): trie per op, then one O(n + m log m)
 *   merge + bottom-up rebuild of the order tree (rows and entries still shared, chunks not).
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
import { emptyTrie, trieGet, trieRemove, trieSet, type TrieNode } from './seq/keyTrie.js';
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
  trie: TrieNode<R>;
  count: number;
  seq: number;
}

export function createMaterializer<R>(options: MaterializerOptions<R>): Materializer<R> {
  const { keyOf } = options;
  const limit = validInt(options.limit, 'limit', 0) ?? Infinity;
  const orderBy = normalizeOrderBy(options.orderBy);
  const ordered = orderBy.length > 0;
  const cmp: EntryComparator<R> = ordered ? makeEntryComparator<R>(orderBy) : compareBySeq;

  let state: State<R> = { root: null, trie: emptyTrie<R>(), count: 0, seq: 0 };
  let current: RowSet<R> = new TreeRowSet<R>(null, state.trie, 0, limit, cmp);

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
    if (visibleChange) current = new TreeRowSet<R>(next.root, next.trie, next.count, limit, cmp);
    return current;
  }

  function apply(ops: readonly RowOp<R>[]): RowSet<R> {
    if (ops.length === 0) return current;
    const owner = {};
    // Heavy batch (or an initial load): update the trie per op, but build the order tree once at the end.
    const heavy = state.count === 0 ? ops.length >= BULK_BUILD_MIN : ops.length >= HEAVY_BATCH_MIN && ops.length * HEAVY_BATCH_SHARE >= state.count;
    const b: Batch<R> = {
      ctx: { owner, cmp, pos: 0, split: null },
      root: state.root,
      trie: state.trie,
      count: state.count,
      seq: state.seq,
      touched: false,
      visible: false,
      heavy,
      removed: heavy ? new Set() : NO_ENTRIES,
      added: heavy ? new Map() : NO_ADDED,
      base: state.trie,
      multi: ops.length > 1,
      limit,
      deleted: false,
    };

    for (const op of ops) {
      if (op.op === 'upsert') {
        const key = keyOfRow(op.row);
        const hash = hashKey(key);
        write(b, key, hash, trieGet(b.trie, key, hash), op.row);
      } else if (op.op === 'patch') {
        const hash = hashKey(op.key);
        const old = trieGet(b.trie, op.key, hash);
        write(b, op.key, hash, old, mergePatch(old?.row, op.patch, op.nulled));
      } else {
        const hash = hashKey(op.key);
        const old = trieGet(b.trie, op.key, hash);
        if (old === undefined) continue;
        if (heavy) {
          if (b.added.get(op.key) === old) b.added.delete(op.key);
          else b.removed.add(old);
        } else {
          b.root = treeRemove(b.root!, old, b.ctx);
          b.visible ||= b.ctx.pos < limit;
        }
        b.trie = trieRemove(b.trie, op.key, hash, owner);
        b.deleted = true;
        b.count--;
        b.touched = true;
      }
    }
    if (!b.touched) return current;
    let { root, visible } = b;
    if (heavy) {
      root = rebuildOrder(state.root, b.removed, [...b.added.values()], cmp, owner);
      visible = limit === Infinity || !sameWindow(state.root, root, limit);
    }
    return commit({ root, trie: b.trie, count: b.count, seq: b.seq }, visible);
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
  root: TreeNode<R> | null;
  trie: TrieNode<R>;
  count: number;
  seq: number;
  touched: boolean;
  visible: boolean;
  readonly heavy: boolean;
  readonly removed: Set<Entry<R>>;
  readonly added: Map<RowKey, Entry<R>>;
  /** The trie before the batch. */
  readonly base: TrieNode<R>;
  readonly multi: boolean;
  readonly limit: number;
  /** A delete took a key out during this batch. */
  deleted: boolean;
}

/** Store `row` under `key` (`old`: its current entry) unless it equals the current row. */
function write<R>(b: Batch<R>, key: RowKey, hash: number, old: Entry<R> | undefined, row: R): void {
  if (old !== undefined && rowsEqual(old.row, row)) return;
  // (A key absent now was absent before the batch too unless the batch deleted something.)
  if (b.multi && (old !== undefined || b.deleted)) {
    // A key changed earlier in this batch may come back to its pre-batch content: reuse that object.
    const before = trieGet(b.base, key, hash);
    if (before !== undefined && before !== old && rowsEqual(before.row, row)) row = before.row;
  }
  const ctx = b.ctx;
  if (old === undefined) {
    const e: Entry<R> = { key, hash, row, seq: ++b.seq };
    if (b.heavy) b.added.set(key, e);
    else {
      b.root = treeInsert(b.root, e, ctx);
      b.visible ||= ctx.pos < b.limit;
    }
    b.trie = trieSet(b.trie, e, ctx.owner);
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
    b.trie = trieSet(b.trie, e, ctx.owner);
  }
  b.touched = true;
}
