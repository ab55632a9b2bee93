/**
 * Persistent B+tree of entries kept in comparator order, with subtree sizes (an order-statistic
 * tree). Leaves hold up to MAX entries, branches up to MAX children; every node except the root
 * holds at least MIN. Updates copy only the root-to-leaf path (O(log n) nodes of at most MAX slots);
 * every other node is shared with the previous revision.
 *
 * Transient batches: a node whose `owner` is the caller's current owner token was created during
 * the current batch and is not yet visible to anyone, so it is mutated in place. A batch of m
 * changes therefore copies each touched node once, not m times.
 */
import type { Entry, EntryComparator, Owner } from './entry.js';

export const MAX = 64;
export const MIN = 16;
/** Fill of bulk-built nodes: leaves room for inserts before the first split. */
const BUILD_FILL = 48;

export interface Leaf<R> {
  readonly leaf: true;
  owner: Owner | null;
  items: Entry<R>[];
  size: number;
  last: Entry<R>;
}

export interface Branch<R> {
  readonly leaf: false;
  owner: Owner | null;
  children: TreeNode<R>[];
  size: number;
  last: Entry<R>;
}

export type TreeNode<R> = Leaf<R> | Branch<R>;

/** Per-batch context: owner token, comparator, and outputs of the last operation. */
export interface TreeCtx<R> {
  readonly owner: Owner;
  readonly cmp: EntryComparator<R>;
  /** Absolute position of the entry the last insert/remove/replace touched. */
  pos: number;
  split: TreeNode<R> | null;
}

function makeLeaf<R>(owner: Owner | null, items: Entry<R>[]): Leaf<R> {
  return { leaf: true, owner, items, size: items.length, last: items[items.length - 1]! };
}

function makeBranch<R>(owner: Owner | null, children: TreeNode<R>[]): Branch<R> {
  let size = 0;
  for (let i = 0; i < children.length; i++) size += children[i]!.size;
  return { leaf: false, owner, children, size, last: children[children.length - 1]!.last };
}

function editLeaf<R>(node: Leaf<R>, owner: Owner): Leaf<R> {
  if (node.owner === owner) return node;
  return { leaf: true, owner, items: node.items.slice(), size: node.size, last: node.last };
}

function editBranch<R>(node: Branch<R>, owner: Owner): Branch<R> {
  if (node.owner === owner) return node;
  return { leaf: false, owner, children: node.children.slice(), size: node.size, last: node.last };
}

/** First index whose entry is >= e (items.length if none). */
function lowerBound<R>(items: readonly Entry<R>[], e: Entry<R>, cmp: EntryComparator<R>): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(items[mid]!, e) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the child whose range holds e (the last child when e is past every child). */
function childFor<R>(children: readonly TreeNode<R>[], e: Entry<R>, cmp: EntryComparator<R>): number {
  let lo = 0;
  let hi = children.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(children[mid]!.last, e) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sizeBefore<R>(children: readonly TreeNode<R>[], ci: number): number {
  let s = 0;
  for (let i = 0; i < ci; i++) s += children[i]!.size;
  return s;
}

/** Insert `e` (not present yet). Returns the new root; `ctx.pos` is its position. */
export function treeInsert<R>(root: TreeNode<R> | null, e: Entry<R>, ctx: TreeCtx<R>): TreeNode<R> {
  if (root === null) {
    ctx.pos = 0;
    return makeLeaf(ctx.owner, [e]);
  }
  ctx.split = null;
  const node = insertRec(root, e, ctx, 0);
  const right = ctx.split as TreeNode<R> | null;
  if (right === null) return node;
  ctx.split = null;
  return makeBranch(ctx.owner, [node, right]);
}

function insertRec<R>(node: TreeNode<R>, e: Entry<R>, ctx: TreeCtx<R>, base: number): TreeNode<R> {
  if (node.leaf) {
    const i = lowerBound(node.items, e, ctx.cmp);
    const n = editLeaf(node, ctx.owner);
    n.items.splice(i, 0, e);
    n.size++;
    if (i === n.items.length - 1) n.last = e;
    ctx.pos = base + i;
    if (n.items.length > MAX) {
      const rightItems = n.items.splice(n.items.length >>> 1);
      n.size = n.items.length;
      n.last = n.items[n.items.length - 1]!;
      ctx.split = makeLeaf(ctx.owner, rightItems);
    }
    return n;
  }
  const ci = childFor(node.children, e, ctx.cmp);
  const child = insertRec(node.children[ci]!, e, ctx, base + sizeBefore(node.children, ci));
  const n = editBranch(node, ctx.owner);
  n.children[ci] = child;
  n.size++;
  if (ctx.split !== null) {
    n.children.splice(ci + 1, 0, ctx.split);
    ctx.split = null;
  }
  n.last = n.children[n.children.length - 1]!.last;
  if (n.children.length > MAX) {
    const rightChildren = n.children.splice(n.children.length >>> 1);
    const right = makeBranch(ctx.owner, rightChildren);
    n.size -= right.size;
    n.last = n.children[n.children.length - 1]!.last;
    ctx.split = right;
  }
  return n;
}

/** Remove `e` (must be present, found by comparator). Returns the new root (null when empty). */
export function treeRemove<R>(root: TreeNode<R>, e: Entry<R>, ctx: TreeCtx<R>): TreeNode<R> | null {
  let node: TreeNode<R> = removeRec(root, e, ctx, 0);
  while (!node.leaf && node.children.length === 1) node = node.children[0]!;
  return node.size === 0 ? null : node;
}

function removeRec<R>(node: TreeNode<R>, e: Entry<R>, ctx: TreeCtx<R>, base: number): TreeNode<R> {
  if (node.leaf) {
    const i = lowerBound(node.items, e, ctx.cmp);
    if (i >= node.items.length || ctx.cmp(node.items[i]!, e) !== 0) throw missing(e);
    const n = editLeaf(node, ctx.owner);
    n.items.splice(i, 1);
    n.size--;
    if (n.items.length > 0) n.last = n.items[n.items.length - 1]!;
    ctx.pos = base + i;
    return n;
  }
  const ci = childFor(node.children, e, ctx.cmp);
  const child = removeRec(node.children[ci]!, e, ctx, base + sizeBefore(node.children, ci));
  const n = editBranch(node, ctx.owner);
  n.children[ci] = child;
  n.size--;
  if (slotCount(child) < MIN && n.children.length > 1) rebalance(n, ci, ctx.owner);
  n.last = n.children[n.children.length - 1]!.last;
  return n;
}

function slotCount<R>(node: TreeNode<R>): number {
  return node.leaf ? node.items.length : node.children.length;
}

/** Fix an underfull child of `parent` (already editable) by merging with or borrowing from a neighbour. */
function rebalance<R>(parent: Branch<R>, ci: number, owner: Owner): void {
  const li = ci > 0 ? ci - 1 : ci;
  const left = parent.children[li]!;
  const right = parent.children[li + 1]!;
  const total = slotCount(left) + slotCount(right);
  if (left.leaf && right.leaf) {
    const all = left.items.concat(right.items);
    if (total <= MAX) {
      parent.children.splice(li, 2, makeLeaf(owner, all));
    } else {
      const half = total >>> 1;
      parent.children.splice(li, 2, makeLeaf(owner, all.slice(0, half)), makeLeaf(owner, all.slice(half)));
    }
    return;
  }
  const lb = left as Branch<R>;
  const rb = right as Branch<R>;
  const all = lb.children.concat(rb.children);
  if (total <= MAX) {
    parent.children.splice(li, 2, makeBranch(owner, all));
  } else {
    const half = total >>> 1;
    parent.children.splice(li, 2, makeBranch(owner, all.slice(0, half)), makeBranch(owner, all.slice(half)));
  }
}

/**
 * Replace `old` by `e`, which must compare equal to it (same order position). Returns the new
 * root; `ctx.pos` is the position.
 */
export function treeReplace<R>(root: TreeNode<R>, old: Entry<R>, e: Entry<R>, ctx: TreeCtx<R>): TreeNode<R> {
  return replaceRec(root, old, e, ctx, 0);
}

function replaceRec<R>(node: TreeNode<R>, old: Entry<R>, e: Entry<R>, ctx: TreeCtx<R>, base: number): TreeNode<R> {
  if (node.leaf) {
    const i = lowerBound(node.items, old, ctx.cmp);
    if (i >= node.items.length || ctx.cmp(node.items[i]!, old) !== 0) throw missing(old);
    const n = editLeaf(node, ctx.owner);
    n.items[i] = e;
    if (n.last === old) n.last = e;
    ctx.pos = base + i;
    return n;
  }
  const ci = childFor(node.children, old, ctx.cmp);
  const child = replaceRec(node.children[ci]!, old, e, ctx, base + sizeBefore(node.children, ci));
  const n = editBranch(node, ctx.owner);
  n.children[ci] = child;
  if (n.last === old) n.last = e;
  return n;
}

function missing<R>(e: Entry<R>): Error {
  return new Error(`livebind materializer: entry for key ${JSON.stringify(e.key)} not found in order tree (internal invariant broken)`);
}

/** Entry at position `index` (0 <= index < size), O(log n). */
export function treeAt<R>(root: TreeNode<R> | null, index: number): Entry<R> | undefined {
  if (root === null || index < 0 || index >= root.size) return undefined;
  let node: TreeNode<R> = root;
  let i = index;
  while (!node.leaf) {
    const children: readonly TreeNode<R>[] = node.children;
    let c = 0;
    while (i >= children[c]!.size) {
      i -= children[c]!.size;
      c++;
    }
    node = children[c]!;
  }
  return node.items[i];
}

/**
 * Rows at positions [start, end) into a preallocated array: the hot path of `RowSet.rows` and
 * `slice` (no per-row callback, no array growth; about 4x faster than a push-based walk).
 */
export function treeRows<R>(root: TreeNode<R> | null, start: number, end: number): R[] {
  const from = Math.max(0, start);
  const to = Math.min(end, root === null ? 0 : root.size);
  const out = new Array<R>(Math.max(0, to - from));
  if (root !== null && from < to) fillRows(root, from, to, out, 0);
  return out;
}

function fillRows<R>(node: TreeNode<R>, start: number, end: number, out: R[], at: number): number {
  if (node.leaf) {
    const items = node.items;
    const stop = end < items.length ? end : items.length;
    for (let i = start > 0 ? start : 0; i < stop; i++) out[at++] = items[i]!.row;
    return at;
  }
  let offset = 0;
  const children = node.children;
  for (let c = 0; c < children.length; c++) {
    const child = children[c]!;
    const next = offset + child.size;
    if (next > start) at = fillRows(child, start - offset, end - offset, out, at);
    if (next >= end) return at;
    offset = next;
  }
  return at;
}

/** Entries at positions [0, end) in order (explicit stack, no recursion per entry). */
export function* treeEntries<R>(root: TreeNode<R> | null, end: number): Generator<Entry<R>, undefined, unknown> {
  if (root === null) return undefined;
  let remaining = Math.min(end, root.size);
  const stack: { node: Branch<R>; next: number }[] = [];
  let node: TreeNode<R> = root;
  for (;;) {
    while (!node.leaf) {
      stack.push({ node, next: 1 });
      node = node.children[0]!;
    }
    for (const e of node.items) {
      if (remaining <= 0) return undefined;
      remaining--;
      yield e;
    }
    let top = stack[stack.length - 1];
    while (top !== undefined && top.next >= top.node.children.length) {
      stack.pop();
      top = stack[stack.length - 1];
    }
    if (top === undefined || remaining <= 0) return undefined;
    node = top.node.children[top.next++]!;
  }
}

/** Build a tree from entries already in comparator order, bottom-up, O(n). */
export function treeBuild<R>(sorted: readonly Entry<R>[], owner: Owner | null): TreeNode<R> | null {
  if (sorted.length === 0) return null;
  let level: TreeNode<R>[] = chunk(sorted, (items) => makeLeaf(owner, items));
  while (level.length > 1) level = chunk(level, (children) => makeBranch(owner, children));
  return level[0]!;
}

/**
 * The tree with `sorted` (at least MIN entries, all after `root.last`) appended: the existing leaves
 * are kept as they are (shared), new leaves are built from `sorted`, and the branches above are
 * rebuilt bottom-up. O(n / BUILD_FILL + m). A root leaf below MIN joins the new entries instead.
 */
export function treeAppend<R>(root: TreeNode<R>, sorted: readonly Entry<R>[], owner: Owner | null): TreeNode<R> | null {
  const leaves: TreeNode<R>[] = [];
  if (root.leaf && root.items.length < MIN) return treeBuild([...root.items, ...sorted], owner);
  collectLeaves(root, leaves);
  for (const leaf of chunk(sorted, (items) => makeLeaf(owner, items))) leaves.push(leaf);
  let level = leaves;
  while (level.length > 1) level = chunk(level, (children) => makeBranch(owner, children));
  return level[0]!;
}

function collectLeaves<R>(node: TreeNode<R>, out: TreeNode<R>[]): void {
  if (node.leaf) {
    out.push(node);
    return;
  }
  for (let i = 0; i < node.children.length; i++) collectLeaves(node.children[i]!, out);
}

/** Split into ceil(n / BUILD_FILL) near-equal groups (each >= MIN when n >= MIN). */
function chunk<T, N>(xs: readonly T[], make: (group: T[]) => N): N[] {
  const groups = Math.ceil(xs.length / BUILD_FILL);
  const out: N[] = [];
  for (let g = 0; g < groups; g++) {
    const from = Math.floor((g * xs.length) / groups);
    const to = Math.floor(((g + 1) * xs.length) / groups);
    out.push(make(xs.slice(from, to)));
  }
  return out;
}
