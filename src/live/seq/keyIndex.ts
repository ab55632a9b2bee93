/**
 * Persistent key -> entry index: the order tree (orderTree.ts) ordered by (key hash, key). Lookups
 * are O(log n) with numeric compares (a string compare only between equal hashes); updates use
 * treeInsert / treeReplace / treeRemove with `compareByKey`, copying only the root-to-leaf path,
 * and nodes owned by the current batch are edited in place.
 */
import { compareKeys, type Entry } from './entry.js';
import { treeFind, type TreeNode } from './orderTree.js';
import type { RowKey } from '../types.js';

/** Order of the key index: by hash, then by key (equal hashes of different keys stay apart). */
export function compareByKey<R>(a: Entry<R>, b: Entry<R>): number {
  return a.hash - b.hash || compareKeys(a.key, b.key);
}

/** The entry stored under `key` (`hash` = hashKey(key)), if any. */
export function keyIndexGet<R>(index: TreeNode<R> | null, key: RowKey, hash: number): Entry<R> | undefined {
  return treeFind(index, { key, hash } as Entry<R>, compareByKey);
}
