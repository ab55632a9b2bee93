// The TanStack Query driver: @tanstack/react-query's useQuery over liveQueryOptions (React 19).
import { keepPreviousData, QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { act, render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { liveQueryOptions } from '../../../adapters/tanstack-query/index.js';
import type { Item } from '../backend.js';
import { Row, type Counters } from './countedRow.js';
import type { FrameworkDriver, MountedQuery, QueryProps } from '../scenarios.js';


function List({ props, counters }: { props: QueryProps; counters: Counters }): ReactNode {
  counters.list++;
  const q = useQuery({
    ...liveQueryOptions<Item>(props.client, props.sql, [props.grp], { orderBy: 'id' }),
    ...(props.keepPrevious === true ? { placeholderData: keepPreviousData } : {}),
  });
  const rows = q.data ?? [];
  counters.view = { rows, status: q.isPending ? 'loading' : q.isError ? 'error' : 'ready', error: q.error ?? undefined, isPlaceholder: q.isPlaceholderData };
  return (
    <ul>
      {rows.map((row) => (
        <Row key={row.id} row={row} counters={counters} />
      ))}
    </ul>
  );
}

export function tanstackDriver(queryClient: () => QueryClient): FrameworkDriver {
  return {
    name: 'TanStack Query (React 19)',
    mountQuery(props): MountedQuery {
      const counters: Counters = { list: 0, row: 0, view: { rows: [], status: 'none', error: undefined, isPlaceholder: false } };
      const tree = (p: QueryProps) => (
        <QueryClientProvider client={queryClient()}>
          <List props={p} counters={counters} />
        </QueryClientProvider>
      );
      const view = render(tree(props));
      return {
        read: () => counters.view,
        setGroup: (grp) => act(() => view.rerender(tree({ ...props, grp }))),
        listRenders: () => counters.list,
        rowRenders: () => counters.row,
        unmount: () => view.unmount(),
      };
    },
    flush: () => act(async () => void (await new Promise((r) => setTimeout(r, 0)))),
  };
}
