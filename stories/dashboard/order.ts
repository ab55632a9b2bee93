import { REGIONS, STATUSES } from '../livebind/demoData.js';

/** A row of `app.orders` (see stories/livebind/demoData.ts). */
export interface Order {
  /** BIGINT: an exact decimal string. */
  readonly id: string;
  readonly customer: string;
  readonly region: string;
  readonly status: string;
  readonly amount: number;
  /** KalamDB: microseconds since the epoch; Supabase: ISO text. */
  readonly created_at: number | string | null;
}

export const ORDERS_SQL = 'SELECT id, customer, region, status, amount, created_at FROM app.orders';

export interface OrderTotals {
  readonly count: number;
  readonly revenue: number;
  readonly pending: number;
  readonly byRegion: ReadonlyMap<string, number>;
}

/** Totals over every live order: O(n) once per snapshot (n is a few hundred here). */
export function orderTotals(orders: readonly Order[]): OrderTotals {
  let revenue = 0;
  let pending = 0;
  const byRegion = new Map<string, number>(REGIONS.map((r) => [r, 0]));
  for (const o of orders) {
    revenue += o.amount;
    if (o.status === 'pending') pending++;
    byRegion.set(o.region, (byRegion.get(o.region) ?? 0) + o.amount);
  }
  return { count: orders.length, revenue, pending, byRegion };
}

export const money = (n: number): string => n.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
export const moneyCents = (n: number): string => n.toLocaleString('en-US', { style: 'currency', currency: 'USD' });

export const STATUS_ORDER = STATUSES;
