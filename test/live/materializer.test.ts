import { describe, expect, it } from 'vitest';
import { createMaterializer } from '../../src/live/createMaterializer.js';
import type { MaterializerOptions, RowOp } from '../../src/live/types.js';

interface Row {
  id: string;
  score?: number | null;
  name?: string | null;
  tag?: string | null;
}

const keyOf = (r: Row): string => r.id;
const make = (opts: Partial<MaterializerOptions<Row>> = {}) => createMaterializer<Row>({ keyOf, ...opts });
const up = (row: Row): RowOp<Row> => ({ op: 'upsert', row });
const del = (key: string): RowOp<Row> => ({ op: 'delete', key });
const ids = (rows: readonly Row[]): string[] => rows.map((r) => r.id);

describe('createMaterializer: basics without orderBy', () => {
  it('starts empty', () => {
    const m = make();
    const rs = m.current;
    expect(rs.size).toBe(0);
    expect(rs.rows).toEqual([]);
    expect(rs.at(0)).toBeUndefined();
    expect(rs.slice()).toEqual([]);
    expect(rs.byKey.size).toBe(0);
    expect(rs.get('x')).toBeUndefined();
  });

  it('pages of new keys (the initial load) append in arrival order; earlier revisions stay as they were', () => {
    for (const limit of [undefined, 5, 1300]) {
      const m = make(limit === undefined ? {} : { limit });
      const revisions: { rows: readonly Row[]; expected: string[] }[] = [];
      const all: string[] = [];
      for (let page = 0; page < 6; page++) {
        const rows = Array.from({ length: 600 }, (_, i) => ({ id: `r${page * 600 + i}` }));
        const before = m.current;
        m.apply(rows.map(up));
        all.push(...rows.map((r) => r.id));
        const expected = limit === undefined ? [...all] : all.slice(0, limit);
        expect(ids(m.current.rows)).toEqual(expected);
        expect(m.current.size).toBe(expected.length);
        expect(m.current.at(expected.length - 1)?.id).toBe(expected[expected.length - 1]);
        if (limit !== undefined && all.length > 600 && limit <= 600) expect(m.current).toBe(before); // nothing visible changed
        revisions.push({ rows: m.current.rows, expected });
      }
      // A page with an update and a duplicate key among new ones (not a pure append), then a delete.
      m.apply([up({ id: 'r3', name: 'x' }), ...Array.from({ length: 600 }, (_, i) => up({ id: `n${i}` })), up({ id: 'n0', name: 'dup' })]);
      all.push(...Array.from({ length: 600 }, (_, i) => `n${i}`));
      m.apply([del('r0')]);
      all.shift();
      expect(ids(m.current.rows)).toEqual(limit === undefined ? all : all.slice(0, limit));
      expect(m.current.get('r3')?.name).toBe('x');
      if (limit === undefined) expect(m.current.get('n0')?.name).toBe('dup');
      for (const r of revisions) expect(ids(r.rows)).toEqual(r.expected);
    }
  });

  it('keeps arrival order; updates stay in place; delete + reinsert appends', () => {
    const m = make();
    m.apply([up({ id: 'a' }), up({ id: 'b' }), up({ id: 'c' })]);
    expect(ids(m.current.rows)).toEqual(['a', 'b', 'c']);
    m.apply([up({ id: 'a', name: 'changed' })]);
    expect(ids(m.current.rows)).toEqual(['a', 'b', 'c']);
    expect(m.current.get('a')?.name).toBe('changed');
    m.apply([del('a'), up({ id: 'a' })]);
    expect(ids(m.current.rows)).toEqual(['b', 'c', 'a']);
  });

  it('returns the same RowSet when nothing visible changed', () => {
    const m = make();
    const r1 = m.apply([up({ id: 'a', score: 1 })]);
    const row = r1.get('a');
    expect(m.apply([])).toBe(r1);
    expect(m.apply([up({ id: 'a', score: 1 })])).toBe(r1);
    expect(m.apply([del('zzz')])).toBe(r1);
    expect(m.apply([{ op: 'patch', key: 'a', patch: { score: 1 } }])).toBe(r1);
    expect(m.current).toBe(r1);
    expect(m.current.get('a')).toBe(row);
  });

  it('never mutates an earlier revision', () => {
    const m = make({ orderBy: [{ column: 'score' }] });
    const r1 = m.apply([up({ id: 'a', score: 1 }), up({ id: 'b', score: 2 })]);
    const snapshot = r1.rows.slice();
    m.apply([up({ id: 'c', score: 0 }), del('a'), { op: 'patch', key: 'b', patch: { score: 9 } }]);
    expect(r1.rows).toEqual(snapshot);
    expect(r1.get('a')).toEqual({ id: 'a', score: 1 });
    expect(r1.get('c')).toBeUndefined();
    expect(r1.at(1)).toEqual({ id: 'b', score: 2 });
  });
});

describe('patch', () => {
  it('merges, then nulls the listed columns', () => {
    const m = make();
    m.apply([up({ id: 'a', score: 1, name: 'x', tag: 't' })]);
    m.apply([{ op: 'patch', key: 'a', patch: { score: 2 }, nulled: ['tag'] }]);
    expect(m.current.get('a')).toEqual({ id: 'a', score: 2, name: 'x', tag: null });
  });

  it('moves the row when an order column changes', () => {
    const m = make({ orderBy: [{ column: 'score' }] });
    m.apply([up({ id: 'a', score: 1 }), up({ id: 'b', score: 2 }), up({ id: 'c', score: 3 })]);
    m.apply([{ op: 'patch', key: 'a', patch: { score: 10 } }]);
    expect(ids(m.current.rows)).toEqual(['b', 'c', 'a']);
    m.apply([{ op: 'patch', key: 'c', patch: {}, nulled: ['score'] }]);
    expect(ids(m.current.rows)).toEqual(['b', 'a', 'c']);
  });

  it('of an unknown key inserts the patch under that key', () => {
    const m = make();
    m.apply([{ op: 'patch', key: 'n', patch: { id: 'n', score: 5 }, nulled: ['name'] }]);
    expect(m.current.get('n')).toEqual({ id: 'n', score: 5, name: null });
    expect(m.current.size).toBe(1);
  });
});

describe('orderBy', () => {
  const rows: Row[] = [
    { id: 'a', score: 2 },
    { id: 'b', score: null },
    { id: 'c', score: 1 },
    { id: 'd', score: 2 },
    { id: 'e' },
  ];

  it('asc puts nulls last, ties broken by key', () => {
    const m = make({ orderBy: [{ column: 'score' }] });
    expect(ids(m.apply(rows.map(up)).rows)).toEqual(['c', 'a', 'd', 'b', 'e']);
  });

  it('desc puts nulls first, ties still broken by ascending key', () => {
    const m = make({ orderBy: [{ column: 'score', direction: 'desc' }] });
    expect(ids(m.apply(rows.map(up)).rows)).toEqual(['b', 'e', 'a', 'd', 'c']);
  });

  it('honours explicit nulls placement', () => {
    const first = make({ orderBy: [{ column: 'score', nulls: 'first' }] });
    expect(ids(first.apply(rows.map(up)).rows)).toEqual(['b', 'e', 'c', 'a', 'd']);
    const last = make({ orderBy: [{ column: 'score', direction: 'desc', nulls: 'last' }] });
    expect(ids(last.apply(rows.map(up)).rows)).toEqual(['a', 'd', 'c', 'b', 'e']);
  });

  it('orders by several columns', () => {
    const m = make({ orderBy: [{ column: 'tag' }, { column: 'score', direction: 'desc' }] });
    m.apply([
      up({ id: '1', tag: 'b', score: 1 }),
      up({ id: '2', tag: 'a', score: 1 }),
      up({ id: '3', tag: 'a', score: 5 }),
      up({ id: '4', tag: 'b', score: 9 }),
    ]);
    expect(ids(m.current.rows)).toEqual(['3', '2', '4', '1']);
  });

  it('orders BIGINT strings numerically and plain strings by code unit', () => {
    const m = make({ orderBy: [{ column: 'name' }] });
    m.apply(['10', '9', '-5', '123456789012345678901', 'b', 'B', 'a'].map((name, i) => up({ id: `k${i}`, name })));
    expect(m.current.rows.map((r) => r.name)).toEqual(['-5', '9', '10', '123456789012345678901', 'B', 'a', 'b']);
  });
});

describe('limit', () => {
  const setup = () => {
    const m = make({ orderBy: [{ column: 'score' }], limit: 3 });
    m.apply([1, 2, 3, 4, 5].map((s) => up({ id: `r${s}`, score: s })));
    return m;
  };

  it('exposes only the first rows everywhere', () => {
    const rs = setup().current;
    expect(rs.size).toBe(3);
    expect(ids(rs.rows)).toEqual(['r1', 'r2', 'r3']);
    expect(rs.byKey.size).toBe(3);
    expect(rs.byKey.has('r4')).toBe(false);
    expect(rs.get('r5')).toBeUndefined();
    expect(rs.get('r3')?.score).toBe(3);
    expect(rs.at(3)).toBeUndefined();
    expect(rs.at(-1)?.id).toBe('r3');
    expect(ids(rs.slice(1, 10))).toEqual(['r2', 'r3']);
    expect([...rs.byKey.keys()]).toEqual(['r1', 'r2', 'r3']);
  });

  it('ignores changes past the window (same RowSet)', () => {
    const m = setup();
    const before = m.current;
    expect(m.apply([up({ id: 'r5', score: 50 })])).toBe(before);
    expect(m.apply([up({ id: 'r9', score: 9 })])).toBe(before);
    expect(m.apply([del('r4')])).toBe(before);
  });

  it('moves retained rows into the window when a visible row leaves', () => {
    const m = setup();
    m.apply([del('r1')]);
    expect(ids(m.current.rows)).toEqual(['r2', 'r3', 'r4']);
    m.apply([{ op: 'patch', key: 'r9', patch: { id: 'r9', score: 0 } }]);
    expect(ids(m.current.rows)).toEqual(['r9', 'r2', 'r3']);
    m.apply([{ op: 'patch', key: 'r2', patch: { score: 100 } }]);
    expect(ids(m.current.rows)).toEqual(['r9', 'r3', 'r4']);
    expect(m.current.get('r2')).toBeUndefined();
  });

  it('limit 0 shows nothing and never emits', () => {
    const m = make({ limit: 0 });
    const empty = m.current;
    expect(m.apply([up({ id: 'a' })])).toBe(empty);
    expect(m.apply(Array.from({ length: 100 }, (_, i) => up({ id: `x${i}` })))).toBe(empty);
    expect(empty.size).toBe(0);
  });

  it('without orderBy limits in arrival order', () => {
    const m = make({ limit: 2 });
    m.apply([up({ id: 'a' }), up({ id: 'b' }), up({ id: 'c' })]);
    expect(ids(m.current.rows)).toEqual(['a', 'b']);
    m.apply([del('a')]);
    expect(ids(m.current.rows)).toEqual(['b', 'c']);
  });
});

describe('identity and structural sharing', () => {
  it('keeps every untouched row object across revisions of a large set', () => {
    const m = make({ orderBy: [{ column: 'score' }] });
    const r1 = m.apply(Array.from({ length: 10_000 }, (_, i) => up({ id: `k${i}`, score: i })));
    const r2 = m.apply([{ op: 'patch', key: 'k5000', patch: { score: -1 } }, up({ id: 'new', score: 20_000 }), del('k10')]);
    expect(r2).not.toBe(r1);
    expect(r2.size).toBe(10_000);
    expect(r2.at(0)?.id).toBe('k5000');
    expect(r2.at(-1)?.id).toBe('new');
    for (let i = 0; i < 10_000; i += 97) {
      if (i === 5000 || i === 10) continue;
      expect(r2.get(`k${i}`)).toBe(r1.get(`k${i}`));
    }
    const rows2 = r2.rows;
    expect(rows2.length).toBe(10_000);
    expect(r2.rows).toBe(rows2);
    expect(Object.isFrozen(rows2)).toBe(true);
    for (let i = 1; i < rows2.length; i++) expect(rows2[i - 1]!.score! <= rows2[i]!.score!).toBe(true);
  });

  it('keeps identity when a batch changes a row and then restores it', () => {
    const m = make({ orderBy: [{ column: 'score' }] });
    const r1 = m.apply([up({ id: 'a', score: 1 }), up({ id: 'b', score: 2 })]);
    const a = r1.get('a');
    const r2 = m.apply([{ op: 'patch', key: 'a', patch: { score: 5 } }, { op: 'patch', key: 'a', patch: { score: 1 } }, up({ id: 'c', score: 3 })]);
    expect(r2.get('a')).toBe(a);
    const r3 = m.apply([del('a'), up({ id: 'a', score: 1 }), del('c')]);
    expect(r3.get('a')).toBe(a);
    const r4 = m.replaceAll([{ id: 'a', score: 9 }, { id: 'b', score: 2 }, { id: 'a', score: 1 }]);
    expect(r4.get('a')).toBe(a);
    expect(r4.get('b')).toBe(r1.get('b'));
  });

  it('reuses the old object when an upsert carries an equal row (incl. JSON-ish cells)', () => {
    const m = createMaterializer<{ id: string; meta: unknown }>({ keyOf: (r) => r.id });
    const r1 = m.apply([{ op: 'upsert', row: { id: 'a', meta: { tags: ['x'], at: new Date(5) } } }]);
    const r2 = m.apply([{ op: 'upsert', row: { id: 'a', meta: { tags: ['x'], at: new Date(5) } } }]);
    expect(r2).toBe(r1);
    const r3 = m.apply([{ op: 'upsert', row: { id: 'a', meta: { tags: ['y'], at: new Date(5) } } }]);
    expect(r3).not.toBe(r1);
  });
});

describe('replaceAll', () => {
  it('reuses equal rows, drops missing keys, adds new ones', () => {
    const m = make({ orderBy: [{ column: 'score' }] });
    const r1 = m.apply([up({ id: 'a', score: 1 }), up({ id: 'b', score: 2 }), up({ id: 'c', score: 3 })]);
    const r2 = m.replaceAll([{ id: 'c', score: 3 }, { id: 'a', score: 1 }, { id: 'd', score: 0 }]);
    expect(ids(r2.rows)).toEqual(['d', 'a', 'c']);
    expect(r2.get('a')).toBe(r1.get('a'));
    expect(r2.get('c')).toBe(r1.get('c'));
    expect(r2.get('b')).toBeUndefined();
  });

  it('returns the same RowSet for an identical reload', () => {
    const m = make();
    const r1 = m.apply([up({ id: 'a', score: 1 }), up({ id: 'b', score: 2 })]);
    expect(m.replaceAll([{ id: 'b', score: 2 }, { id: 'a', score: 1 }])).toBe(r1);
    expect(ids(m.current.rows)).toEqual(['a', 'b']);
  });

  it('empties the set', () => {
    const m = make();
    m.apply([up({ id: 'a' })]);
    expect(m.replaceAll([]).size).toBe(0);
  });
});

describe('heavy batches (rebuild path)', () => {
  const setup = (limit?: number) => {
    const m = make({ orderBy: [{ column: 'score' }], ...(limit !== undefined ? { limit } : {}) });
    m.apply(Array.from({ length: 4000 }, (_, i) => up({ id: `k${i}`, score: i })));
    return m;
  };

  it('reorders, deletes and inserts like single ops would, keeping unchanged rows', () => {
    const m = setup();
    const r1 = m.current;
    const ops: RowOp<Row>[] = [];
    for (let i = 0; i < 4000; i += 3) ops.push({ op: 'patch', key: `k${i}`, patch: { score: 8000 - i } });
    for (let i = 1; i < 4000; i += 3) ops.push(del(`k${i}`));
    for (let i = 0; i < 300; i++) ops.push(up({ id: `n${i}`, score: i + 0.5 }));
    const r2 = m.apply(ops);
    const expected = [...r1.rows.filter((r) => Number(r.id.slice(1)) % 3 !== 1)]
      .map((r) => (Number(r.id.slice(1)) % 3 === 0 ? { ...r, score: 8000 - Number(r.id.slice(1)) } : r))
      .concat(Array.from({ length: 300 }, (_, i) => ({ id: `n${i}`, score: i + 0.5 })))
      .sort((a, b) => a.score! - b.score!);
    expect(r2.rows).toEqual(expected);
    expect(r2.get('k2')).toBe(r1.get('k2'));
    expect(r2.get('k1')).toBeUndefined();
  });

  it('returns the same RowSet when a heavy batch only touches rows past the limit', () => {
    const m = setup(10);
    const r1 = m.current;
    const ops = Array.from({ length: 1000 }, (_, i) => ({ op: 'patch' as const, key: `k${100 + i}`, patch: { score: 5000 + i } }));
    expect(m.apply(ops)).toBe(r1);
    expect(m.apply([...ops.slice(0, 600), { op: 'patch', key: 'k2', patch: { name: 'x' } }])).not.toBe(r1);
  });
});

describe('windowed access', () => {
  const m = make();
  m.apply(Array.from({ length: 1000 }, (_, i) => up({ id: `k${String(i).padStart(4, '0')}` })));
  const rs = m.current;

  it('at and slice follow Array semantics', () => {
    const all = ids(rs.rows);
    for (const i of [0, 1, 63, 64, 65, 500, 999, 1000, -1, -1000, -1001]) expect(rs.at(i)?.id).toBe(all.at(i));
    const cases: [number | undefined, number | undefined][] = [
      [undefined, undefined],
      [10, 200],
      [-5, undefined],
      [-300, -100],
      [990, 2000],
      [500, 100],
    ];
    for (const [s, e] of cases) expect(ids(rs.slice(s, e))).toEqual(all.slice(s, e));
  });

  it('byKey iterates visible rows in order', () => {
    const seen: string[] = [];
    rs.byKey.forEach((row, key) => {
      expect(row.id).toBe(key);
      seen.push(key);
    });
    expect(seen).toEqual(ids(rs.rows));
    expect([...rs.byKey].length).toBe(1000);
    expect(new Map(rs.byKey).get('k0042')).toBe(rs.get('k0042'));
  });
});

describe('validation and atomicity', () => {
  it('rejects bad limits and non-string keys', () => {
    expect(() => make({ limit: -1 })).toThrow(/limit/);
    expect(() => make({ limit: 1.5 })).toThrow(/limit/);
    const m = createMaterializer<{ id: number }>({ keyOf: (r) => r.id as unknown as string });
    expect(() => m.apply([{ op: 'upsert', row: { id: 1 } }])).toThrow(/string/);
  });

  it('leaves the state unchanged when a batch throws', () => {
    const m = createMaterializer<Row>({
      keyOf: (r) => {
        if (r.id === 'bad') throw new Error('boom');
        return r.id;
      },
      orderBy: [{ column: 'score' }],
    });
    const r1 = m.apply([up({ id: 'a', score: 1 })]);
    expect(() => m.apply([up({ id: 'b', score: 0 }), del('a'), up({ id: 'bad' })])).toThrow('boom');
    expect(m.current).toBe(r1);
    expect(ids(m.apply([up({ id: 'c', score: 2 })]).rows)).toEqual(['a', 'c']);
  });
});

describe('keyed lookups across revisions (live key Map)', () => {
  const up = (id: string, score: number): RowOp<Row> => ({ op: 'upsert', row: { id, score } });

  it('a stale revision answers get/byKey as of its own revision after updates, deletes, re-inserts and moves', () => {
    const m = createMaterializer<Row>({ keyOf, orderBy: [{ column: 'score' }], limit: 3 });
    const r1 = m.apply([up('a', 1), up('b', 2), up('c', 3), up('d', 4)]);
    expect(r1.get('a')?.score).toBe(1); // looked up while current (live Map)
    const r2 = m.apply([up('a', 10)]); // a moves past the limit, d becomes visible
    const r3 = m.apply([{ op: 'delete', key: 'b' }]);
    const r4 = m.apply([up('b', 0), up('e', 5)]); // b re-inserted, e past the limit
    const r5 = m.apply([up('c', 1.5), { op: 'patch', key: 'a', patch: { score: -1 } }]); // a moves back inside
    // r1: a,b,c visible (d past the limit)
    expect([r1.get('a')?.score, r1.get('b')?.score, r1.get('c')?.score]).toEqual([1, 2, 3]);
    expect(r1.get('d')).toBeUndefined();
    expect(r1.byKey.has('d')).toBe(false);
    expect(r1.byKey.has('e')).toBe(false);
    // r2: b,c,d visible
    expect(r2.get('a')).toBeUndefined();
    expect(r2.byKey.get('d')?.score).toBe(4);
    expect(r2.byKey.get('b')?.score).toBe(2);
    // r3: c,d,a visible (b deleted)
    expect(r3.byKey.has('b')).toBe(false);
    expect(r3.get('a')?.score).toBe(10);
    // r4: b(0),c(3),d(4)
    expect(r4.get('b')?.score).toBe(0);
    expect(r4.get('a')).toBeUndefined();
    expect(r4.byKey.has('e')).toBe(false);
    // r5 (current): a(-1), b(0), c(1.5)
    expect(m.current).toBe(r5);
    expect([r5.get('a')?.score, r5.get('b')?.score, r5.get('c')?.score]).toEqual([-1, 0, 1.5]);
    expect(r5.byKey.has('d')).toBe(false);
    // Later applies still do not leak into the older ones (their own Maps are built and kept).
    m.apply([{ op: 'delete', key: 'c' }, up('d', -5)]);
    expect(r1.get('c')?.score).toBe(3);
    expect(r5.get('c')?.score).toBe(1.5);
    expect(r5.get('d')).toBeUndefined();
  });

  it('the current revision after an invisible change past the limit hides the changed rows', () => {
    const m = createMaterializer<Row>({ keyOf, orderBy: [{ column: 'score' }], limit: 2 });
    const r1 = m.apply([up('a', 1), up('b', 2)]); // exactly at the limit: nothing past it yet
    expect(m.apply([up('c', 3)])).toBe(r1); // past the limit: same object
    expect(r1.get('c')).toBeUndefined();
    expect(r1.byKey.has('c')).toBe(false);
    expect(m.apply([up('c', 4), up('d', 9), { op: 'delete', key: 'c' }])).toBe(r1);
    expect(r1.byKey.has('d')).toBe(false);
    expect(r1.get('a')?.score).toBe(1);
    // A batch that moves a visible row past the limit and back is a (new, equal) revision.
    const r2 = m.apply([up('a', 100), up('a', 1)]);
    expect(r2.get('a')?.score).toBe(1);
    expect(r2.get('d')).toBeUndefined();
    expect(r1.get('a')).toBe(r2.get('a')); // back to its pre-batch content: same object
  });

  it('is atomic when keyOf throws mid-batch: keyed lookups and current unchanged, next apply works', () => {
    let fail = false;
    const m = createMaterializer<Row>({
      keyOf: (r) => {
        if (fail && r.id === 'boom') throw new Error('boom');
        return r.id;
      },
      limit: 2,
    });
    const r1 = m.apply([up('a', 1), up('b', 2), up('c', 3)]);
    const a = r1.get('a');
    fail = true;
    expect(() => m.apply([up('a', 7), { op: 'delete', key: 'b' }, up('d', 4), up('c', 5), up('boom', 0)])).toThrow('boom');
    expect(m.current).toBe(r1);
    expect(r1.get('a')).toBe(a);
    expect(r1.get('b')?.score).toBe(2);
    expect(r1.byKey.has('c')).toBe(false);
    expect(r1.get('d')).toBeUndefined();
    expect(r1.rows.map((r) => r.id)).toEqual(['a', 'b']);
    const r2 = m.apply([{ op: 'delete', key: 'a' }]);
    expect(r2.rows.map((r) => r.id)).toEqual(['b', 'c']);
    expect(r2.get('c')?.score).toBe(3);
    expect(r2.get('d')).toBeUndefined();
    expect(r1.get('a')).toBe(a); // stale now: its own Map
  });

  it('is atomic when keyOf throws in the first batch (from empty)', () => {
    const m = createMaterializer<Row>({
      keyOf: (r) => {
        if (r.id === 'boom') throw new Error('boom');
        return r.id;
      },
    });
    const empty = m.current;
    const ops = Array.from({ length: 40 }, (_, i) => up(`k${i}`, i));
    expect(() => m.apply([...ops, up('boom', 0)])).toThrow('boom');
    expect(m.current).toBe(empty);
    expect(empty.get('k1')).toBeUndefined();
    const r = m.apply([up('x', 1)]);
    expect(r.size).toBe(1);
    expect(r.get('k1')).toBeUndefined();
    expect(r.get('x')?.score).toBe(1);
  });
});
