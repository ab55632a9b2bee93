/**
 * What the demos use from the dev server's demo seed (server/engine/demoSeed.ts, which `npm start`
 * and the story tests run): the users, `app.messages` and `app.orders` (100,000 seeded orders).
 */
import type { LivebindClient } from '../../src/index.js';

export const ADMIN = { user: 'admin', password: 'kalamdb123' } as const;
export const ALICE = { user: 'alice', password: 'alice' } as const;
export const BOB = { user: 'bob', password: 'bob' } as const;
export const DEMO = { user: 'demo', password: 'demo' } as const;

export const ORDERS_TABLE = 'app.orders';
export const REGIONS = ['EU', 'US', 'APAC', 'LATAM'] as const;
export const STATUSES = ['pending', 'paid', 'shipped'] as const;
const CUSTOMERS = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia', 'Tim', 'Sophie'];

/** Random orders for the dashboard's "burst" control: INSERTs with bound values. */
export async function insertOrders(client: LivebindClient, count: number, random: () => number = Math.random): Promise<void> {
  const values: string[] = [];
  const params: (string | number)[] = [];
  for (let i = 0; i < count; i++) {
    const n = params.length;
    values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4})`);
    params.push(pick(CUSTOMERS, random), pick(REGIONS, random), pick(['pending', 'pending', 'paid'], random), Math.round(500 + random() * 49_500) / 100);
  }
  // 50 bound parameters per request at most (dev server limit): 12 orders per statement.
  for (let start = 0; start < values.length; start += 12) {
    const chunk = values.slice(start, start + 12);
    const offset = start * 4;
    const sql = chunk.map((v) => v.replace(/\$(\d+)/g, (_, d: string) => `$${Number(d) - offset}`)).join(', ');
    await client.execute(`INSERT INTO ${ORDERS_TABLE} (customer, region, status, amount) VALUES ${sql}`, params.slice(offset, offset + chunk.length * 4));
  }
}

function pick<T>(list: readonly T[], random: () => number): T {
  return list[Math.floor(random() * list.length)]!;
}
