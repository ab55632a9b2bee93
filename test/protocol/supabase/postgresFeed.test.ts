// liveRows/changes over postgres_changes against a simulated project (fake socket, fake REST, fake timers).
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedSpec } from '../../../src/protocol/driver.js';
import { rowMatches } from '../../../src/protocol/supabase/evaluateFilter.js';
import type { RowFilter } from '../../../src/protocol/supabase/postgresFilter.js';
import { flush } from './fakePhoenix.js';
import { FakeProject, RowModel } from './feedHarness.js';

function spec(sql: string, load = true): FeedSpec {
  return { text: sql, params: [], sql, load, key: undefined, batchSize: 2, lastRows: undefined };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('liveRows over postgres_changes', () => {
  it('joins first, buffers changes during the /rest/v1 load, then hands over one converged batch', async () => {
    const p = new FakeProject();
    p.table.set(1, { id: 1, v: 1 });
    p.table.set(2, { id: 2, v: 2 });
    p.table.set(3, { id: 3, v: 3 });
    p.conn.open();
    const sink = new RowModel();
    p.driver.liveFeed(spec('SELECT * FROM items'), sink);
    await flush();
    const join = p.conn.link!.last('phx_join')!;
    expect((join[4]['config'] as { postgres_changes: unknown }).postgres_changes).toEqual([{ event: '*', schema: 'public', table: 'items' }]);
    expect(p.reads).toHaveLength(1); // the load starts only after "Subscribed to PostgreSQL"
    p.write('update', 1, 10); // lands after the first page was read
    p.write('insert', 9, 9);
    p.deliverAll(); // buffered
    p.answerRead(); // page 1 (ids 1, 2) as of before the writes
    await flush();
    expect(p.reads).toHaveLength(1); // keyset page 2: id > 2
    p.answerRead(); // page 2 (3, 9)
    await flush();
    expect(p.reads).toHaveLength(1); // a full page: one more read, empty
    p.answerRead();
    await flush();
    expect(sink.log).toEqual(['columns initial', 'page initial 4 last']);
    expect(sink.sorted()).toEqual([{ id: 1, v: 10 }, { id: 2, v: 2 }, { id: 3, v: 3 }, { id: 9, v: 9 }]);
    p.write('delete', 2, 0);
    p.deliverAll();
    expect(sink.log.at(-1)).toBe('delete 2');
    expect(sink.sorted()).toEqual([...p.table.values()].sort((a, b) => a.id - b.id));
  });

  it('filters: INSERT filtered, UPDATE/DELETE unfiltered; rows updated out of the filter are deleted', async () => {
    const p = new FakeProject();
    p.table.set(1, { id: 1, v: 5 });
    p.table.set(2, { id: 2, v: 50 });
    p.conn.open();
    const sink = new RowModel();
    p.driver.liveFeed(spec('SELECT * FROM public.items WHERE v < 10'), sink);
    await flush();
    const bindings = (p.conn.link!.last('phx_join')![4]['config'] as { postgres_changes: unknown }).postgres_changes;
    expect(bindings).toEqual([
      { event: 'INSERT', schema: 'public', table: 'items', filter: 'v=lt.10' },
      { event: 'UPDATE', schema: 'public', table: 'items' },
      { event: 'DELETE', schema: 'public', table: 'items' },
    ]);
    p.answerRead();
    await flush();
    expect(sink.sorted()).toEqual([{ id: 1, v: 5 }]);
    p.write('update', 1, 20); // moves out
    p.write('update', 2, 3); // moves in
    p.write('delete', 2, 0);
    p.write('insert', 7, 70); // not ours: the filtered INSERT binding does not fire
    p.deliverAll();
    expect(sink.log.slice(-3)).toEqual(['delete 1', 'insert 2', 'delete 2']);
    expect(sink.sorted()).toEqual([]);
  });

  it('after a reconnect it rejoins, reloads and replaces the rows; nothing lost while away', async () => {
    const p = new FakeProject();
    p.table.set(1, { id: 1, v: 1 });
    p.conn.open();
    const sink = new RowModel();
    p.driver.liveFeed(spec('SELECT * FROM items'), sink);
    await flush();
    p.answerRead();
    await flush();
    p.drop();
    expect(sink.log.at(-1)).toBe('reconnecting');
    p.write('insert', 2, 2); // while away: no event reaches us
    p.write('delete', 1, 0);
    p.conn.open();
    await flush();
    p.answerRead();
    await flush();
    expect(sink.log.slice(-2)).toEqual(['columns reload', 'page reload 1 last']);
    expect(sink.sorted()).toEqual([{ id: 2, v: 2 }]);
  });

  it('waits for the CDC confirmation; without it, rejoins after the timeout', async () => {
    const p = new FakeProject({ readyTimeoutMs: 1000, rejoinDelaysMs: [500] });
    p.autoConfirm = false;
    p.conn.open();
    const sink = new RowModel();
    p.driver.liveFeed(spec('SELECT * FROM items'), sink);
    await flush();
    expect(p.reads).toHaveLength(0);
    vi.advanceTimersByTime(1000);
    expect(sink.log).toEqual(['reconnecting']);
    vi.advanceTimersByTime(500);
    await flush();
    expect(p.conn.link!.messages.filter((m) => m[3] === 'phx_join')).toHaveLength(2);
    expect(p.conn.link!.messages.filter((m) => m[3] === 'phx_leave')).toHaveLength(0);
  });

  it('names the binding the server did not confirm and ends the feed', async () => {
    const p = new FakeProject();
    p.conn.open();
    const sink = new RowModel();
    const origDeliver = p.conn.deliver.bind(p.conn);
    p.conn.deliver = (m) => origDeliver(Array.isArray(m) && m[3] === 'phx_reply' ? [m[0], m[1], m[2], 'phx_reply', { status: 'ok', response: { postgres_changes: [{ event: '*', schema: 'public', table: 'other', id: 1 }] } }] : m);
    p.driver.liveFeed(spec('SELECT * FROM items'), sink);
    await flush();
    expect(sink.error).toMatchObject({ code: 'BINDING_MISMATCH', message: expect.stringContaining('#0 (* on public.items)') });
  });

  it('changes(): live after the confirmation, no load', async () => {
    const p = new FakeProject();
    p.conn.open();
    const sink = new RowModel();
    p.driver.liveFeed(spec('SELECT * FROM items WHERE id IN (1, 2)', false), sink);
    await flush();
    expect(sink.log).toEqual(['ready']);
    expect(p.reads).toHaveLength(0);
    p.write('insert', 1, 1);
    p.write('insert', 3, 3);
    p.deliverAll();
    expect(sink.log).toEqual(['ready', 'insert 1']);
  });

  it('refuses SQL realtime cannot filter, saying what is supported', () => {
    const p = new FakeProject();
    expect(() => p.driver.liveFeed(spec('SELECT * FROM items WHERE a = 1 OR b = 2'), new RowModel())).toThrow(/"OR" is not supported/);
    expect(() => p.driver.liveFeed(spec('SELECT count(*) FROM items'), new RowModel())).toThrow(/UNSUPPORTED|not one/);
  });
});

describe('property: liveRows converges to the table under random writes and disconnects', () => {
  type Step =
    | { k: 'write'; kind: 'insert' | 'update' | 'delete'; id: number; v: number }
    | { k: 'deliver' }
    | { k: 'read' }
    | { k: 'drop' };
  const step = fc.oneof(
    { weight: 5, arbitrary: fc.record({ k: fc.constant('write' as const), kind: fc.constantFrom('insert' as const, 'update' as const, 'delete' as const), id: fc.integer({ min: 1, max: 8 }), v: fc.integer({ min: 0, max: 20 }) }) },
    { weight: 4, arbitrary: fc.constant({ k: 'deliver' as const }) },
    { weight: 2, arbitrary: fc.constant({ k: 'read' as const }) },
    { weight: 1, arbitrary: fc.constant({ k: 'drop' as const }) },
  );
  const filters: [string, RowFilter][] = [
    ['SELECT * FROM items', []],
    ['SELECT * FROM items WHERE v >= 10', [{ column: 'v', op: 'gte', value: 10 }]],
    ['SELECT * FROM items WHERE v IN (1, 2, 3, 15) AND id <> 4', [{ column: 'v', op: 'in', value: [1, 2, 3, 15] }, { column: 'id', op: 'neq', value: 4 }]],
  ];

  it.each(filters)('%s', async (sql, filter) => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const p = new FakeProject();
        for (let id = 1; id <= 4; id++) p.table.set(id, { id, v: id * 3 });
        p.conn.open();
        const sink = new RowModel();
        p.driver.liveFeed(spec(sql), sink);
        await flush();
        for (const s of steps) {
          if (s.k === 'write') p.write(s.kind, s.id, s.v);
          else if (s.k === 'deliver') p.deliverOne();
          else if (s.k === 'read') p.answerRead();
          else {
            p.drop();
            p.conn.open();
          }
          await flush();
        }
        // Heal: deliver everything, answer every read, until quiet.
        for (let i = 0; i < 50 && (p.outbox.length > 0 || p.reads.length > 0); i++) {
          p.deliverAll();
          p.answerRead();
          await flush();
        }
        const expected = [...p.table.values()].filter((r) => rowMatches(r, filter)).sort((a, b) => a.id - b.id);
        expect(sink.error).toBeUndefined();
        expect(sink.sorted()).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});
