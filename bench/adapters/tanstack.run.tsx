import { notifyManager, QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { memo } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { test } from 'vitest';
import { liveQueryOptions } from '../../adapters/tanstack-query/index.js';
import { counts, freshRows, initialRows, liveFeed, run, type Item, type Variant } from './harness.js';

// Synchronous cache notifications (default: a macrotask later), so each update is measured change → DOM.
notifyManager.setScheduler((cb) => cb());

const Row = memo(function Row({ row }: { row: Item }) {
  counts.rows++;
  return <li>{`${row.id}: ${row.label}`}</li>;
});
const List = ({ rows }: { rows: readonly Item[] }) => <ul>{rows.map((r) => <Row key={r.id} row={r} />)}</ul>;

function variant(name: string, element: () => React.ReactElement, update: (id: number, label: string) => void): Variant {
  let root: ReturnType<typeof createRoot> | undefined;
  return {
    name,
    mount: async (target) => {
      root = createRoot(target);
      flushSync(() => root!.render(element()));
      for (let i = 0; i < 50 && !target.textContent; i++) await new Promise((r) => setTimeout(r, 10));
    },
    update: (id, label) => flushSync(() => update(id, label)),
    unmount: () => root?.unmount(),
  };
}

test('TanStack Query: one-row update in a 10,000-row list', async () => {
  const feed = liveFeed();
  const qc = new QueryClient();
  const naiveKey = ['naive'];
  qc.setQueryData(naiveKey, initialRows());
  function Live() {
    const q = useQuery(liveQueryOptions<Item>(feed.client, 'q'));
    return <List rows={q.data ?? []} />;
  }
  function Naive({ structuralSharing }: { structuralSharing: boolean }) {
    const q = useQuery({ queryKey: naiveKey, queryFn: () => qc.getQueryData<Item[]>(naiveKey)!, staleTime: Infinity, structuralSharing });
    return <List rows={q.data ?? []} />;
  }
  const wrap = (node: React.ReactElement) => () => <QueryClientProvider client={qc}>{node}</QueryClientProvider>;
  const setFresh = (id: number, label: string) => void qc.setQueryData<Item[]>(naiveKey, (prev) => freshRows(prev!, id, label));
  await run('TanStack Query 5.108 + React 19', [
    variant('livebind/tanstack-query liveQueryOptions', wrap(<Live />), feed.patch),
    variant('naive: setQueryData(fresh rows), structural sharing on', wrap(<Naive structuralSharing />), setFresh),
  ]);
}, 600_000);
