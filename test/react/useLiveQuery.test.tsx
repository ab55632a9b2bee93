// useLiveQuery against the real dev server and the real client (no mocks).
import { render, screen, waitFor } from '@testing-library/react';
import { StrictMode, type ReactNode } from 'react';
import { expect, test } from 'vitest';
import { LiveProvider, useLiveQuery, type LiveQueryResult, type UseLiveQueryOptions } from '../../react/index.js';
import type { LivebindClient } from '../../src/types.js';
import { createItemsTable, insertItems, perFileLiveServer, type Item, type LiveTestServer } from './liveTestServer.js';

let server: LiveTestServer;
let client: LivebindClient;
perFileLiveServer((s, c) => {
  server = s;
  client = c;
});

const text = (testId = 'items') => screen.getByTestId(testId).textContent;

interface ItemsProps extends UseLiveQueryOptions<Item> {
  readonly table: string;
  readonly grp: number;
  readonly onResult?: (result: LiveQueryResult<Item>) => void;
}

function Items({ table, grp, onResult, ...options }: ItemsProps): ReactNode {
  // A new params array literal on every render, on purpose.
  const result = useLiveQuery<Item>(`SELECT id, grp, label FROM ${table} WHERE grp = $1`, [grp], { orderBy: 'id', ...options });
  onResult?.(result);
  return (
    <ul data-testid="items" data-status={result.status}>
      {result.rows.map((r) => `${r.id}:${r.label}`).join(',')}
    </ul>
  );
}

const withClient = (node: ReactNode) => <LiveProvider client={client}>{node}</LiveProvider>;

test('initial rows, then live insert, update and delete', async () => {
  const table = await createItemsTable(client, 'crud');
  await insertItems(client, table, [
    { id: 2, grp: 1, label: 'two' },
    { id: 1, grp: 1, label: 'one' },
    { id: 3, grp: 2, label: 'other group' },
  ]);
  render(withClient(<Items table={table} grp={1} />));
  expect(screen.getByTestId('items').dataset.status).toBe('loading');
  await waitFor(() => expect(text()).toBe('1:one,2:two'));
  expect(screen.getByTestId('items').dataset.status).toBe('ready');

  await insertItems(client, table, [{ id: 4, grp: 1, label: 'four' }]);
  await waitFor(() => expect(text()).toBe('1:one,2:two,4:four'));
  await client.execute(`UPDATE ${table} SET label = $1 WHERE id = $2`, ['TWO', 2]);
  await waitFor(() => expect(text()).toBe('1:one,2:TWO,4:four'));
  await client.execute(`DELETE FROM ${table} WHERE id = $1`, [1]);
  await waitFor(() => expect(text()).toBe('2:TWO,4:four'));
});

test('params change: exactly one new server subscription, the old one released; equal params never resubscribe', async () => {
  const table = await createItemsTable(client, 'params');
  await insertItems(client, table, [
    { id: 1, grp: 1, label: 'a' },
    { id: 2, grp: 2, label: 'b' },
  ]);
  const results: LiveQueryResult<Item>[] = [];
  const onResult = (r: LiveQueryResult<Item>) => void results.push(r);
  const started = server.subscriptionsStarted();
  const { rerender } = render(withClient(<Items table={table} grp={1} onResult={onResult} />));
  await waitFor(() => expect(text()).toBe('1:a'));
  expect(server.subscriptionCount()).toBe(1);
  expect(server.subscriptionsStarted() - started).toBe(1);

  // Re-render with equal params (a new array literal): same result object, no new subscription.
  const before = results.at(-1);
  rerender(withClient(<Items table={table} grp={1} onResult={onResult} />));
  expect(results.at(-1)).toBe(before);
  expect(server.subscriptionCount()).toBe(1);
  expect(server.subscriptionsStarted() - started).toBe(1);

  rerender(withClient(<Items table={table} grp={2} onResult={onResult} />));
  await waitFor(() => expect(text()).toBe('2:b'));
  // The old subscription is released (after the client's grace period), the new one stays.
  await waitFor(() => expect(server.subscriptionCount()).toBe(1));
  // Exactly one new server subscription for the new params (cumulative count: 1 + 1).
  expect(server.subscriptionsStarted() - started).toBe(2);

  // Still live on the new params, and the old group no longer reaches this component.
  await insertItems(client, table, [
    { id: 3, grp: 1, label: 'old group' },
    { id: 4, grp: 2, label: 'c' },
  ]);
  await waitFor(() => expect(text()).toBe('2:b,4:c'));
});

test('keepPrevious shows the previous rows (status loading) instead of an empty list while new params load', async () => {
  const table = await createItemsTable(client, 'keep');
  await insertItems(client, table, [
    { id: 1, grp: 1, label: 'a' },
    { id: 2, grp: 2, label: 'b' },
    { id: 3, grp: 3, label: 'c' },
  ]);
  const seen: { status: string; rows: string; placeholder: boolean }[] = [];
  const onResult = (r: LiveQueryResult<Item>) =>
    seen.push({ status: r.status, rows: r.rows.map((x) => x.id).join(','), placeholder: r.isPlaceholder });

  const { rerender } = render(withClient(<Items table={table} grp={1} keepPrevious onResult={onResult} />));
  await waitFor(() => expect(text()).toBe('1:a'));
  seen.length = 0;
  rerender(withClient(<Items table={table} grp={2} keepPrevious onResult={onResult} />));
  await waitFor(() => expect(text()).toBe('2:b'));
  expect(seen.some((s) => s.rows === '')).toBe(false);
  expect(seen).toContainEqual({ status: 'loading', rows: '1', placeholder: true });
  expect(seen.at(-1)).toEqual({ status: 'ready', rows: '2', placeholder: false });

  // Without keepPrevious the same switch does render an empty loading list (what keepPrevious prevents).
  seen.length = 0;
  rerender(withClient(<Items table={table} grp={3} onResult={onResult} />));
  await waitFor(() => expect(text()).toBe('3:c'));
  expect(seen).toContainEqual({ status: 'loading', rows: '', placeholder: false });
});

test('unmount releases the server subscription after the grace period; a quick remount reuses it', async () => {
  const table = await createItemsTable(client, 'unmount');
  await insertItems(client, table, [{ id: 1, grp: 1, label: 'a' }]);
  // A long grace period makes the "remount within the grace period" step deterministic.
  const slowRelease = server.client({ releaseGraceMs: 60_000 });
  const first = render(<Items table={table} grp={1} client={slowRelease} />);
  await waitFor(() => expect(text()).toBe('1:a'));
  expect(server.subscriptionCount()).toBe(1);
  first.unmount();
  const second = render(<Items table={table} grp={1} client={slowRelease} />);
  // Ready at once from the kept subscription: no loading state, no second server subscription.
  expect(screen.getByTestId('items').dataset.status).toBe('ready');
  expect(text()).toBe('1:a');
  expect(server.subscriptionCount()).toBe(1);
  second.unmount();
  await slowRelease.close();
  await waitFor(() => expect(server.subscriptionCount()).toBe(0));

  // Default grace period (client option releaseGraceMs): released shortly after unmount.
  const third = render(withClient(<Items table={table} grp={1} />));
  await waitFor(() => expect(text()).toBe('1:a'));
  expect(server.subscriptionCount()).toBe(1);
  third.unmount();
  await waitFor(() => expect(server.subscriptionCount()).toBe(0));
});

test('StrictMode (double mount, double render) creates no second server subscription', async () => {
  const table = await createItemsTable(client, 'strict');
  await insertItems(client, table, [{ id: 1, grp: 1, label: 'a' }]);
  const started = server.subscriptionsStarted();
  render(
    <StrictMode>
      {withClient(<Items table={table} grp={1} />)}
    </StrictMode>,
  );
  await waitFor(() => expect(text()).toBe('1:a'));
  // One more round trip through the socket: any extra subscription would have arrived by now.
  await insertItems(client, table, [{ id: 2, grp: 1, label: 'b' }]);
  await waitFor(() => expect(text()).toBe('1:a,2:b'));
  expect(server.subscriptionCount()).toBe(1);
  // Cumulative: a subscribe, release and subscribe again would count 2 here.
  expect(server.subscriptionsStarted() - started).toBe(1);
});

test('two components with the same query share one server subscription', async () => {
  const table = await createItemsTable(client, 'shared');
  await insertItems(client, table, [{ id: 1, grp: 1, label: 'a' }]);
  function Twice(): ReactNode {
    const a = useLiveQuery<Item>(`SELECT id, grp, label FROM ${table} WHERE grp = $1`, [1], { orderBy: 'id' });
    const b = useLiveQuery<Item>(`SELECT id, grp, label FROM ${table} WHERE grp = $1`, [1], { orderBy: 'id' });
    return <p data-testid="items">{a.rows.length === 1 && a.rows[0] === b.rows[0] ? 'same' : 'waiting'}</p>;
  }
  render(withClient(<Twice />));
  await waitFor(() => expect(text()).toBe('same'));
  expect(server.subscriptionCount()).toBe(1);
});

test('a live error (bad SQL) comes back as status error with a LivebindError', async () => {
  let last: LiveQueryResult<Item> | undefined;
  function Bad(): ReactNode {
    last = useLiveQuery<Item>('SELECT * FROM react.no_such_table_here');
    return <p data-testid="items">{last.status}</p>;
  }
  render(withClient(<Bad />));
  await waitFor(() => expect(text()).toBe('error'));
  expect(last?.error?.kind).toBeDefined();
  expect(last?.error?.message).toMatch(/no_such_table_here|not found|does not exist/i);
  expect(last?.isLoading).toBe(false);
});

test('without a provider or client option the hook throws a UsageError that says what to do', () => {
  function Orphan(): ReactNode {
    useLiveQuery('SELECT * FROM react.x');
    return null;
  }
  const spy = silenceConsoleError();
  try {
    expect(() => render(<Orphan />)).toThrow(/LiveProvider.*client/);
  } finally {
    spy.restore();
  }
});

function silenceConsoleError(): { restore(): void } {
  const original = console.error;
  console.error = () => {};
  return { restore: () => void (console.error = original) };
}


test('key, orderBy and limit reach the core: byKey is keyed by the `key` column, rows are the top `limit`', async () => {
  const table = await createItemsTable(client, 'opts');
  await insertItems(client, table, [
    { id: 1, grp: 1, label: 'c' },
    { id: 2, grp: 1, label: 'a' },
    { id: 3, grp: 1, label: 'b' },
  ]);
  let last: LiveQueryResult<Item> | undefined;
  function Top(): ReactNode {
    last = useLiveQuery<Item>(`SELECT id, grp, label FROM ${table} WHERE grp = $1`, [1], {
      key: 'label',
      orderBy: 'label',
      limit: 2,
    });
    return <p data-testid="items">{last.rows.map((r) => r.label).join(',')}</p>;
  }
  render(withClient(<Top />));
  await waitFor(() => expect(text()).toBe('a,b'));
  expect([...last!.byKey.keys()]).toEqual(['a', 'b']);
  expect(last!.byKey.get('b')).toBe(last!.rows[1]);
  expect(last!.isLoading).toBe(false);

  // A row that sorts first pushes the last one out of the window.
  await insertItems(client, table, [{ id: 4, grp: 1, label: '0' }]);
  await waitFor(() => expect(text()).toBe('0,a'));
  expect(last!.byKey.has('b')).toBe(false);
});
