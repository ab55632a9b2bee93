// The framework-free observers every binding materializes, with hand-driven stores (no framework).
import { expect, test } from 'vitest';
import { createLiveQueryObserver, placeholderRows, SelectObserver, shallow } from '../../src/index.js';
import type { LivebindClient, LiveRows, LiveStatus, Store } from '../../src/types.js';

interface Row {
  readonly id: number;
}

function fakeClient() {
  const sources = new Map<string, { snapshot: LiveRows<Row>; listeners: Set<() => void> }>();
  const source = (key: string) => {
    let s = sources.get(key);
    if (s === undefined) sources.set(key, (s = { snapshot: placeholderRows<Row>([], 'id'), listeners: new Set() }));
    return s;
  };
  const keyOf = (sql: string, options?: { params?: readonly unknown[] }) => `${sql}|${JSON.stringify(options?.params ?? [])}`;
  const client = {
    liveRows: (sql: string, options?: { params?: readonly unknown[] }) => {
      const s = source(keyOf(sql, options));
      return { getSnapshot: () => s.snapshot, subscribe: (l: () => void) => (s.listeners.add(l), l(), () => void s.listeners.delete(l)) };
    },
  } as unknown as Pick<LivebindClient, 'liveRows'>;
  return {
    client,
    listeners: (sql: string, params: unknown[]) => source(keyOf(sql, { params })).listeners.size,
    emit(sql: string, params: unknown[], status: LiveStatus, rows: Row[]) {
      const s = source(keyOf(sql, params.length ? { params } : undefined));
      s.snapshot = { ...placeholderRows(rows, 'id'), rows, status };
      for (const l of [...s.listeners]) l();
    },
  };
}

test('one result object per revision; equal params by value are a no-op; a change switches subscriptions', () => {
  const f = fakeClient();
  const o = createLiveQueryObserver<Row>({ client: f.client, sql: 'q', params: [1] });
  let notified = 0;
  const un = o.subscribe(() => notified++);
  const loading = o.getSnapshot();
  expect(o.getSnapshot()).toBe(loading);
  f.emit('q', [1], 'ready', [{ id: 1 }]);
  expect(notified).toBe(1);
  const ready = o.getSnapshot();
  expect(ready.rows).toEqual([{ id: 1 }]);
  o.setOptions({ client: f.client, sql: 'q', params: [1] });
  expect([notified, o.getSnapshot()]).toEqual([1, ready]);
  o.setOptions({ client: f.client, sql: 'q', params: [2] });
  expect([f.listeners('q', [1]), f.listeners('q', [2])]).toEqual([0, 1]);
  expect(o.getSnapshot().status).toBe('loading');
  un();
  expect(f.listeners('q', [2])).toBe(0);
});

test('keepPrevious shows the last settled rows as a placeholder while new params load', () => {
  const f = fakeClient();
  const input = (p: number) => ({ client: f.client, sql: 'q', params: [p], options: { keepPrevious: true } });
  const o = createLiveQueryObserver<Row>(input(1));
  const un = o.subscribe(() => {});
  f.emit('q', [1], 'ready', [{ id: 1 }]);
  // Optimistic (render-time) result for new params, before they are committed:
  expect(o.getOptimisticResult(input(2))).toMatchObject({ isPlaceholder: true, status: 'loading', rows: [{ id: 1 }] });
  o.setOptions(input(2));
  expect(o.getSnapshot()).toMatchObject({ isPlaceholder: true, status: 'loading', rows: [{ id: 1 }], error: undefined });
  f.emit('q', [2], 'ready', [{ id: 2 }]);
  expect(o.getSnapshot()).toMatchObject({ isPlaceholder: false, status: 'ready', rows: [{ id: 2 }] });
  un();
});

test('initialData until the first ready snapshot; the server snapshot is stable', () => {
  const f = fakeClient();
  const o = createLiveQueryObserver<Row>({ client: f.client, sql: 'q', options: { initialData: [{ id: 9 }] } });
  expect(o.getServerSnapshot()).toBe(o.getServerSnapshot());
  expect(o.getServerSnapshot()).toMatchObject({ isPlaceholder: true, rows: [{ id: 9 }] });
  const un = o.subscribe(() => {});
  expect(o.getSnapshot()).toMatchObject({ isPlaceholder: true, rows: [{ id: 9 }] });
  f.emit('q', [], 'ready', []);
  expect(o.getSnapshot()).toMatchObject({ isPlaceholder: false, rows: [] });
  o.dispose();
  un();
});

test('SelectObserver: listeners hear only about selections that changed (isEqual)', () => {
  let value = { names: ['a'], n: 0 };
  const listeners = new Set<() => void>();
  const source: Store<typeof value> = { getSnapshot: () => value, subscribe: (l) => (listeners.add(l), () => void listeners.delete(l)) };
  const set = (v: typeof value) => ((value = v), listeners.forEach((l) => l()));
  const o = new SelectObserver({ source, selector: (v: typeof value) => v.names.slice(), isEqual: shallow });
  let notified = 0;
  o.subscribe(() => notified++);
  const first = o.getSnapshot();
  set({ names: ['a'], n: 1 });
  expect([notified, o.getSnapshot()]).toEqual([0, first]);
  set({ names: ['a', 'b'], n: 2 });
  expect([notified, o.getSnapshot()]).toEqual([1, ['a', 'b']]);
  // A new inline selector of the same meaning keeps the selection.
  const before = o.getSnapshot();
  o.setOptions({ source, selector: (v: typeof value) => v.names.slice(), isEqual: shallow });
  expect(o.getSnapshot()).toBe(before);
  o.dispose();
});
