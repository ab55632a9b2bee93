import { describe, expect, it } from 'vitest';
import { rowMatches } from '../../../src/protocol/supabase/evaluateFilter.js';
import type { RowFilter } from '../../../src/protocol/supabase/postgresFilter.js';
import { canonicalFilter, filterText, parseFilterText } from '../../../src/protocol/supabase/postgresFilter.js';

const text = (filter: RowFilter): string | undefined => filterText(canonicalFilter(filter));

describe('filter serialisation (§4)', () => {
  it('writes each core operator', () => {
    expect(text([{ column: 'id', op: 'eq', value: 1 }])).toBe('id=eq.1');
    expect(text([{ column: 'id', op: 'neq', value: 'a' }])).toBe('id=neq.a');
    expect(text([{ column: 'n', op: 'lt', value: 2.5 }])).toBe('n=lt.2.5');
    expect(text([{ column: 'n', op: 'lte', value: -1 }])).toBe('n=lte.-1');
    expect(text([{ column: 'n', op: 'gt', value: 0 }])).toBe('n=gt.0');
    expect(text([{ column: 'done', op: 'gte', value: true }])).toBe('done=gte.true');
    expect(text([{ column: 'id', op: 'in', value: [3, 1, 2] }])).toBe('id=in.(1,2,3)');
    expect(text([])).toBeUndefined();
  });

  it('quotes values with commas, parentheses, quotes, backslashes, outer spaces or nothing', () => {
    expect(text([{ column: 'name', op: 'eq', value: 'a,b' }])).toBe('name=eq."a,b"');
    expect(text([{ column: 'name', op: 'eq', value: 'say "hi" \\o/' }])).toBe('name=eq."say \\"hi\\" \\\\o/"');
    expect(text([{ column: 'name', op: 'eq', value: ' x' }])).toBe('name=eq." x"');
    expect(text([{ column: 'name', op: 'eq', value: '' }])).toBe('name=eq.""');
    expect(text([{ column: 'name', op: 'in', value: ['(a)', 'b c'] }])).toBe('name=in.("(a)",b c)');
    expect(text([{ column: 'name', op: 'eq', value: 'a.b' }])).toBe('name=eq.a.b');
  });

  it('canonicalises: conditions ordered, duplicates and repeated in-values dropped', () => {
    const a = text([
      { column: 'z', op: 'gt', value: 1 },
      { column: 'a', op: 'in', value: ['y', 'x', 'y'] },
      { column: 'z', op: 'gt', value: 1 },
    ]);
    const b = text([
      { column: 'a', op: 'in', value: ['x', 'y'] },
      { column: 'z', op: 'gt', value: '1' },
    ]);
    expect(a).toBe('a=in.(x,y),z=gt.1');
    expect(b).toBe(a);
  });

  it('refuses bad columns, operators and values with a UsageError naming the column', () => {
    expect(() => canonicalFilter([{ column: 'a=b', op: 'eq', value: 1 }])).toThrow(/"a=b".*plain identifier/);
    expect(() => canonicalFilter([{ column: 'a', op: 'like' as 'eq', value: 1 }])).toThrow(/"like"/);
    expect(() => canonicalFilter([{ column: 'a', op: 'in', value: [] }])).toThrow(/non-empty/);
    expect(() => canonicalFilter([{ column: 'a', op: 'eq', value: null as unknown as string }])).toThrow(/null/);
    expect(() => canonicalFilter([{ column: 'a', op: 'in', value: Array.from({ length: 101 }, (_, i) => i) }])).toThrow(/at most 100/);
  });

  it('parses its own output back (round trip), including quoted values', () => {
    const filter = canonicalFilter([
      { column: 'name', op: 'in', value: ['a,b', 'say "hi"', 'x'] },
      { column: 'id', op: 'gte', value: 10 },
      { column: 'title', op: 'eq', value: 'p(q)' },
    ]);
    const parsed = parseFilterText(filterText(filter)!);
    expect(parsed && filterText(parsed)).toBe(filterText(filter));
  });

  it('does not parse what it does not understand', () => {
    expect(parseFilterText('id=like.a*')).toBeUndefined();
    expect(parseFilterText('id=in.1,2')).toBeUndefined();
    expect(parseFilterText('id=eq."open')).toBeUndefined();
    expect(parseFilterText('id=eq.1,,b=eq.2')).toBeUndefined();
    expect(parseFilterText('')).toEqual([]);
  });
});

describe('client-side evaluation (rows updated out of a filter)', () => {
  it('follows SQL semantics per operator', () => {
    const row = { id: 5, name: 'b', done: false, at: '2026-01-02T00:00:00Z', missing: null };
    expect(rowMatches(row, [{ column: 'id', op: 'eq', value: 5 }])).toBe(true);
    expect(rowMatches(row, [{ column: 'id', op: 'eq', value: '5' }])).toBe(true);
    expect(rowMatches(row, [{ column: 'id', op: 'neq', value: 5 }])).toBe(false);
    expect(rowMatches(row, [{ column: 'id', op: 'lt', value: 10 }])).toBe(true);
    expect(rowMatches(row, [{ column: 'id', op: 'lte', value: 5 }])).toBe(true);
    expect(rowMatches(row, [{ column: 'id', op: 'gt', value: 5 }])).toBe(false);
    expect(rowMatches(row, [{ column: 'id', op: 'gte', value: 5 }])).toBe(true);
    expect(rowMatches(row, [{ column: 'id', op: 'in', value: [1, 5] }])).toBe(true);
    expect(rowMatches(row, [{ column: 'name', op: 'gt', value: 'a' }])).toBe(true);
    expect(rowMatches(row, [{ column: 'done', op: 'eq', value: false }])).toBe(true);
    expect(rowMatches(row, [{ column: 'done', op: 'eq', value: 'f' }])).toBe(true);
    expect(rowMatches(row, [{ column: 'at', op: 'gt', value: '2026-01-01 23:00:00+00' }])).toBe(true);
    expect(rowMatches(row, [{ column: 'missing', op: 'neq', value: 1 }])).toBe(false);
    expect(rowMatches(row, [{ column: 'id', op: 'gt', value: 1 }, { column: 'id', op: 'lt', value: 3 }])).toBe(false);
    expect(rowMatches(row, [])).toBe(true);
  });

  it('compares numeric text against a number numerically', () => {
    expect(rowMatches({ n: '10' }, [{ column: 'n', op: 'gt', value: 9 }])).toBe(true);
  });
});
