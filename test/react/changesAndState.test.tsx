// useChanges and useConnectionState against the real dev server; useObservable over plain RxJS.
import { act, render, screen, waitFor } from '@testing-library/react';
import { StrictMode, useState, type ReactNode } from 'react';
import { renderToString } from 'react-dom/server';
import { Observable, Subject } from 'rxjs';
import { expect, test } from 'vitest';
import { LiveProvider, useChanges, useConnectionState, useLiveQuery, useObservable } from '../../react/index.js';
import type { ChangeEvent, ChangesOptions, LivebindClient } from '../../src/types.js';
import { ErrorBoundary, silenceConsoleError } from './ErrorBoundary.js';
import { createItemsTable, insertItems, perFileLiveServer, type Item, type LiveTestServer } from './liveTestServer.js';

let server: LiveTestServer;
let client: LivebindClient;
perFileLiveServer((s, c) => {
  server = s;
  client = c;
});

/** The real client, counting subscribe() calls on the observables its changes() returns. */
function countingChanges(base: LivebindClient): { client: LivebindClient; subscribes: () => number } {
  let subscribes = 0;
  const changes = <R,>(sql: string, options?: ChangesOptions) => {
    const observable = base.changes<R>(sql, options);
    return new Proxy(observable, {
      get(target, property, receiver) {
        if (property !== 'subscribe') return Reflect.get(target, property, receiver) as unknown;
        return (...args: Parameters<typeof target.subscribe>) => {
          subscribes++;
          return target.subscribe(...args);
        };
      },
    });
  };
  return { client: { ...base, changes }, subscribes: () => subscribes };
}

test('useChanges delivers live insert/update/delete to the latest callback without resubscribing', async () => {
  const table = await createItemsTable(client, 'changes');
  const counting = countingChanges(client);
  const startedOnServer = server.subscriptionsStarted();
  const received: string[] = [];
  let rerender: (tag: string) => void = () => {};
  function Watcher(): ReactNode {
    const [tag, setTag] = useState('first');
    rerender = setTag;
    // A new arrow function every render, closing over the current tag.
    useChanges<Item>(`SELECT id, grp, label FROM ${table} WHERE grp = $1`, (e: ChangeEvent<Item>) => {
      received.push(`${tag}:${e.type}:${e.row.id}:${e.row.label}`);
    }, { params: [1] });
    return <p data-testid="tag">{tag}</p>;
  }
  render(
    <StrictMode>
      <LiveProvider client={counting.client}>
        <Watcher />
      </LiveProvider>
    </StrictMode>,
  );
  await waitFor(() => expect(server.subscriptionCount()).toBe(1));
  const subscribesAfterMount = counting.subscribes(); // StrictMode runs the effect twice

  await insertItems(client, table, [{ id: 1, grp: 1, label: 'a' }]);
  await waitFor(() => expect(received).toEqual(['first:insert:1:a']));

  act(() => rerender('second'));
  expect(screen.getByTestId('tag').textContent).toBe('second');
  await client.execute(`UPDATE ${table} SET label = $1 WHERE id = $2`, ['b', 1]);
  await insertItems(client, table, [{ id: 2, grp: 2, label: 'not mine' }]);
  await client.execute(`DELETE FROM ${table} WHERE id = $1`, [1]);
  await waitFor(() => expect(received).toEqual(['first:insert:1:a', 'second:update:1:b', 'second:delete:1:b']));
  // A new callback per render never re-runs the effect; StrictMode's double effect made one server subscription.
  expect(counting.subscribes()).toBe(subscribesAfterMount);
  expect(server.subscriptionCount()).toBe(1);
  expect(server.subscriptionsStarted() - startedOnServer).toBe(1);
});

test('useChanges sends a stream error to the error boundary unless onError is given', async () => {
  const errors: unknown[] = [];
  function WithHandler(): ReactNode {
    useChanges('SELECT * FROM react.missing_changes_xyz', () => {}, { onError: (e) => void errors.push(e) });
    return <p data-testid="handled">mounted</p>;
  }
  function WithoutHandler(): ReactNode {
    useChanges('SELECT * FROM react.missing_changes_abc', () => {});
    return <p>mounted</p>;
  }
  const spy = silenceConsoleError();
  try {
    render(
      <LiveProvider client={client}>
        <WithHandler />
        <ErrorBoundary>
          <WithoutHandler />
        </ErrorBoundary>
      </LiveProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('boundary').textContent).toMatch(/missing_changes_abc|not found|does not exist/i));
    await waitFor(() => expect(errors).toHaveLength(1));
    expect(screen.getByTestId('handled').textContent).toBe('mounted');
  } finally {
    spy.restore();
  }
});

test('useConnectionState follows the shared socket: idle (lazy), open with a live query, closed after close()', async () => {
  const own = server.client();
  const table = await createItemsTable(client, 'state');
  function State({ live }: { live: boolean }): ReactNode {
    const { status } = useConnectionState();
    return (
      <>
        <p data-testid="socket">{status}</p>
        {live && <Live />}
      </>
    );
  }
  function Live(): ReactNode {
    const { status } = useLiveQuery(`SELECT id FROM ${table}`);
    return <p data-testid="live">{status}</p>;
  }
  const { rerender } = render(
    <LiveProvider client={own}>
      <State live={false} />
    </LiveProvider>,
  );
  expect(screen.getByTestId('socket').textContent).toBe('idle');
  rerender(
    <LiveProvider client={own}>
      <State live />
    </LiveProvider>,
  );
  await waitFor(() => expect(screen.getByTestId('live').textContent).toBe('ready'));
  expect(screen.getByTestId('socket').textContent).toBe('open');
  await act(() => own.close());
  await waitFor(() => expect(screen.getByTestId('socket').textContent).toBe('closed'));
});

test('useObservable: one subscription per observable under StrictMode, latest value, released on unmount', () => {
  const values = new Subject<number>();
  let active = 0;
  let subscribes = 0;
  const counted$ = new Observable<number>((subscriber) => {
    active += 1;
    subscribes += 1;
    const s = values.subscribe(subscriber);
    return () => {
      active -= 1;
      s.unsubscribe();
    };
  });
  function Value(): ReactNode {
    return <p data-testid="value">{useObservable(counted$, -1)}</p>;
  }
  const { unmount } = render(
    <StrictMode>
      <Value />
    </StrictMode>,
  );
  expect(screen.getByTestId('value').textContent).toBe('-1');
  expect(active).toBe(1);
  expect(subscribes).toBeLessThanOrEqual(2); // StrictMode's simulated unmount/remount may resubscribe once
  act(() => values.next(1));
  act(() => values.next(2));
  expect(screen.getByTestId('value').textContent).toBe('2');
  unmount();
  expect(active).toBe(0);
});

test('useObservable renders `initial` on the server and throws observable errors to the boundary', () => {
  const failing$ = new Subject<string>();
  function Value(): ReactNode {
    return <p data-testid="value">{useObservable(failing$, 'initial')}</p>;
  }
  expect(renderToString(<Value />)).toBe('<p data-testid="value">initial</p>');
  const spy = silenceConsoleError();
  try {
    render(
      <ErrorBoundary>
        <Value />
      </ErrorBoundary>,
    );
    act(() => failing$.next('one'));
    expect(screen.getByTestId('value').textContent).toBe('one');
    act(() => failing$.error(new Error('stream broke')));
    expect(screen.getByTestId('boundary').textContent).toContain('stream broke');
  } finally {
    spy.restore();
  }
});

test('useChanges and useConnectionState take a `client` option instead of a provider', async () => {
  const own = server.client();
  const table = await createItemsTable(client, 'noprovider');
  const received: string[] = [];
  function Bare(): ReactNode {
    const { status } = useConnectionState({ client: own });
    useChanges<Item>(`SELECT id, grp, label FROM ${table}`, (e) => void received.push(`${e.type}:${e.row.label}`), { client: own });
    return <p data-testid="socket">{status}</p>;
  }
  render(<Bare />);
  await waitFor(() => expect(screen.getByTestId('socket').textContent).toBe('open'));
  await waitFor(() => expect(server.subscriptionCount()).toBe(1));
  await insertItems(client, table, [{ id: 1, grp: 1, label: 'via option' }]);
  await waitFor(() => expect(received).toEqual(['insert:via option']));
  await act(() => own.close());
  await waitFor(() => expect(screen.getByTestId('socket').textContent).toBe('closed'));
});
