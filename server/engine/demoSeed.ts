import { seedDemoOrders } from './demoOrders.js';
import type { PgliteEngine } from './pgliteEngine.js';
import type { AuthUser } from './types.js';

/** Documented demo accounts (README): regular users (alice and bob chat in the Storybook demos) and the spec's CI admin. */
export const DEMO_USERS = [
  { user: 'demo', password: 'demo', role: 'user' },
  { user: 'alice', password: 'alice', role: 'user' },
  { user: 'bob', password: 'bob', role: 'user' },
  { user: 'admin', password: 'kalamdb123', role: 'dba' },
] as const;

/**
 * Seeds namespace `app`: SHARED `app.messages` (chat), USER `app.todos` (per-user list), SHARED
 * `app.metrics` and SHARED `app.orders` (live dashboard; 100,000 orders, bulk-loaded by
 * seedDemoOrders). Idempotent: rows are only added to empty tables.
 */
export async function seedDemo(engine: PgliteEngine): Promise<void> {
  for (const u of DEMO_USERS) {
    if ((await engine.findUser(u.user)) === undefined) await engine.createUser(u.user, u.password, u.role);
  }
  const admin: AuthUser = { id: 'admin', role: 'dba' };
  const demo: AuthUser = { id: 'demo', role: 'user' };
  await engine.executeSql(admin, {
    sql: `CREATE NAMESPACE IF NOT EXISTS app;
      CREATE SHARED TABLE IF NOT EXISTS app.messages (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), room TEXT NOT NULL, author TEXT NOT NULL, body TEXT NOT NULL, created_at TIMESTAMP DEFAULT NOW()) WITH (ACCESS_LEVEL = 'PUBLIC');
      CREATE USER TABLE IF NOT EXISTS app.todos (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), title TEXT NOT NULL, done BOOLEAN NOT NULL DEFAULT false, created_at TIMESTAMP DEFAULT NOW());
      CREATE SHARED TABLE IF NOT EXISTS app.metrics (name TEXT PRIMARY KEY, value DOUBLE NOT NULL, unit TEXT, updated_at TIMESTAMP DEFAULT NOW()) WITH (ACCESS_LEVEL = 'PUBLIC');
      CREATE SHARED TABLE IF NOT EXISTS app.orders (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), customer TEXT NOT NULL, region TEXT NOT NULL, status TEXT NOT NULL, amount DOUBLE NOT NULL, created_at TIMESTAMP DEFAULT NOW()) WITH (ACCESS_LEVEL = 'PUBLIC')`,
  });
  const empty = async (user: AuthUser, table: string): Promise<boolean> => {
    const r = await engine.executeSql(user, { sql: `SELECT count(*) FROM ${table}` });
    return r.results[0]?.rows?.[0]?.[0] === '0';
  };
  if (await empty(admin, 'app.messages')) {
    await engine.executeSql(admin, {
      sql: `INSERT INTO app.messages (room, author, body) VALUES
        ('lobby', 'admin', 'Welcome to livebind!'),
        ('lobby', 'demo', 'Hello from the demo user'),
        ('random', 'demo', 'Open two browser tabs and watch messages arrive live')`,
    });
  }
  if (await empty(demo, 'app.todos')) {
    await engine.executeSql(demo, {
      sql: `INSERT INTO app.todos (title, done) VALUES ('Try useLiveQuery', true), ('Subscribe to app.todos', false), ('Edit a row over HTTP and watch it change', false)`,
    });
  }
  if (await empty(admin, 'app.metrics')) {
    await engine.executeSql(admin, {
      sql: `INSERT INTO app.metrics (name, value, unit) VALUES ('cpu', 12.5, '%'), ('memory', 512, 'MiB'), ('requests', 0, 'req/s'), ('latency_p99', 4.2, 'ms')`,
    });
  }
  if (await empty(admin, 'app.orders')) await seedDemoOrders(engine);
}
