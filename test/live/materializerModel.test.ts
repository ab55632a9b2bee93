/**
 * Property tests: any sequence of batches and reloads yields the same visible rows as a naive model
 * (a JS Map in arrival order, sorted on demand), every accessor agrees with `rows`, rows whose
 * content did not change keep their identity, and an unchanged result is the same RowSet object.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMaterializer } from '../../src/live/createMaterializer.js';
import type { OrderSpec, RowOp, RowSet } from '../../src/live/types.js';

interface Row {
  id: string;
  a?: number | null;
  b?: string | null;
}

/** Same own columns and values (prototype ignored: fast-check also makes null-prototype rows). */
const sameRow = (x: unknown, y: unknown): boolean =>
  isDeepStrictEqual({ ...(x as object) }, { ...(y as object) });
const sameVisible = (x: [string, Row][], y: [string, Row][]): boolean =>
  x.length === y.length && x.every(([k, r], i) => k === y[i]![0] && sameRow(r, y[i]![1]));

type Step = { kind: 'batch'; ops: RowOp<Row>[] } | { kind: 'replaceAll'; rows: Row[] };

/** Independent reference comparator: numbers numerically, strings by code unit, nulls per spec, then key. */
function modelCompare(specs: readonly OrderSpec[], [ka, ra]: [string, Row], [kb, rb]: [string, Row]): number {
  for (const s of specs) {
    const dir = s.direction === 'desc' ? -1 : 1;
    const nullsFirst = (s.nulls ?? (dir === 1 ? 'last' : 'first')) === 'first';
    const va = (ra as unknown as Record<string, unknown>)[s.column] ?? null;
    const vb = (rb as unknown as Record<string, unknown>)[s.column] ?? null;
    if (va === null && vb === null) continue;
    if (va === null) return nullsFirst ? -1 : 1;
    if (vb === null) return nullsFirst ? 1 : -1;
    if (va !== vb) return (va < vb ? -1 : 1) * dir;
  }
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

class Model {
  readonly rows = new Map<string, Row>();
  constructor(
    private readonly orderBy: readonly OrderSpec[] | undefined,
    private readonly limit: number | undefined,
  ) {}

  apply(op: RowOp<Row>): void {
    if (op.op === 'upsert') this.rows.set(op.row.id, op.row);
    else if (op.op === 'delete') this.rows.delete(op.key);
    else {
      const merged: Record<string, unknown> = { ...this.rows.get(op.key), ...op.patch };
      for (const c of op.nulled ?? []) merged[c] = null;
      this.rows.set(op.key, merged as unknown as Row);
    }
  }

  replaceAll(rows: readonly Row[]): void {
    const keep = new Set(rows.map((r) => r.id));
    for (const k of [...this.rows.keys()]) if (!keep.has(k)) this.rows.delete(k);
    for (const r of rows) this.rows.set(r.id, r);
  }

  visible(): [string, Row][] {
    const all = [...this.rows];
    if (this.orderBy !== undefined && this.orderBy.length > 0) all.sort((x, y) => modelCompare(this.orderBy!, x, y));
    return this.limit === undefined ? all : all.slice(0, this.limit);
  }
}

function checkAgainstModel(rs: RowSet<Row>, visible: [string, Row][], allKeys: Iterable<string>): void {
  expect(rs.size).toBe(visible.length);
  expect(rs.rows.length).toBe(visible.length);
  visible.forEach(([key, row], i) => {
    expect(sameRow(rs.rows[i], row)).toBe(true);
    expect(rs.at(i)).toBe(rs.rows[i]);
    expect(rs.at(i - visible.length)).toBe(rs.rows[i]);
    expect(rs.get(key)).toBe(rs.rows[i]);
    expect(rs.byKey.get(key)).toBe(rs.rows[i]);
  });
  expect(rs.at(visible.length)).toBeUndefined();
  const visibleKeys = new Set(visible.map(([k]) => k));
  for (const k of allKeys) {
    if (!visibleKeys.has(k)) {
      expect(rs.get(k)).toBeUndefined();
      expect(rs.byKey.has(k)).toBe(false);
    }
  }
  expect([...rs.byKey.keys()]).toEqual(visible.map(([k]) => k));
  expect(rs.byKey.size).toBe(visible.length);
  const n = visible.length;
  for (const [s, e] of [
    [0, n],
    [1, n - 1],
    [Math.floor(n / 3), Math.floor((2 * n) / 3) + 1],
    [-2, undefined],
  ] as const) {
    const got = rs.slice(s, e);
    const want = rs.rows.slice(s, e);
    expect(got.length).toBe(want.length);
    got.forEach((r, i) => expect(r).toBe(want[i]));
  }
}

/** Keyed lookups only (for retained older revisions, which answer from their own key Map). */
function checkKeyed(rs: RowSet<Row>, visible: [string, Row][], allKeys: Iterable<string>): void {
  const byKey = new Map(visible);
  for (const k of allKeys) {
    const want = byKey.get(k);
    const got = rs.get(k);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(sameRow(got, want)).toBe(true);
    expect(rs.byKey.get(k)).toBe(got);
    expect(rs.byKey.has(k)).toBe(want !== undefined);
  }
}

function checkIdentity(prev: [string, Row][], prevSet: RowSet<Row>, next: RowSet<Row>): void {
  for (const [key, row] of prev) {
    const now = next.get(key);
    if (now !== undefined && sameRow(now, row)) expect(now).toBe(prevSet.get(key));
  }
}

const orderByArb = fc.constantFrom<(readonly OrderSpec[] | undefined)[]>(
  undefined,
  [{ column: 'a' }],
  [{ column: 'a', direction: 'desc' }],
  [{ column: 'b', nulls: 'first' }, { column: 'a', direction: 'desc', nulls: 'last' }],
  [{ column: 'b', direction: 'desc' }],
);
const limitArb = fc.constantFrom(undefined, 0, 1, 3, 7, 40);

function stepArb(keyArb: fc.Arbitrary<string>, maxBatch: number, maxReload: number, size: fc.SizeForArbitrary = 'small'): fc.Arbitrary<Step> {
  const a = fc.option(fc.integer({ min: -3, max: 3 }), { nil: null });
  const b = fc.option(fc.constantFrom('x', 'y', 'xy', '', 'Z'), { nil: null });
  const row: fc.Arbitrary<Row> = fc.record({ id: keyArb, a, b }, { requiredKeys: ['id'] });
  const op: fc.Arbitrary<RowOp<Row>> = fc.oneof(
    row.map((r) => ({ op: 'upsert' as const, row: r })),
    fc
      .tuple(keyArb, fc.record({ a, b }, { requiredKeys: [] }), fc.subarray(['a', 'b']))
      .map(([key, patch, nulled]) => ({ op: 'patch' as const, key, patch, ...(nulled.length > 0 ? { nulled } : {}) })),
    keyArb.map((key) => ({ op: 'delete' as const, key })),
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.array(op, { minLength: 1, maxLength: maxBatch, size }).map((ops) => ({ kind: 'batch' as const, ops })) },
    { weight: 1, arbitrary: fc.array(row, { maxLength: maxReload, size }).map((rows) => ({ kind: 'replaceAll' as const, rows })) },
  );
}

function runScenario(orderBy: readonly OrderSpec[] | undefined, limit: number | undefined, steps: Step[]): void {
  const m = createMaterializer<Row>({
    keyOf: (r) => r.id,
    ...(orderBy !== undefined ? { orderBy } : {}),
    ...(limit !== undefined ? { limit } : {}),
  });
  const model = new Model(orderBy, limit);
  const everSeen = new Set<string>();
  let prevVisible = model.visible();
  let prevSet = m.current;
  // A few older revisions, re-checked after every later step (they must not see later changes).
  const retained: { set: RowSet<Row>; visible: [string, Row][] }[] = [];
  for (const [i, step] of steps.entries()) {
    let next: RowSet<Row>;
    if (step.kind === 'batch') {
      for (const op of step.ops) {
        model.apply(op);
        everSeen.add(op.op === 'upsert' ? op.row.id : op.key);
      }
      next = m.apply(step.ops);
    } else {
      model.replaceAll(step.rows);
      for (const r of step.rows) everSeen.add(r.id);
      next = m.replaceAll(step.rows);
    }
    const visible = model.visible();
    expect(m.current).toBe(next);
    checkAgainstModel(next, visible, everSeen);
    checkIdentity(prevVisible, prevSet, next);
    const unchanged = sameVisible(visible, prevVisible);
    if (next === prevSet) expect(unchanged).toBe(true);
    if (unchanged && step.kind === 'batch' && step.ops.length === 1) expect(next).toBe(prevSet);
    for (const old of retained) checkKeyed(old.set, old.visible, everSeen);
    if (i % 3 === 0) retained.push({ set: next, visible });
    if (retained.length > 4) retained.shift();
    prevVisible = visible;
    prevSet = next;
  }
}

describe('materializer vs naive model (fast-check)', () => {
  it('small key space: every op, order, limit', () => {
    const keyArb = fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `k${i}`));
    fc.assert(
      fc.property(orderByArb, limitArb, fc.array(stepArb(keyArb, 4, 14), { maxLength: 40 }), (orderBy, limit, steps) =>
        runScenario(orderBy, limit, steps),
      ),
      { numRuns: 300 },
    );
  }, 30_000);

  it('large sets: bulk loads, splits and merges of chunks', () => {
    // 'max' size: batches and reloads really reach hundreds of ops (heavy-batch rebuilds, chunk splits).
    const keyArb = fc.integer({ min: 0, max: 1499 }).map((i) => `k${i}`);
    fc.assert(
      fc.property(orderByArb, limitArb, fc.array(stepArb(keyArb, 700, 1200, 'max'), { minLength: 1, maxLength: 8 }), (orderBy, limit, steps) =>
        runScenario(orderBy, limit, steps),
      ),
      { numRuns: 25, interruptAfterTimeLimit: 30_000 },
    );
  }, 60_000);
});
