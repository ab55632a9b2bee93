import { useEffect, useRef, useState } from 'react';
import { createMaterializer } from '../../src/index.js';
import type { Materializer, RowOp, RowSet } from '../../src/index.js';
import { REGIONS, STATUSES } from '../livebind/demoData.js';
import type { Order } from './order.js';

const NAMES = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia', 'Tim', 'Sophie'];
const DAY_US = 86_400_000_000;

/** `count` archived orders with ids 1..count (below every live SNOWFLAKE_ID), deterministic. */
export function archivedOrders(count: number): Order[] {
  const now = Date.now() * 1000;
  const out = new Array<Order>(count);
  for (let i = 0; i < count; i++) {
    const n = i + 1;
    out[i] = {
      id: String(n),
      customer: NAMES[(n * 7) % NAMES.length]!,
      region: REGIONS[(n * 3) % REGIONS.length]!,
      status: STATUSES[2]!,
      amount: ((n * 7919) % 49_500) / 100 + 5,
      created_at: now - (count - i) * (DAY_US / 200),
    };
  }
  return out;
}

/**
 * The order history: `archiveSize` archived orders plus every live order, newest first, as one
 * RowSet from the core's materializer (the same structure a `useLiveQuery` snapshot is). Live
 * changes are applied as they come (one O(log n) op per changed row; unchanged rows are skipped
 * by identity), so the list stays live at 100,000+ rows.
 *
 * Why not one live query over 100,000 server rows: the dev server inserts about 1,500 rows/s
 * (per-row SeqId and change capture), so seeding them would take over a minute. The demo seed
 * should grow a fast bulk path; then this becomes `useLiveQuery(..., { orderBy })` alone.
 */
export function useOrderArchive(live: RowSet<Order>, archiveSize: number): RowSet<Order> {
  const [materializer] = useState<Materializer<Order>>(() => {
    const m = createMaterializer<Order>({ keyOf: (o) => o.id, orderBy: [{ column: 'id', direction: 'desc' }] });
    m.replaceAll(archivedOrders(archiveSize));
    return m;
  });
  const [current, setCurrent] = useState<RowSet<Order>>(materializer.current);
  const applied = useRef<RowSet<Order> | undefined>(undefined);

  useEffect(() => {
    const before = applied.current;
    const ops: RowOp<Order>[] = [];
    for (const row of live.rows) if (before?.get(row.id) !== row) ops.push({ op: 'upsert', row });
    if (before) for (const row of before.rows) if (live.get(row.id) === undefined) ops.push({ op: 'delete', key: row.id });
    applied.current = live;
    if (ops.length > 0) setCurrent(materializer.apply(ops));
  }, [live, materializer]);

  return current;
}
