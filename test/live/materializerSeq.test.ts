/** Internals of the materializer (src/live/seq/): value ordering, order-tree invariants, key trie. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDecimalStrings, compareValues, isDecimalString } from '../../src/live/seq/compareValues.js';
import { compareBySeq, makeEntryComparator, type Entry, type EntryComparator } from '../../src/live/seq/entry.js';
import { rowsEqual } from '../../src/live/seq/rowsEqual.js';
import {
  MAX,
  MIN,
  treeAppend,
  treeAt,
  treeBuild,
  treeRows,
  treeEntries,
  treeInsert,
  treeRemove,
  treeReplace,
  type TreeCtx,
  type TreeNode,
} from '../../src/live/seq/orderTree.js';

/** Exact reference for decimal strings: scale both to integers with BigInt. */
function refDecimal(a: string, b: string): number {
  const split = (s: string): [bigint, number] => {
    const [int, frac = ''] = s.split('.');
    return [BigInt(int! + frac), frac.length];
  };
  const [ia, sa] = split(a);
  const [ib, sb] = split(b);
  const scale = Math.max(sa, sb);
  const x = ia * 10n ** BigInt(scale - sa);
  const y = ib * 10n ** BigInt(scale - sb);
  return x < y ? -1 : x > y ? 1 : 0;
}

const decimalArb = fc
  .tuple(fc.boolean(), fc.stringMatching(/^[0-9]{1,25}$/), fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }))
  .map(([neg, int, frac]) => `${neg ? '-' : ''}${int}${frac === undefined ? '' : `.${frac}`}`);

describe('compareValues', () => {
  it('recognises decimal-looking strings', () => {
    for (const s of ['0', '-5', '123', '10.50', '-0.001', '007']) expect(isDecimalString(s)).toBe(true);
    for (const s of ['', '-', '1.', '.5', '+1', ' 1', '1e5', '1-2', '2024-01-01', 'abc', '1.2.3']) expect(isDecimalString(s)).toBe(false);
  });

  it('compares decimal strings exactly like BigInt arithmetic', () => {
    fc.assert(
      fc.property(decimalArb, decimalArb, (a, b) => {
        expect(Math.sign(compareDecimalStrings(a, b))).toBe(refDecimal(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('orders BIGINT strings beyond 2^53 exactly', () => {
    expect(compareValues('9007199254740993', '9007199254740992')).toBeGreaterThan(0);
    expect(compareValues('-9007199254740993', '-9007199254740992')).toBeLessThan(0);
    expect(compareValues('-5', '3')).toBeLessThan(0);
    expect(compareValues('-0', '0')).not.toBe(0); // equal value, different spelling: still a total order
  });

  it('mixes numeric representations by value', () => {
    expect(compareValues(5, '10')).toBeLessThan(0);
    expect(compareValues(10n, 9)).toBeGreaterThan(0);
    expect(compareValues(2 ** 60, (2n ** 60n + 1n).toString())).toBeLessThan(0);
    expect(compareValues(new Date(10), new Date(20))).toBeLessThan(0);
    expect(compareValues(-Infinity, '-99999999999999999999999')).toBeLessThan(0);
    expect(compareValues(Infinity, NaN)).toBeLessThan(0);
    expect(compareValues(NaN, NaN)).toBe(0);
  });

  it('ranks families boolean < numeric < string < other', () => {
    expect(compareValues(false, true)).toBeLessThan(0);
    expect(compareValues(true, -1)).toBeLessThan(0);
    expect(compareValues(1e9, 'a')).toBeLessThan(0);
    expect(compareValues('B', 'a')).toBeLessThan(0);
    expect(compareValues('zzz', { x: 1 })).toBeLessThan(0);
  });

  it('is a total order (antisymmetric, transitive) over mixed values', () => {
    const value = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.bigInt(),
      decimalArb,
      fc.string({ maxLength: 4 }),
      fc.boolean(),
      fc.date({ noInvalidDate: true }),
    );
    fc.assert(
      fc.property(value, value, value, (a, b, c) => {
        expect(Math.sign(compareValues(a, b))).toBe(-Math.sign(compareValues(b, a)) || 0);
        if (compareValues(a, b) <= 0 && compareValues(b, c) <= 0) expect(compareValues(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 3000 },
    );
  });
});

function checkTree<R>(node: TreeNode<R> | null, cmp: EntryComparator<R>, isRoot = true): number {
  if (node === null) return 0;
  if (node.leaf) {
    expect(node.size).toBe(node.slots.length);
    expect(node.slots.length).toBeLessThanOrEqual(MAX);
    if (!isRoot) expect(node.slots.length).toBeGreaterThanOrEqual(MIN);
    for (let i = 1; i < node.slots.length; i++) expect(cmp(node.slots[i - 1]!, node.slots[i]!)).toBeLessThan(0);
    expect(node.last).toBe(node.slots[node.slots.length - 1]);
    return 1;
  }
  expect(node.slots.length).toBeLessThanOrEqual(MAX);
  if (!isRoot) expect(node.slots.length).toBeGreaterThanOrEqual(MIN);
  else expect(node.slots.length).toBeGreaterThanOrEqual(2);
  const depths = node.slots.map((c) => checkTree(c, cmp, false));
  expect(new Set(depths).size).toBe(1);
  expect(node.size).toBe(node.slots.reduce((s, c) => s + c.size, 0));
  expect(node.last).toBe(node.slots[node.slots.length - 1]!.last);
  return depths[0]! + 1;
}

describe('order tree', () => {
  const entry = (n: number, seq = n): Entry<{ n: number }> => ({ key: `k${n}`, row: { n }, seq });

  it('keeps B+tree invariants, order and sizes through random inserts and removes, sharing untouched nodes', () => {
    const cmp = makeEntryComparator<{ n: number }>([{ column: 'n' }]);
    let seed = 12345;
    const rand = (m: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % m;
    };
    const present = new Map<number, Entry<{ n: number }>>();
    let root: TreeNode<{ n: number }> | null = null;
    for (let round = 0; round < 40; round++) {
      const before = root;
      const ctx: TreeCtx<{ n: number }> = { owner: {}, cmp, pos: 0, split: null };
      const beforeList = [...treeEntries(before, Infinity)];
      for (let i = 0; i < 400; i++) {
        const n = rand(6000);
        const old = present.get(n);
        if (old === undefined) {
          const e = entry(n);
          root = treeInsert(root, e, ctx);
          expect(treeAt(root, ctx.pos)).toBe(e);
          present.set(n, e);
        } else if (rand(3) === 0) {
          const e = entry(n, old.seq);
          root = treeReplace(root!, old, e, ctx);
          present.set(n, e);
        } else {
          root = treeRemove(root!, old, ctx);
          present.delete(n);
        }
      }
      // Every round after the first alternates growth and shrinkage of the key space.
      if (round % 10 === 9) {
        for (const [n, e] of [...present].slice(0, Math.floor(present.size * 0.9))) {
          root = treeRemove(root!, e, ctx);
          present.delete(n);
        }
      }
      checkTree(root, cmp);
      const list = [...treeEntries(root, Infinity)];
      expect(list.map((e) => e.row.n)).toEqual([...present.keys()].sort((a, b) => a - b));
      expect(root?.size ?? 0).toBe(present.size);
      expect([...treeEntries(before, Infinity)]).toEqual(beforeList); // old revision untouched
    }
 }, 30_000);

  it('builds bottom-up with valid fill at every size', () => {
    for (const n of [0, 1, 15, 16, 48, 49, 64, 65, 1000, 2305, 5000, 30_000]) {
      const entries = Array.from({ length: n }, (_, i) => entry(i));
      const root = treeBuild(entries, null);
      checkTree(root, compareBySeq);
      expect(root?.size ?? 0).toBe(n);
      expect(treeRows(root, 3, 70)).toEqual(entries.slice(3, 70).map((e) => e.row));
      expect(treeRows(root, 0, n)).toEqual(entries.map((e) => e.row));
    }
  });

  it('appends sorted entries after the last one with valid fill, sharing every existing leaf', () => {
    const leaves = (node: TreeNode<{ n: number }> | null, out: TreeNode<{ n: number }>[] = []): TreeNode<{ n: number }>[] => {
      if (node === null) return out;
      if (node.leaf) out.push(node);
      else for (const c of node.slots) leaves(c, out);
      return out;
    };
    for (const [n, m] of [[1, 16], [15, 16], [16, 16], [48, 600], [1000, 16], [1000, 4000], [6000, 512], [3000, 3000]] as const) {
      const entries = Array.from({ length: n + m }, (_, i) => entry(i));
      // Grown by single inserts too, so leaves are not all bulk-filled.
      const ctx: TreeCtx<{ n: number }> = { owner: {}, cmp: compareBySeq, pos: 0, split: null };
      let root = treeBuild(entries.slice(0, Math.floor(n / 2)), null);
      for (const e of entries.slice(Math.floor(n / 2), n)) root = treeInsert(root, e, ctx);
      const before = leaves(root);
      const next = treeAppend(root!, entries.slice(n), {});
      checkTree(next, compareBySeq);
      expect(next?.size).toBe(n + m);
      expect(treeRows(next, 0, n + m)).toEqual(entries.map((e) => e.row));
      const after = new Set(leaves(next));
      if (n >= MIN) expect(before.every((l) => after.has(l))).toBe(true);
      expect(treeRows(root, 0, n)).toEqual(entries.slice(0, n).map((e) => e.row)); // old revision untouched
    }
  }, 30_000);

  it('copies only the touched path on a single change', () => {
    const root = treeBuild(Array.from({ length: 50_000 }, (_, i) => entry(i)), null)!;
    const ctx: TreeCtx<{ n: number }> = { owner: {}, cmp: compareBySeq, pos: 0, split: null };
    const next = treeReplace(root, treeAt(root, 100)!, entry(100), ctx) as typeof root & { leaf: false };
    expect(next).not.toBe(root);
    const oldChildren = (root as typeof next).slots;
    const shared = next.slots.filter((c, i) => c === oldChildren[i]).length;
    expect(shared).toBe(oldChildren.length - 1);
  });
});

describe('rowsEqual', () => {
  it('compares own columns: missing differs from undefined, order and prototype do not matter', () => {
    expect(rowsEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(rowsEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(rowsEqual({ a: 1, b: undefined }, { a: 1 })).toBe(false);
    expect(rowsEqual({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
    expect(rowsEqual(Object.assign(Object.create(null) as object, { a: NaN }), { a: NaN })).toBe(true);
    expect(rowsEqual({ a: 0 }, { a: -0 })).toBe(false);
  });

  it('compares JSON-ish cells and Dates structurally, class instances by identity', () => {
    expect(rowsEqual({ j: { x: [1, { y: 'z' }] }, d: new Date(3) }, { j: { x: [1, { y: 'z' }] }, d: new Date(3) })).toBe(true);
    expect(rowsEqual({ j: { x: [1, 2] } }, { j: { x: [1, 2, 3] } })).toBe(false);
    expect(rowsEqual({ j: [1] }, { j: { 0: 1 } })).toBe(false);
    expect(rowsEqual({ u: new Uint8Array([1]) }, { u: new Uint8Array([1]) })).toBe(false);
  });
});
