/**
 * Dev server /v1/ws benchmark: insert-to-change latency with 1, 100 and 1,000 live subscriptions
 * (p50/p99 until the first and until the last subscriber has the change), and initial-load rows per
 * second for 100,000 rows (batch_size 1000, gzip on and off).
 *
 *   npx tsx bench/server-latency.ts            (INSERTS=200 ROWS=100000 to change sizes)
 */
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { startDevServer } from '../server/devServer.js';

const INSERTS = Number(process.env['INSERTS'] ?? 200);
const ROWS = Number(process.env['ROWS'] ?? 100_000);
const alice = { id: 'alice', role: 'user' as const };
const root = { id: 'root', role: 'system' as const };

const server = await startDevServer({ quiet: true, ws: { maxSubscriptionsPerUser: 10_000, maxSubscriptionsPerConnection: 1000, maxMessagesPerSec: 100_000 } });
await server.engine.createUser(alice.id, 'alice-pass', alice.role);
const token = (await server.engine.issueTokens(alice)).accessToken;
const sql = (as: typeof alice | typeof root, text: string) => server.engine.executeSql(as, { sql: text });

function text(data: WebSocket.RawData, isBinary: boolean): string {
  const buf = data as Buffer;
  return isBinary ? gunzipSync(buf).toString('utf8') : buf.toString('utf8');
}

async function connect(query = ''): Promise<WebSocket> {
  const ws = new WebSocket(`${server.wsUrl}${query}`, { headers: { Authorization: `Bearer ${token}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function latency(subs: number): Promise<{ subs: number; firstP50: number; firstP99: number; allP50: number; allP99: number }> {
  const table = `lat${subs}`;
  await sql(root, `CREATE USER TABLE app.${table} (id BIGINT PRIMARY KEY, v TEXT)`);
  const sockets: WebSocket[] = [];
  let arrived = 0;
  let first = 0;
  let onAll: (() => void) | undefined;
  for (let i = 0; i < subs; i++) {
    if (i % 100 === 0) {
      const ws = await connect();
      ws.on('message', (d, b) => {
        if (!text(d, b).startsWith('{"type":"change"')) return;
        arrived++;
        if (arrived === 1) first = performance.now();
        if (arrived === subs) onAll?.();
      });
      sockets.push(ws);
    }
    const ws = sockets[sockets.length - 1]!;
    ws.send(JSON.stringify({ type: 'subscribe', subscription: { id: `s${i}`, sql: `SELECT id, v FROM app.${table} WHERE v LIKE 'x%'` } }));
  }
  while (server.ws.subscriptionCount() < subs) await new Promise((r) => setTimeout(r, 10));
  const firsts: number[] = [];
  const alls: number[] = [];
  for (let i = 0; i < INSERTS; i++) {
    arrived = 0;
    const done = new Promise<void>((resolve) => (onAll = resolve));
    const t0 = performance.now();
    await sql(alice, `INSERT INTO app.${table} (id, v) VALUES (${i}, 'x${i}')`);
    await done;
    const t1 = performance.now();
    firsts.push(first - t0);
    alls.push(t1 - t0);
  }
  for (const ws of sockets) ws.close();
  while (server.ws.subscriptionCount() > 0) await new Promise((r) => setTimeout(r, 10));
  return { subs, firstP50: pct(firsts, 50), firstP99: pct(firsts, 99), allP50: pct(alls, 50), allP99: pct(alls, 99) };
}

async function load(query: string): Promise<{ rowsPerSec: number; ms: number }> {
  const ws = await connect(query);
  let rows = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    ws.on('message', (d, b) => {
      const t = text(d, b);
      if (!t.startsWith('{"type":"initial_data_batch"')) return;
      const tail = t.slice(t.lastIndexOf('"batch_control"'));
      rows += (t.match(/"_seq":"/g) ?? []).length;
      if (tail.includes('"has_more":false')) return resolve();
      const last = /"last_seq_id":(\d+)/.exec(tail)?.[1];
      ws.send(`{"type":"next_batch","subscription_id":"load","last_seq_id":${last}}`);
    });
    ws.send(JSON.stringify({ type: 'subscribe', subscription: { id: 'load', sql: 'SELECT id, name, qty, note FROM app.big', options: { batch_size: 1000 } } }));
  });
  const ms = performance.now() - t0;
  ws.close();
  if (rows !== ROWS) throw new Error(`loaded ${rows} rows, expected ${ROWS}`);
  return { rowsPerSec: Math.round(rows / (ms / 1000)), ms: Math.round(ms) };
}

await sql(root, 'CREATE NAMESPACE IF NOT EXISTS app');
const lat = [];
for (const n of [1, 100, 1000]) lat.push(await latency(n));
await sql(root, 'CREATE USER TABLE app.big (id BIGINT PRIMARY KEY, name TEXT, qty INT, note TEXT)');
for (let start = 0; start < ROWS; start += 1000) {
  const values = Array.from({ length: Math.min(1000, ROWS - start) }, (_, i) => `(${start + i}, 'name-${start + i}', ${(start + i) % 97}, 'note about row ${start + i}')`);
  await sql(alice, `INSERT INTO app.big (id, name, qty, note) VALUES ${values.join(', ')}`);
}
const gz = await load('');
const plain = await load('?compress=false');
await server.close();

const f = (x: number) => x.toFixed(2);
console.log(`insert-to-change latency (ms), ${INSERTS} sequential inserts, loopback, node ${process.version}`);
console.log('subscriptions | first p50 | first p99 | all p50 | all p99');
for (const r of lat) console.log(`${r.subs} | ${f(r.firstP50)} | ${f(r.firstP99)} | ${f(r.allP50)} | ${f(r.allP99)}`);
console.log(`initial load ${ROWS} rows, batch_size 1000: gzip ${gz.rowsPerSec} rows/s (${gz.ms} ms), ?compress=false ${plain.rowsPerSec} rows/s (${plain.ms} ms)`);
