// Server rendering (renderToString) and hydration (hydrateRoot) with the real client and dev server.
import { act, waitFor } from '@testing-library/react';
import { Suspense, type ReactNode } from 'react';
import { hydrateRoot, type Root } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { LiveProvider, useConnectionState, useLiveQuery, useSuspenseLiveQuery } from '../../react/index.js';
import type { LivebindClient } from '../../src/types.js';
import { silenceConsoleError } from './ErrorBoundary.js';
import { createItemsTable, insertItems, startLiveTestServer, type Item, type LiveTestServer } from './liveTestServer.js';

let server: LiveTestServer;
let client: LivebindClient;
let table: string;
const roots: Root[] = [];

beforeAll(async () => {
  server = await startLiveTestServer();
  client = server.client();
  table = await createItemsTable(client, 'ssr');
  await insertItems(client, table, [
    { id: 1, grp: 1, label: 'live one' },
    { id: 2, grp: 1, label: 'live two' },
  ]);
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => {
  act(() => roots.splice(0).forEach((r) => r.unmount()));
  document.body.innerHTML = '';
});

function Page({ initialData }: { initialData?: readonly Item[] }): ReactNode {
  const socket = useConnectionState();
  const { rows, status } = useLiveQuery<Item>(`SELECT id, grp, label FROM ${table} WHERE grp = $1`, [1], {
    orderBy: 'id',
    ...(initialData === undefined ? {} : { initialData }),
  });
  return (
    <main data-status={status} data-socket={socket.status}>
      <ul>
        {rows.map((r) => (
          <li key={r.id}>{r.label}</li>
        ))}
      </ul>
    </main>
  );
}

/** Hydrate server HTML and collect everything React reports about mismatches. */
async function hydrate(html: string, node: ReactNode): Promise<{ container: HTMLElement; problems: unknown[] }> {
  const container = document.createElement('div');
  container.innerHTML = html;
  document.body.appendChild(container);
  const problems: unknown[] = [];
  const spy = silenceConsoleError();
  try {
    await act(async () => {
      roots.push(hydrateRoot(container, node, { onRecoverableError: (error) => void problems.push(error) }));
    });
  } finally {
    spy.restore();
  }
  problems.push(...spy.calls);
  return { container, problems };
}

test('renderToString renders the loading state and opens no socket; hydration matches, then live rows arrive', async () => {
  const serverSideClient = server.client();
  const html = renderToString(
    <LiveProvider client={serverSideClient}>
      <Page />
    </LiveProvider>,
  );
  expect(html).toBe('<main data-status="loading" data-socket="idle"><ul></ul></main>');
  expect(serverSideClient.status$.getSnapshot().status).toBe('idle');
  expect(server.subscriptionCount()).toBe(0);

  const { container, problems } = await hydrate(
    html,
    <LiveProvider client={client}>
      <Page />
    </LiveProvider>,
  );
  expect(problems).toEqual([]);
  await waitFor(() => expect(container.textContent).toBe('live onelive two'));
  expect(container.querySelector('main')?.dataset.status).toBe('ready');
});

test('initialData is rendered by the server and by the hydration render, then replaced by live rows', async () => {
  const initialData: Item[] = [{ id: 1, grp: 1, label: 'from the server' }];
  const html = renderToString(
    <LiveProvider client={server.client()}>
      <Page initialData={initialData} />
    </LiveProvider>,
  );
  expect(html).toContain('<li>from the server</li>');
  expect(html).toContain('data-status="loading"');

  const { container, problems } = await hydrate(
    html,
    <LiveProvider client={client}>
      <Page initialData={initialData} />
    </LiveProvider>,
  );
  expect(problems).toEqual([]);
  await waitFor(() => expect(container.textContent).toBe('live onelive two'));
});

test('control: hydrating different markup IS reported (the checks above can fail)', async () => {
  const html = renderToString(
    <LiveProvider client={server.client()}>
      <Page initialData={[{ id: 9, grp: 1, label: 'only on the server' }]} />
    </LiveProvider>,
  );
  const { problems } = await hydrate(
    html,
    <LiveProvider client={client}>
      <Page />
    </LiveProvider>,
  );
  expect(problems.length).toBeGreaterThan(0);
});

function SuspenseList(): ReactNode {
  const { rows } = useSuspenseLiveQuery<Item>(`SELECT id, grp, label FROM ${table} WHERE grp = $1`, [1], { orderBy: 'id' });
  return <ul>{rows.map((r) => <li key={r.id}>{r.label}</li>)}</ul>;
}

const suspensePage = (c: LivebindClient): ReactNode => (
  <LiveProvider client={c}>
    <Suspense fallback={<p>loading rows</p>}>
      <SuspenseList />
    </Suspense>
  </LiveProvider>
);

test('useSuspenseLiveQuery: the server renders the fallback without a socket; the browser renders the rows', async () => {
  await waitFor(() => expect(server.subscriptionCount()).toBe(0)); // the previous test's roots are released
  const serverSideClient = server.client();
  const spy = silenceConsoleError();
  let html: string;
  try {
    html = renderToString(suspensePage(serverSideClient));
  } finally {
    spy.restore();
  }
  expect(html).toContain('loading rows');
  expect(html).not.toContain('live one');
  expect(serverSideClient.status$.getSnapshot().status).toBe('idle');
  expect(server.subscriptionCount()).toBe(0);

  const { container, problems } = await hydrate(html, suspensePage(client));
  await waitFor(() => expect(container.textContent).toBe('live onelive two'));
  // React reports the boundary it had to render in the browser (the server's CLIENT_ONLY opt-out); nothing else.
  for (const problem of problems) expect(String(problem)).toMatch(/client render|Switched to client rendering|CLIENT_ONLY|renders in the browser only/i);
  expect(serverSideClient.status$.getSnapshot().status).toBe('idle');
});
