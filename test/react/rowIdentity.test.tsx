// Stable identity through the real pipeline: 10,000 memoized rows, one row update re-renders only
// that row; a change outside the query re-renders nothing.
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { memo, Profiler, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { LiveProvider, useLiveQuery } from '../../react/index.js';
import type { LivebindClient } from '../../src/types.js';
import { createItemsTable, insertItems, startLiveTestServer, type Item, type LiveTestServer } from './liveTestServer.js';

const N = 10_000;
let server: LiveTestServer;
let client: LivebindClient;
let table: string;

beforeAll(async () => {
  server = await startLiveTestServer();
  client = server.client();
  table = await createItemsTable(client, 'identity');
  for (let start = 1; start <= N; start += 1000) {
    const batch = Array.from({ length: 1000 }, (_, i) => ({ id: start + i, grp: 1, label: `row ${start + i}` }));
    await insertItems(client, table, batch);
  }
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => cleanup());

test('a one-row update re-renders only that row; an unrelated change re-renders nothing', async () => {
  const rowRenders = new Map<number, number>();
  let listRenders = 0;
  let listCommits = 0;
  const Row = memo(function Row({ item }: { item: Item }) {
    rowRenders.set(item.id, (rowRenders.get(item.id) ?? 0) + 1);
    return <li data-id={item.id}>{item.label}</li>;
  });
  function List(): ReactNode {
    listRenders += 1;
    const { rows, status } = useLiveQuery<Item>(`SELECT id, grp, label FROM ${table} WHERE grp = $1`, [1], { orderBy: 'id' });
    return (
      <ul data-testid="list" data-status={status} data-size={rows.length}>
        {rows.map((r) => (
          <Row key={r.id} item={r} />
        ))}
      </ul>
    );
  }
  // A sibling (not a parent) watching the rows the list does not select: it tells us when an
  // unrelated change has gone through the socket.
  function Sentinel(): ReactNode {
    const { rows } = useLiveQuery<Item>(`SELECT id, grp, label FROM ${table} WHERE grp = $1`, [2]);
    return <p data-testid="sentinel">{rows.map((r) => r.label).join(',')}</p>;
  }
  render(
    <LiveProvider client={client}>
      <Profiler id="list" onRender={() => void (listCommits += 1)}>
        <List />
      </Profiler>
      <Sentinel />
    </LiveProvider>,
  );
  await waitFor(
    () => {
      const list = screen.getByTestId('list');
      expect(list.dataset.status).toBe('ready');
      expect(list.dataset.size).toBe(String(N));
    },
    { timeout: 30_000 },
  );
  expect(rowRenders.size).toBe(N);

  // One row changes: only that row component renders again.
  rowRenders.clear();
  listRenders = 0;
  listCommits = 0;
  await client.execute(`UPDATE ${table} SET label = $1 WHERE id = $2`, ['changed', 5000]);
  const row5000 = () => screen.getByTestId('list').querySelector('li[data-id="5000"]')?.textContent;
  await waitFor(() => expect(row5000()).toBe('changed'));
  expect([...rowRenders]).toEqual([[5000, 1]]);
  expect(listRenders).toBe(1);
  expect(listCommits).toBe(1);

  // A row outside the list's WHERE: the list does not render or commit at all.
  rowRenders.clear();
  listRenders = 0;
  listCommits = 0;
  await insertItems(client, table, [{ id: N + 1, grp: 2, label: 'elsewhere' }]);
  await waitFor(() => expect(screen.getByTestId('sentinel').textContent).toBe('elsewhere'));
  // One more change through the same socket after it, so any event for the list has been handled.
  await client.execute(`UPDATE ${table} SET label = $1 WHERE id = $2`, ['elsewhere again', N + 1]);
  await waitFor(() => expect(screen.getByTestId('sentinel').textContent).toBe('elsewhere again'));
  expect(listRenders).toBe(0);
  expect(listCommits).toBe(0);
  expect(rowRenders.size).toBe(0);
});
