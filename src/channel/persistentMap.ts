/**
 * An immutable string → value map with path copying (a small hash array mapped trie, 32-way):
 * get/set/remove cost O(log32 n) and share every untouched node with the previous version, so a
 * presence diff costs O(changed keys) however many members the channel has. Iteration order is
 * the hash order (stable for a given set of keys); callers that need an order sort.
 */

const BITS = 5;
const MASK = 31;
const HASH_BITS = 32;

interface Leaf<V> {
  readonly key: string;
  readonly hash: number;
  readonly value: V;
}

/** Interior node: `bitmap` says which of the 32 slots exist; `slots` holds them densely. */
interface Node<V> {
  readonly bitmap: number;
  readonly slots: readonly Slot<V>[];
}

/** Keys whose 32-bit hashes are equal. */
interface Collision<V> {
  readonly leaves: readonly Leaf<V>[];
}

type Slot<V> = Leaf<V> | Node<V> | Collision<V>;

export interface PersistentMap<V> {
  readonly size: number;
  readonly root: Node<V>;
}

const EMPTY: PersistentMap<never> = Object.freeze({ size: 0, root: Object.freeze({ bitmap: 0, slots: [] }) });

export function emptyMap<V>(): PersistentMap<V> {
  return EMPTY;
}

/** FNV-1a, then an avalanche step so the low bits (first trie level) are well spread. */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

const isLeaf = <V>(s: Slot<V>): s is Leaf<V> => 'key' in s;
const isNode = <V>(s: Slot<V>): s is Node<V> => 'bitmap' in s;

export function mapGet<V>(map: PersistentMap<V>, key: string): V | undefined {
  const hash = hashOf(key);
  let slot: Slot<V> = map.root;
  for (let shift = 0; ; shift += BITS) {
    if (isLeaf(slot)) return slot.key === key ? slot.value : undefined;
    if (!isNode(slot)) return slot.leaves.find((l) => l.key === key)?.value;
    const bit = 1 << ((hash >>> shift) & MASK);
    if ((slot.bitmap & bit) === 0) return undefined;
    slot = slot.slots[popcount(slot.bitmap & (bit - 1))]!;
  }
}

/** A map with `key` set to `value` (the same map when the value is already there, by identity). */
export function mapSet<V>(map: PersistentMap<V>, key: string, value: V): PersistentMap<V> {
  const leaf: Leaf<V> = { key, hash: hashOf(key), value };
  let added = false;
  const root = setIn(map.root, leaf, 0, () => (added = true));
  return root === map.root ? map : { size: map.size + (added ? 1 : 0), root };
}

function setIn<V>(node: Node<V>, leaf: Leaf<V>, shift: number, onAdd: () => void): Node<V> {
  const bit = 1 << ((leaf.hash >>> shift) & MASK);
  const idx = popcount(node.bitmap & (bit - 1));
  if ((node.bitmap & bit) === 0) {
    onAdd();
    return { bitmap: node.bitmap | bit, slots: [...node.slots.slice(0, idx), leaf, ...node.slots.slice(idx)] };
  }
  const slot = node.slots[idx]!;
  let next: Slot<V>;
  if (isNode(slot)) next = setIn(slot, leaf, shift + BITS, onAdd);
  else if (!isLeaf(slot)) next = collisionSet(slot, leaf, onAdd);
  else if (slot.key === leaf.key) next = Object.is(slot.value, leaf.value) ? slot : leaf;
  else {
    onAdd();
    next = pair(slot, leaf, shift + BITS);
  }
  if (next === slot) return node;
  const slots = node.slots.slice();
  slots[idx] = next;
  return { bitmap: node.bitmap, slots };
}

function collisionSet<V>(c: Collision<V>, leaf: Leaf<V>, onAdd: () => void): Collision<V> {
  const i = c.leaves.findIndex((l) => l.key === leaf.key);
  if (i < 0) {
    onAdd();
    return { leaves: [...c.leaves, leaf] };
  }
  if (Object.is(c.leaves[i]!.value, leaf.value)) return c;
  const leaves = c.leaves.slice();
  leaves[i] = leaf;
  return { leaves };
}

function pair<V>(a: Leaf<V>, b: Leaf<V>, shift: number): Node<V> | Collision<V> {
  if (shift >= HASH_BITS) return { leaves: [a, b] };
  const ia = (a.hash >>> shift) & MASK;
  const ib = (b.hash >>> shift) & MASK;
  if (ia === ib) return { bitmap: 1 << ia, slots: [pair(a, b, shift + BITS)] };
  return { bitmap: (1 << ia) | (1 << ib), slots: ia < ib ? [a, b] : [b, a] };
}

/** A map without `key` (the same map when it is absent). */
export function mapRemove<V>(map: PersistentMap<V>, key: string): PersistentMap<V> {
  const next = removeIn(map.root, key, hashOf(key), 0);
  if (next === map.root) return map;
  if (next === null) return EMPTY;
  const root: Node<V> = isNode(next) ? next : isLeaf(next) ? { bitmap: 1 << (next.hash & MASK), slots: [next] } : { bitmap: 0, slots: [] };
  return { size: map.size - 1, root };
}

/** The replacement slot: the same slot when absent, null when emptied, a leaf to inline upward. */
function removeIn<V>(node: Node<V>, key: string, hash: number, shift: number): Slot<V> | null {
  const bit = 1 << ((hash >>> shift) & MASK);
  if ((node.bitmap & bit) === 0) return node;
  const idx = popcount(node.bitmap & (bit - 1));
  const slot = node.slots[idx]!;
  let next: Slot<V> | null;
  if (isNode(slot)) next = removeIn(slot, key, hash, shift + BITS);
  else if (!isLeaf(slot)) {
    const rest = slot.leaves.filter((l) => l.key !== key);
    next = rest.length === slot.leaves.length ? slot : rest.length === 1 ? rest[0]! : { leaves: rest };
  } else next = slot.key === key ? null : slot;
  if (next === slot) return node;
  if (next === null) {
    if (node.slots.length === 1) return null;
    if (shift > 0 && node.slots.length === 2) {
      const other = node.slots[1 - idx]!;
      if (isLeaf(other)) return other;
    }
    return { bitmap: node.bitmap & ~bit, slots: [...node.slots.slice(0, idx), ...node.slots.slice(idx + 1)] };
  }
  if (shift > 0 && node.slots.length === 1 && isLeaf(next)) return next;
  const slots = node.slots.slice();
  slots[idx] = next;
  return { bitmap: node.bitmap, slots };
}

/** Every entry, in hash order. */
export function* mapEntries<V>(map: PersistentMap<V>): Generator<[string, V]> {
  const stack: Slot<V>[] = [map.root];
  while (stack.length > 0) {
    const slot = stack.pop()!;
    if (isLeaf(slot)) yield [slot.key, slot.value];
    else if (isNode(slot)) for (let i = slot.slots.length - 1; i >= 0; i--) stack.push(slot.slots[i]!);
    else for (const l of slot.leaves) yield [l.key, l.value];
  }
}
