// useSuspenseLiveQuery, throwOnError and error boundaries against the real dev server.
import { render, screen, waitFor } from '@testing-library/react';
import { Suspense, type ReactNode } from 'react';
import { expect, test } from 'vitest';
import { LiveProvider, useLiveQuery, useSuspenseLiveQuery } from '../../react/index.js';
import type { LivebindClient } from '../../src/types.js';
import { ErrorBoundary, silenceConsoleError } from './ErrorBoundary.js';
import { createItemsTable, insertItems, perFileLiveServer, type Item, type LiveTestServer } from './liveTestServer.js';

let server: LiveTestServer;
let client: LivebindClient;
perFileLiveServer((s, c) => {
  server = s;
  client = c;
});

function SuspenseItems({ table, grp, onRender }: { table: string; grp: number; onRender?: (status: string) => void }): ReactNode {
  const { rows, status } = useSuspenseLiveQuery<Item>(`SELECT id, grp, label FROM ${table} WHERE grp = $1`, [grp], { orderBy: 'id' });
  onRender?.(status);
  return <ul data-testid="items">{rows.map((r) => `${r.id}:${r.label}`).join(',')}</ul>;
}

function Shell({ children }: { children: ReactNode }): ReactNode {
  return (
    <LiveProvider client={client}>
      <ErrorBoundary>
        <Suspense fallback={<p data-testid="fallback">loading</p>}>{children}</Suspense>
      </ErrorBoundary>
    </LiveProvider>
  );
}

test('useSuspenseLiveQuery shows the fallback until the first ready snapshot, then stays live', async () => {
  const table = await createItemsTable(client, 'suspense');
  await insertItems(client, table, [
    { id: 1, grp: 1, label: 'a' },
    { id: 2, grp: 1, label: 'b' },
  ]);
  const statuses: string[] = [];
  const { unmount } = render(
    <Shell>
      <SuspenseItems table={table} grp={1} onRender={(s) => statuses.push(s)} />
    </Shell>,
  );
  expect(screen.getByTestId('fallback').textContent).toBe('loading');
  await waitFor(() => expect(screen.getByTestId('items').textContent).toBe('1:a,2:b'));
  // It never rendered rows before they were ready.
  expect(statuses.every((s) => s === 'ready')).toBe(true);
  // The pending load's subscription was handed over: one server subscription, not two.
  expect(server.subscriptionCount()).toBe(1);

  await insertItems(client, table, [{ id: 3, grp: 1, label: 'c' }]);
  await waitFor(() => expect(screen.getByTestId('items').textContent).toBe('1:a,2:b,3:c'));
  expect(server.subscriptionCount()).toBe(1);

  // The suspense hold ended when the component committed: unmounting releases the subscription
  // after the client's short grace period (the provider's 30 s abandon timer is not involved).
  unmount();
  await waitFor(() => expect(server.subscriptionCount()).toBe(0));
});

test('two suspending components in one boundary both resolve', async () => {
  const table = await createItemsTable(client, 'suspense2');
  await insertItems(client, table, [
    { id: 1, grp: 1, label: 'a' },
    { id: 2, grp: 2, label: 'b' },
  ]);
  render(
    <Shell>
      <div data-testid="both">
        <SuspenseItems table={table} grp={1} />
        <SuspenseItems table={table} grp={2} />
      </div>
    </Shell>,
  );
  await waitFor(() => expect(screen.getByTestId('both').textContent).toBe('1:a2:b'));
  expect(server.subscriptionCount()).toBe(2);
});

test('without a provider the suspense hold lets go after suspenseHoldMs: unmounting releases the subscription', async () => {
  const table = await createItemsTable(client, 'suspense_noprov');
  await insertItems(client, table, [{ id: 1, grp: 1, label: 'a' }]);
  function NoProvider(): ReactNode {
    const { rows } = useSuspenseLiveQuery<Item>(`SELECT id, grp, label FROM ${table} WHERE grp = $1`, [1], { client, suspenseHoldMs: 50 });
    return <ul data-testid="items">{rows.map((r) => `${r.id}:${r.label}`).join(',')}</ul>;
  }
  const { unmount } = render(
    <Suspense fallback={<p data-testid="fallback">loading</p>}>
      <NoProvider />
    </Suspense>,
  );
  await waitFor(() => expect(screen.getByTestId('items').textContent).toBe('1:a'));
  unmount();
  await waitFor(() => expect(server.subscriptionCount()).toBe(0), { timeout: 2000 });
});

test('bad SQL in useSuspenseLiveQuery reaches the nearest error boundary as a LivebindError', async () => {
  const spy = silenceConsoleError();
  try {
    render(
      <Shell>
        <SuspenseItems table="react.missing_table_xyz" grp={1} />
      </Shell>,
    );
    await waitFor(() => expect(screen.getByTestId('boundary').textContent).toMatch(/missing_table_xyz|not found|does not exist/i));
    expect(screen.getByTestId('boundary').textContent).toMatch(/^\w*Error\/(subscription|query):/);
  } finally {
    spy.restore();
  }
});

test('useLiveQuery with throwOnError sends a live error to the error boundary', async () => {
  function Throwing(): ReactNode {
    const { rows } = useLiveQuery<Item>('SELECT id FROM react.also_missing_xyz', [], { throwOnError: true });
    return <p>{rows.length}</p>;
  }
  const spy = silenceConsoleError();
  try {
    render(
      <Shell>
        <Throwing />
      </Shell>,
    );
    await waitFor(() => expect(screen.getByTestId('boundary').textContent).toMatch(/also_missing_xyz|not found|does not exist/i));
  } finally {
    spy.restore();
  }
});
