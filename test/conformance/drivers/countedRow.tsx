// The render-counted row both React-based drivers (React hooks, TanStack Query) render.
import { memo } from 'react';
import type { Item } from '../backend.js';
import type { QueryView } from '../scenarios.js';

export interface Counters {
  list: number;
  row: number;
  view: QueryView;
}

export const Row = memo(function Row({ row, counters }: { row: Item; counters: Counters }) {
  counters.row++;
  return <li>{`${row.id}:${row.label}`}</li>;
});
