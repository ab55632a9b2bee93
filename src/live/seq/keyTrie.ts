/**
 * Persistent key -> entry map: a hash array mapped trie (HAMT), 32-way, bitmap-compressed.
 * get/set/remove are O(log32 n) (at most 7 levels for 32-bit hashes, plus a collision bucket);
 * updates copy only the path, and nodes owned by the current batch are edited in place
 * (same owner-token scheme as orderTree.ts).
 */
import type { Entry, Owner } from './entry.js';
import type { RowKey } from '../types.js';

const BITS = 5;
const MASK = 31;
/** Levels consume 5 bits each; at shift >= 32 the hash is exhausted and keys collide for real. */
const HASH_BITS = 32;

export class TrieNode<R> {
  constructor(
    public owner: Owner | null,
    public bitmap: number,
    public slots: Slot<R>[],
  ) {}
}

class Bucket<R> {
  constructor(
    public owner: Owner | null,
    public entries: Entry<R>[],
  ) {}
}

type Slot<R> = Entry<R> | TrieNode<R> | Bucket<R>;

export function emptyTrie<R>(): TrieNode<R> {
  return new TrieNode<R>(null, 0, []);
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function isEntry<R>(s: Slot<R>): s is Entry<R> {
  return !(s instanceof TrieNode) && !(s instanceof Bucket);
}

export function trieGet<R>(root: TrieNode<R>, key: RowKey, hash: number): Entry<R> | undefined {
  let node: TrieNode<R> | Bucket<R> = root;
  let shift = 0;
  for (;;) {
    if (node instanceof Bucket) {
      for (const e of node.entries) if (e.key === key) return e;
      return undefined;
    }
    const bit = 1 << ((hash >>> shift) & MASK);
    if ((node.bitmap & bit) === 0) return undefined;
    const slot: Slot<R> = node.slots[popcount(node.bitmap & (bit - 1))]!;
    if (isEntry(slot)) return slot.key === key ? slot : undefined;
    node = slot;
    shift += BITS;
  }
}

function edit<R>(node: TrieNode<R>, owner: Owner): TrieNode<R> {
  return node.owner === owner ? node : new TrieNode(owner, node.bitmap, node.slots.slice());
}

/** Insert or replace the entry with `e.key`. Returns the new root. */
export function trieSet<R>(root: TrieNode<R>, e: Entry<R>, owner: Owner): TrieNode<R> {
  return setIn(root, e, 0, owner);
}

function setIn<R>(node: TrieNode<R>, e: Entry<R>, shift: number, owner: Owner): TrieNode<R> {
  const bit = 1 << ((e.hash >>> shift) & MASK);
  const idx = popcount(node.bitmap & (bit - 1));
  if ((node.bitmap & bit) === 0) {
    const n = edit(node, owner);
    n.slots.splice(idx, 0, e);
    n.bitmap |= bit;
    return n;
  }
  const slot = node.slots[idx]!;
  let next: Slot<R>;
  if (slot instanceof TrieNode) next = setIn(slot, e, shift + BITS, owner);
  else if (slot instanceof Bucket) next = bucketSet(slot, e, owner);
  else if (slot.key === e.key) next = e;
  else next = pair(slot, e, shift + BITS, owner);
  if (next === slot) return node;
  const n = edit(node, owner);
  n.slots[idx] = next;
  return n;
}

function bucketSet<R>(b: Bucket<R>, e: Entry<R>, owner: Owner): Bucket<R> {
  const entries = b.owner === owner ? b.entries : b.entries.slice();
  const i = entries.findIndex((x) => x.key === e.key);
  if (i >= 0) entries[i] = e;
  else entries.push(e);
  return b.owner === owner ? b : new Bucket(owner, entries);
}

function pair<R>(a: Entry<R>, b: Entry<R>, shift: number, owner: Owner): TrieNode<R> | Bucket<R> {
  if (shift >= HASH_BITS) return new Bucket(owner, [a, b]);
  const ia = (a.hash >>> shift) & MASK;
  const ib = (b.hash >>> shift) & MASK;
  if (ia === ib) return new TrieNode(owner, 1 << ia, [pair(a, b, shift + BITS, owner)]);
  return new TrieNode(owner, (1 << ia) | (1 << ib), ia < ib ? [a, b] : [b, a]);
}

/** Remove the entry with `key` if present. Returns the new root (the same object if absent). */
export function trieRemove<R>(root: TrieNode<R>, key: RowKey, hash: number, owner: Owner): TrieNode<R> {
  const r = removeIn(root, key, hash, 0, owner);
  if (r === null) return new TrieNode<R>(owner, 0, []);
  if (isEntry(r)) return new TrieNode<R>(owner, 1 << (r.hash & MASK), [r]);
  return r as TrieNode<R>;
}

/** Returns the replacement slot: same node if absent, null if emptied, an entry to inline upward. */
function removeIn<R>(node: TrieNode<R>, key: RowKey, hash: number, shift: number, owner: Owner): Slot<R> | null {
  const bit = 1 << ((hash >>> shift) & MASK);
  if ((node.bitmap & bit) === 0) return node;
  const idx = popcount(node.bitmap & (bit - 1));
  const slot = node.slots[idx]!;
  let next: Slot<R> | null;
  if (slot instanceof TrieNode) next = removeIn(slot, key, hash, shift + BITS, owner);
  else if (slot instanceof Bucket) next = bucketRemove(slot, key, owner);
  else next = slot.key === key ? null : slot;
  if (next === slot) return node;
  if (next === null) {
    if (node.slots.length === 1) return null;
    // A non-root node left with one entry collapses into its parent's slot.
    if (shift > 0 && node.slots.length === 2) {
      const other = node.slots[1 - idx]!;
      if (isEntry(other)) return other;
    }
    const n = edit(node, owner);
    n.slots.splice(idx, 1);
    n.bitmap &= ~bit;
    return n;
  }
  if (shift > 0 && node.slots.length === 1 && isEntry(next)) return next;
  const n = edit(node, owner);
  n.slots[idx] = next;
  return n;
}

function bucketRemove<R>(b: Bucket<R>, key: RowKey, owner: Owner): Slot<R> {
  const i = b.entries.findIndex((x) => x.key === key);
  if (i < 0) return b;
  if (b.entries.length === 2) return b.entries[1 - i]!;
  const entries = b.entries.slice();
  entries.splice(i, 1);
  return new Bucket(owner, entries);
}

/** Bulk builds index rows by position in a double: chunk order * 2^21 + index (< 2^53). */
const BULK_INDEX_LIMIT = 2 ** 21;

/**
 * Build a trie from entries with distinct keys in O(n log n) with one native numeric sort (no
 * per-entry path copying). Returns undefined for more than 2^21 entries (use trieSet then).
 */
export function trieBuild<R>(entries: readonly Entry<R>[], owner: Owner): TrieNode<R> | undefined {
  const n = entries.length;
  if (n >= BULK_INDEX_LIMIT) return undefined;
  if (n === 0) return new TrieNode<R>(owner, 0, []);
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = chunkOrder(entries[i]!.hash) * BULK_INDEX_LIMIT + i;
  packed.sort();
  const ordered: Entry<R>[] = new Array<Entry<R>>(n);
  for (let i = 0; i < n; i++) ordered[i] = entries[packed[i]! % BULK_INDEX_LIMIT]!;
  return buildRange(ordered, 0, n, 0, owner) as TrieNode<R>;
}

/** The hash with its 5-bit chunks reversed, so trie order (chunk at shift 0 first) is numeric order. */
function chunkOrder(hash: number): number {
  let r = 0;
  for (let shift = 0; shift < HASH_BITS; shift += BITS) {
    const bits = Math.min(BITS, HASH_BITS - shift);
    r = r * (1 << bits) + ((hash >>> shift) & ((1 << bits) - 1));
  }
  return r;
}

function buildRange<R>(ordered: Entry<R>[], lo: number, hi: number, shift: number, owner: Owner): TrieNode<R> | Bucket<R> {
  if (shift >= HASH_BITS) return new Bucket(owner, ordered.slice(lo, hi));
  let bitmap = 0;
  const slots: Slot<R>[] = [];
  let i = lo;
  while (i < hi) {
    const chunk = (ordered[i]!.hash >>> shift) & MASK;
    let j = i + 1;
    while (j < hi && ((ordered[j]!.hash >>> shift) & MASK) === chunk) j++;
    bitmap |= 1 << chunk;
    slots.push(j - i === 1 ? ordered[i]! : buildRange(ordered, i, j, shift + BITS, owner));
    i = j;
  }
  return new TrieNode(owner, bitmap, slots);
}
