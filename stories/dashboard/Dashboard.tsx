import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useChanges, useLiveQuery } from '../../react/index.js';
import type { ChangeEvent, LivebindClient, LiveRows } from '../../src/index.js';
import { ConnectionBadge } from '../livebind/ConnectionBadge.js';
import { insertOrders } from '../livebind/demoData.js';
import { timestampDate } from '../livebind/time.js';
import { liveQueryAttributes } from '../play.js';
import { useStoryLivebind } from '../withLivebind.js';
import { RegionBars, RevenueChart, type Sample } from './LiveChart.js';
import { ORDERS_SQL, money, moneyCents, orderTotals, type Order } from './order.js';
import { VirtualList } from './VirtualList.js';
import styles from './dashboard.module.css';

export type OrderScope = 'all' | 'open';

export interface DashboardProps {
  /** Orders inserted by one "Burst" click (plus half as many updates). */
  readonly burstSize: number;
  /** `all`: every order (100,000 seeded); `open`: pending and paid ones only (rows leave the view once shipped). */
  readonly scope: OrderScope;
}

const MAX_SAMPLES = 60;
const SCOPE_SQL: Record<OrderScope, string> = {
  all: ORDERS_SQL,
  open: `${ORDERS_SQL} WHERE status IN ('pending', 'paid')`,
};

/** A live sales dashboard over `app.orders`: totals, a live chart, bursts of writes, a virtualized list over every row. */
export function Dashboard({ burstSize, scope }: DashboardProps): ReactNode {
  const { sql: client, protocol } = useStoryLivebind();
  const orders = useLiveQuery<Order>(SCOPE_SQL[scope], [], { orderBy: [{ column: 'id', direction: 'desc' }] });
  const loaded = (orders.snapshot as Partial<LiveRows<Order>>).progress?.loaded;
  const totals = useMemo(() => orderTotals(orders.rows), [orders.rows]);
  const [samples, setSamples] = useState<readonly Sample[]>([]);
  const [writing, setWriting] = useState(false);
  const [auto, setAuto] = useState(false);
  const [writeError, setWriteError] = useState<string | undefined>(undefined);

  useEffect(() => {
    if (orders.status !== 'ready') return;
    setSamples((s) => [...s, { at: Date.now(), value: totals.revenue }].slice(-MAX_SAMPLES));
  }, [orders.status, totals]);

  async function burst(size: number): Promise<void> {
    setWriting(true);
    try {
      await writeBurst(client, orders.snapshot.slice(0, 400), size);
      setWriteError(undefined);
    } catch (error) {
      setWriteError((error as Error).message);
    } finally {
      setWriting(false);
    }
  }

  useEffect(() => {
    if (!auto) return;
    const timer = setInterval(() => void writeBurst(client, orders.snapshot.slice(0, 400), 3).catch(() => setAuto(false)), 1200);
    return () => clearInterval(timer);
  }, [auto, client, orders.snapshot]);

  const kpis = [
    { id: 'orders', label: 'Orders', value: totals.count.toLocaleString('en-US'), raw: totals.count },
    { id: 'revenue', label: 'Revenue', value: money(totals.revenue), raw: Math.round(totals.revenue * 100) / 100 },
    { id: 'average', label: 'Average order', value: moneyCents(totals.count ? totals.revenue / totals.count : 0), raw: 0 },
    { id: 'pending', label: 'Pending', value: totals.pending.toLocaleString('en-US'), raw: totals.pending },
  ];

  return (
    <div className={styles.canvas} {...liveQueryAttributes('orders', orders)}>
      <header className={styles.top}>
        <div>
          <h1>Live sales</h1>
          <p>
            <code>useLiveQuery</code> over <code>app.orders</code> ({scope === 'all' ? 'every order' : 'open orders'}) through the{' '}
            <strong>{protocol === 'kalamdb' ? 'KalamDB' : 'Supabase Realtime'}</strong> endpoint: each insert and update is a new snapshot.
          </p>
        </div>
        <div className={styles.controls}>
          <ConnectionBadge />
          <label className={styles.toggle}>
            <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} /> Auto
          </label>
          <button className={styles.primary} type="button" disabled={writing} data-writing={writing} onClick={() => void burst(burstSize)}>
            {writing ? 'Writing…' : `Burst: +${burstSize} orders, ${Math.ceil(burstSize / 2)} updates`}
          </button>
        </div>
      </header>
      {writeError ? <p className={styles.error}>{writeError}</p> : null}

      <section className={styles.kpis}>
        {kpis.map((k) => (
          <div key={k.id} className={styles.kpi} data-kpi={k.id} data-value={k.raw}>
            <span>{k.label}</span>
            <strong>{orders.status === 'loading' ? '…' : k.value}</strong>
            {orders.status === 'loading' && k.id === 'orders' ? <small>{(loaded ?? 0).toLocaleString('en-US')} rows loaded</small> : null}
          </div>
        ))}
      </section>

      <section className={styles.charts}>
        <div className={styles.card}>
          <h2>Revenue, live</h2>
          <RevenueChart samples={samples} />
        </div>
        <div className={styles.card}>
          <h2>By region</h2>
          <RegionBars byRegion={totals.byRegion} />
        </div>
      </section>

      <section className={styles.lists}>
        <div className={styles.card}>
          <h2>
            Activity <small>useChanges(): each insert and update as it happens</small>
          </h2>
          <Activity sql={SCOPE_SQL[scope]} />
        </div>
        <div className={styles.card}>
          <h2>
            All {scope === 'open' ? 'open ' : ''}orders <small>{orders.snapshot.size.toLocaleString('en-US')} live rows, virtualized with slice()</small>
          </h2>
          <OrderHeader />
          <VirtualList name="orders" rows={orders.snapshot} rowHeight={34} height={238} rowKey={(o) => o.id} renderRow={(o) => <OrderRow order={o} />} />
        </div>
      </section>
    </div>
  );
}

interface Entry {
  readonly id: number;
  readonly type: ChangeEvent<Order>['type'];
  /** A delete may carry only the key. */
  readonly order: Partial<Order>;
}

/** The last changes of the query (not its initial rows): one line per insert, update or delete. */
function Activity({ sql }: { readonly sql: string }): ReactNode {
  const [entries, setEntries] = useState<readonly Entry[]>([]);
  const counter = useRef(0);
  useChanges<Order>(sql, (event) => {
    const entry = { id: ++counter.current, type: event.type, order: event.row };
    setEntries((list) => [entry, ...list].slice(0, 7));
  });
  if (entries.length === 0) return <p className={styles.quiet}>Waiting for writes: press Burst, or INSERT over SQL.</p>;
  return (
    <ol className={styles.activity} data-list="activity">
      {entries.map(({ id, type, order }) => (
        <li key={id} data-order-id={order.id}>
          <span className={`${styles.op} ${styles[type] ?? ''}`}>{type}</span>
          <span>
            <strong>{order.customer}</strong> · {order.region}
          </span>
          <span className={`${styles.status} ${styles[order.status ?? ''] ?? ''}`}>{order.status}</span>
          <span className={styles.amount}>{order.amount === undefined ? '' : moneyCents(order.amount)}</span>
        </li>
      ))}
    </ol>
  );
}

function OrderHeader(): ReactNode {
  return (
    <div className={`${styles.orderRow} ${styles.orderHead}`}>
      <span>Placed</span>
      <span>Customer</span>
      <span>Region</span>
      <span>Status</span>
      <span className={styles.amount}>Amount</span>
    </div>
  );
}

function OrderRow({ order }: { readonly order: Order }): ReactNode {
  return (
    <div className={styles.orderRow} data-order-id={order.id} data-status={order.status}>
      <span className={styles.orderId} title={`order ${order.id}`}>
        {placed(order.created_at)}
      </span>
      <span>{order.customer}</span>
      <span>{order.region}</span>
      <span>
        <span className={`${styles.status} ${styles[order.status] ?? ''}`}>{order.status}</span>
      </span>
      <span className={styles.amount}>{moneyCents(order.amount)}</span>
    </div>
  );
}

function placed(value: number | string | null): string {
  const date = timestampDate(value);
  if (date === undefined) return '';
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString('en-GB') : date.toLocaleDateString('en-GB', { day: '2-digit', month: 'short' });
}

/** `size` new orders, and half as many existing orders moved one status on (pending → paid → shipped). */
async function writeBurst(client: LivebindClient, recent: readonly Order[], size: number): Promise<void> {
  await insertOrders(client, size);
  const movable = recent.filter((o) => o.status !== 'shipped');
  const picked = new Set<string>();
  const want = Math.min(Math.ceil(size / 2), movable.length);
  while (picked.size < want) picked.add(movable[Math.floor(Math.random() * movable.length)]!.id);
  if (picked.size === 0) return;
  const ids = [...picked];
  await client.execute(
    `UPDATE app.orders SET status = CASE status WHEN 'pending' THEN 'paid' ELSE 'shipped' END, amount = amount + 10 ` +
      `WHERE id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')})`,
    ids,
  );
}
