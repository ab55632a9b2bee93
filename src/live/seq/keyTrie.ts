/**
 * Persistent key -> entry map: a hash array mapped trie (HAMT), 32-way, bitmap-compressed.
 * get/set/remove are O(log32 n) (at most 7 levels for 32-bit hashes, then a collision bucket);
 * updates copy only the path, and nodes owned by the current batch are edited in place
 * (same owner-token scheme as orderTree.ts).
 *
 * A node is `{ owner, bitmap, slots }`; a slot holds an entry, a child node, or (past the last
 * hash bit) a bucket: a plain array of entries whose 32-bit hashes are equal.
 */
import type { Entry, Owner } from './entry.js';
import type { RowKey } from '../types.js';

const BITS = 5;
const MASK = 31;
/** Levels consume 5 bits each; at shift >= 32 the hash is exhausted and keys collide for real. */
const HASH_BITS = 32;

export interface TrieNode<R> {
  readonly owner: Owner | null;
  bitmap: number;
  readonly slots: Slot<R>[];
}

type Bucket<R> = Entry<R>[];
type Slot<R> = Entry<R> | TrieNode<R> | Bucket<R>;

const node = <R>(owner: Owner | null, bitmap: number, slots: Slot<R>[]): TrieNode<R> => ({ owner, bitmap, slots });

export function emptyTrie<R>(): TrieNode<R> {
  return node<R>(null, 0, []);
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Only trie nodes have a `bitmap` (entries are `{ key, hash, row, seq }`, buckets are arrays). */
const isNode = <R>(s: Slot<R>): s is TrieNode<R> => 'bitmap' in s;
const isEntry = <R>(s: Slot<R>): s is Entry<R> => !Array.isArray(s) && !isNode(s);
const edit = <R>(n: TrieNode<R>, owner: Owner): TrieNode<R> => (n.owner === owner ? n : node(owner, n.bitmap, n.slots.slice()));

export function trieGet<R>(root: TrieNode<R>, key: RowKey, hash: number): Entry<R> | undefined {
  let n = root;
  for (let shift = 0; ; shift += BITS) {
    const bit = 1 << ((hash >>> shift) & MASK);
    if ((n.bitmap & bit) === 0) return undefined;
    const slot = n.slots[popcount(n.bitmap & (bit - 1))]!;
    if (Array.isArray(slot)) return slot.find((e) => e.key === key);
    if (!isNode(slot)) return slot.key === key ? slot : undefined;
    n = slot;
  }
}

/** Insert or replace the entry with `e.key`. Returns the new root. */
export function trieSet<R>(root: TrieNode<R>, e: Entry<R>, owner: Owner): TrieNode<R> {
  return update(root, e.key, e.hash, e, 0, owner) as TrieNode<R>;
}

/** Remove the entry with `key` if present. Returns the new root (the same object if absent). */
export function trieRemove<R>(root: TrieNode<R>, key: RowKey, hash: number, owner: Owner): TrieNode<R> {
  return (update(root, key, hash, undefined, 0, owner) as TrieNode<R> | undefined) ?? node(owner, 0, []);
}

/** A trie of entries with distinct keys: one owner, so each node is created once and then filled in place. */
export function trieBuild<R>(entries: readonly Entry<R>[], owner: Owner): TrieNode<R> {
  let trie = emptyTrie<R>();
  for (const e of entries) trie = trieSet(trie, e, owner);
  return trie;
}

/**
 * The slot replacing `n` once the entry of `key` is `e` (removed when `e` is undefined): `n` itself
 * when nothing changed, undefined when emptied, or the one entry a non-root node is left with (it
 * moves up into the parent's slot).
 */
function update<R>(n: TrieNode<R>, key: RowKey, hash: number, e: Entry<R> | undefined, shift: number, owner: Owner): Slot<R> | undefined {
  const bit = 1 << ((hash >>> shift) & MASK);
  const idx = popcount(n.bitmap & (bit - 1));
  if ((n.bitmap & bit) === 0) {
    if (e === undefined) return n;
    const copy = edit(n, owner);
    copy.slots.splice(idx, 0, e);
    copy.bitmap |= bit;
    return copy;
  }
  const slot = n.slots[idx]!;
  let next: Slot<R> | undefined;
  if (Array.isArray(slot)) {
    const rest = slot.filter((x) => x.key !== key);
    if (e !== undefined) rest.push(e);
    next = rest.length > 1 ? rest : rest[0];
  } else if (isNode(slot)) next = update(slot, key, hash, e, shift + BITS, owner);
  else if (slot.key === key) next = e;
  else next = e === undefined ? slot : pair(slot, e, shift + BITS, owner);
  if (next === slot) return n;
  if (next === undefined) {
    if (n.slots.length === 1) return undefined;
    if (shift > 0 && n.slots.length === 2 && isEntry(n.slots[1 - idx]!)) return n.slots[1 - idx];
    const copy = edit(n, owner);
    copy.slots.splice(idx, 1);
    copy.bitmap &= ~bit;
    return copy;
  }
  if (shift > 0 && n.slots.length === 1 && isEntry(next)) return next;
  const copy = edit(n, owner);
  copy.slots[idx] = next;
  return copy;
}

/** A node (or, past the last hash bit, a bucket) holding two entries with different keys. */
function pair<R>(a: Entry<R>, b: Entry<R>, shift: number, owner: Owner): TrieNode<R> | Bucket<R> {
  if (shift >= HASH_BITS) return [a, b];
  const ia = (a.hash >>> shift) & MASK;
  const ib = (b.hash >>> shift) & MASK;
  if (ia === ib) return node(owner, 1 << ia, [pair(a, b, shift + BITS, owner)]);
  return node(owner, (1 << ia) | (1 << ib), ia < ib ? [a, b] : [b, a]);
}
