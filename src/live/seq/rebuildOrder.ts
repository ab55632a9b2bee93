/**
 * Heavy batches (a reload or a batch touching a large share of the set): instead of m path-copying
 * moves, merge the untouched entries (already in order) with the sorted changed ones and build the
 * tree bottom-up: O(n + m log m). Row objects and entries of unchanged rows are still shared;
 * chunks are not (a batch that touches this many rows would have copied most chunks anyway).
 */
import type { Entry, EntryComparator, Owner } from './entry.js';
import { MIN, treeAppend, treeBuild, treeEntries, type TreeNode } from './orderTree.js';

export function rebuildOrder<R>(
  root: TreeNode<R> | null,
  removed: ReadonlySet<Entry<R>>,
  added: Entry<R>[],
  cmp: EntryComparator<R>,
  owner: Owner,
): TreeNode<R> | null {
  added.sort(cmp);
  // Pure append (a page of an initial load in arrival order): keep every existing leaf, build only the new ones.
  if (removed.size === 0 && root !== null && added.length >= MIN && cmp(added[0]!, root.last) > 0) return treeAppend(root, added, owner);
  const merged: Entry<R>[] = [];
  let j = 0;
  for (const e of treeEntries(root, Infinity)) {
    if (removed.has(e)) continue;
    while (j < added.length && cmp(added[j]!, e) < 0) merged.push(added[j++]!);
    merged.push(e);
  }
  while (j < added.length) merged.push(added[j++]!);
  return treeBuild(merged, owner);
}

/** True when both trees hold the same entries (by identity) at positions [0, end). O(end). */
export function sameWindow<R>(a: TreeNode<R> | null, b: TreeNode<R> | null, end: number): boolean {
  const ea = treeEntries(a, end);
  const eb = treeEntries(b, end);
  return ea.length === eb.length && ea.every((e, i) => e === eb[i]);
}
