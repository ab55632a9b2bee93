import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import type { ChangeRecord } from '../../server/engine/types.js';
import { login, request, sql } from './httpTestClient.js';

const TOTAL = 10_000;
const ALLOWED_STATUS = new Set([200, 204, 400, 401, 403, 404, 405, 409, 413, 428, 429]);

let server: DevServer;
let admin: string;
let user: string;
let refresh: string;
const changes: ChangeRecord[] = [];

beforeAll(async () => {
  server = await startDevServer({
    quiet: true,
    authRateLimitPerSec: 0,
    users: [
      { user: 'admin', password: 'admin-pass', role: 'dba' },
      { user: 'fuzzer', password: 'fuzz-pass', role: 'user' },
    ],
  });
  admin = await login(server, 'admin', 'admin-pass');
  const r = await request(server, 'POST', '/v1/api/auth/login', { body: { user: 'fuzzer', password: 'fuzz-pass' } });
  user = r.json.access_token;
  refresh = r.json.refresh_token;
  const setup = await sql(
    server,
    admin,
    `CREATE NAMESPACE fz;
     CREATE SHARED TABLE fz.canary (id INT PRIMARY KEY, v TEXT) WITH (ACCESS_LEVEL = 'PRIVATE');
     INSERT INTO fz.canary VALUES (1, 'alpha'), (2, 'beta'), (3, 'gamma');
     CREATE USER TABLE fz.scratch (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), v TEXT)`,
  );
  expect(setup.status).toBe(200);
  server.engine.onChange((c) => changes.push(c));
});

afterAll(async () => {
  await server.close();
});

const seeds = [
  { sql: 'SELECT * FROM fz.scratch WHERE id = $1', params: [1] },
  { sql: 'INSERT INTO fz.scratch (v) VALUES ($1)', params: ['x'] },
  { sql: "UPDATE fz.scratch SET v = 'y' WHERE id > 0; SELECT count(*) FROM fz.scratch" },
  { sql: 'SELECT * FROM fz.canary' },
  { sql: "BEGIN; INSERT INTO fz.scratch (v) VALUES ('t'); COMMIT", namespace_id: 'fz' },
  { user: 'fuzzer', password: 'wrong' },
  { username: 'nobody', password: 'x' },
];

function mutate(text: string, rnd: () => number): string {
  const chars = [...text];
  const ops = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < ops; i++) {
    const pos = Math.floor(rnd() * (chars.length + 1));
    const pick = Math.floor(rnd() * 6);
    const junk = ['"', '{', '}', '[', ']', ',', ':', '\\', "'", ';', '$1', '\u0000', '\ud800', 'null', '-- ', '/*', '$$', '9'.repeat(30), 'é'][Math.floor(rnd() * 19)]!;
    if (pick === 0) chars.splice(pos, 1);
    else if (pick === 1) chars.splice(pos, 0, junk);
    else if (pick === 2) chars.length = pos;
    else if (pick === 3) chars.splice(pos, 0, ...chars.slice(0, Math.floor(rnd() * 20)));
    else if (pick === 4) chars[pos] = String.fromCharCode(Math.floor(rnd() * 0x3000));
    else chars.splice(pos, 0, junk.repeat(1 + Math.floor(rnd() * 5)));
  }
  return chars.join('');
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('HTTP fuzz', () => {
  it(`survives ${TOTAL} random and mutated requests with well-formed answers and intact data`, async () => {
    const rnd = mulberry32(20240101);
    const randomJson = fc.sample(fc.jsonValue({ maxDepth: 3 }), { seed: 7, numRuns: 600 });
    const randomObjects = fc.sample(
      fc.record({ sql: fc.oneof(fc.string(), fc.constantFrom('SELECT 1', 'SELECT $1', 'DELETE FROM fz.canary')), params: fc.option(fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 })), namespace_id: fc.option(fc.string({ maxLength: 8 })) }, { requiredKeys: [] }),
      { seed: 11, numRuns: 600 },
    );
    const paths = ['/v1/api/sql', '/v1/api/sql', '/v1/api/sql', '/v1/api/auth/login', '/v1/api/auth/refresh', '/v1/api/auth/me', '/v1/api/auth/setup', '/v1/api/auth/status', '/health', '/v1/api/sql/../auth', '/v1/nope?x=%ff', '/v1/api/auth/logout'];
    const methods = ['POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD'];
    const auths = (): string | undefined => {
      const k = Math.floor(rnd() * 8);
      if (k === 0) return undefined;
      if (k === 1) return `Basic ${Buffer.from('fuzzer:fuzz-pass').toString('base64')}`;
      if (k === 2) return `Bearer ${admin.slice(0, -3)}abc`;
      if (k === 3) return `Bearer ${refresh}`;
      if (k === 4) return `Bearer ${mutate(user, rnd).replace(/[^\x21-\x7e]/g, '')}`;
      if (k === 5) return 'Bearer';
      return `Bearer ${user}`;
    };
    const contentTypes = ['application/json', 'application/json', 'text/plain', 'multipart/form-data; boundary=zz', 'application/x-www-form-urlencoded', ''];
    let answered = 0;
    let clientErrors = 0;
    const statuses = new Map<number, number>();
    const one = async (i: number): Promise<void> => {
      const path = paths[Math.floor(rnd() * paths.length)]!;
      const method = rnd() < 0.85 ? 'POST' : methods[Math.floor(rnd() * methods.length)]!;
      let body: string;
      const kind = i % 4;
      if (kind === 0) body = JSON.stringify(randomJson[i % randomJson.length]);
      else if (kind === 1) body = JSON.stringify(randomObjects[i % randomObjects.length]);
      else body = mutate(JSON.stringify(seeds[i % seeds.length]), rnd);
      const headers: Record<string, string> = {};
      const a = auths();
      if (a !== undefined) headers['authorization'] = a;
      const ct = contentTypes[Math.floor(rnd() * contentTypes.length)]!;
      if (ct !== '') headers['content-type'] = ct;
      if (rnd() < 0.1) headers['origin'] = 'http://localhost:5173';
      if (rnd() < 0.05) headers['cookie'] = `kalamdb_refresh=${mutate(refresh, rnd).replace(/[^\x21-\x7e]/g, '')}; kalamdb_auth=${user}`;
      try {
        const init: RequestInit = { method, headers };
        if (method !== 'GET' && method !== 'HEAD') init.body = body;
        const r = await fetch(server.url + path, init);
        const text = await r.text();
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        expect(ALLOWED_STATUS.has(r.status), `${r.status} ${method} ${path} ${text.slice(0, 200)}`).toBe(true);
        if (method !== 'HEAD' && r.status !== 204 && text !== '' && !text.startsWith('Origin not allowed')) {
          expect(() => JSON.parse(text), text.slice(0, 200)).not.toThrow();
        }
        for (const secret of [admin, user, refresh]) expect(text.includes(secret) && path !== '/v1/api/auth/refresh' && path !== '/v1/api/auth/login').toBe(false);
        answered++;
      } catch (e) {
        if (e instanceof TypeError) clientErrors++;
        else throw e;
      }
    };
    const concurrency = 8;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < TOTAL) await one(next++);
      }),
    );
    expect(answered).toBeGreaterThanOrEqual(TOTAL - 200);
    expect(statuses.get(500)).toBeUndefined();
    // The corpus reaches SQL execution, not only the validators.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(100);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(100);
    expect(clientErrors).toBeLessThanOrEqual(200);

    // The fuzz may have logged its own sessions out (logout with its bearer token): log in afresh.
    const adminNow = await login(server, 'admin', 'admin-pass');
    const userNow = await login(server, 'fuzzer', 'fuzz-pass');
    const health = await request(server, 'GET', '/health');
    expect(health.status).toBe(200);
    const canary = await sql(server, adminNow, 'SELECT id, v FROM fz.canary ORDER BY id');
    expect(canary.json.results[0].rows).toEqual([
      [1, 'alpha'],
      [2, 'beta'],
      [3, 'gamma'],
    ]);
    expect(changes.every((c) => c.table === 'fz.scratch' && c.userId === 'fuzzer')).toBe(true);
    for (let i = 1; i < changes.length; i++) expect(changes[i]!.seq > changes[i - 1]!.seq).toBe(true);
    const live = await sql(server, userNow, 'SELECT count(*) FROM fz.scratch');
    const inserted = changes.filter((c) => c.op === 'insert').length - changes.filter((c) => c.op === 'delete').length;
    expect(live.json.results[0].rows[0][0]).toBe(String(inserted));
    expect((await sql(server, userNow, 'SELECT 1 AS n')).status).toBe(200);
  }, 300_000);
});
