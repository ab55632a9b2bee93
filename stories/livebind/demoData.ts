/**
 * Tables and users the demos need beyond the dev server's demo seed (server/engine/demoSeed.ts):
 * created over SQL as the seeded `admin` dba, once per page and server. Idempotent, so any number
 * of stories and tabs can run it. (These belong in the demo seed; see README "Storybook".)
 */
import { createClient } from '../../src/index.js';
import type { LivebindClient } from '../../src/index.js';

export const ADMIN = { user: 'admin', password: 'kalamdb123' } as const;
export const ALICE = { user: 'alice', password: 'alice-demo' } as const;
export const BOB = { user: 'bob', password: 'bob-demo' } as const;

export const ORDERS_TABLE = 'app.orders';
export const REGIONS = ['EU', 'US', 'APAC', 'LATAM'] as const;
export const STATUSES = ['pending', 'paid', 'shipped'] as const;
const CUSTOMERS = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia', 'Tim', 'Sophie'];
const SEED_ORDERS = 240;

const ready = new Map<string, Promise<void>>();

/** Makes sure `app.orders` (with some orders) and the chat users alice and bob exist on `url`. */
export function ensureDemoData(url: string): Promise<void> {
  let done = ready.get(url);
  if (done === undefined) {
    done = setUp(url);
    ready.set(url, done);
    done.catch(() => ready.delete(url));
  }
  return done;
}

async function setUp(url: string): Promise<void> {
  const admin = createClient({ url, auth: ADMIN });
  try {
    await admin.execute(
      `CREATE SHARED TABLE IF NOT EXISTS ${ORDERS_TABLE} (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), customer TEXT NOT NULL, ` +
        `region TEXT NOT NULL, status TEXT NOT NULL, amount DOUBLE NOT NULL, created_at TIMESTAMP DEFAULT NOW()) WITH (ACCESS_LEVEL = 'PUBLIC')`,
    );
    const [count] = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${ORDERS_TABLE}`);
    if (count?.n === '0') {
      await admin.execute(
        `INSERT INTO ${ORDERS_TABLE} (customer, region, status, amount) SELECT ` +
          `(ARRAY['${CUSTOMERS.join("','")}'])[1 + (g * 7) % ${CUSTOMERS.length}], (ARRAY['${REGIONS.join("','")}'])[1 + (g * 3) % ${REGIONS.length}], ` +
          `(ARRAY['${STATUSES.join("','")}'])[1 + (g * 5) % ${STATUSES.length}], round(((g * 7919) % 49500 + 500) / 100.0, 2) ` +
          `FROM generate_series(1, ${SEED_ORDERS}) AS g`,
      );
    }
    for (const u of [ALICE, BOB]) await createUserOnce(admin, u.user, u.password);
  } finally {
    await admin.close();
  }
}

async function createUserOnce(admin: LivebindClient, user: string, password: string): Promise<void> {
  try {
    await admin.execute(`CREATE USER ${user} WITH PASSWORD '${password}' ROLE user`);
  } catch (error) {
    // Another tab (or an earlier run against a persistent server) created it already.
    if (!/exist/i.test(String((error as Error).message))) throw error;
  }
}

/** Random orders for the dashboard's "burst" control and the seed: one INSERT with bound values. */
export async function insertOrders(client: LivebindClient, count: number, random: () => number = Math.random): Promise<void> {
  const values: string[] = [];
  const params: (string | number)[] = [];
  for (let i = 0; i < count; i++) {
    const n = params.length;
    values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4})`);
    params.push(pick(CUSTOMERS, random), pick(REGIONS, random), pick(STATUSES, random), Math.round(500 + random() * 49_500) / 100);
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
