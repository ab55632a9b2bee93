/**
 * Fuzz: ≥ 10,000 random and mutated frames (seeded, reproducible) against the real dev server, then
 * the server must still answer, hold no leaked subscriptions, and the stored data must be unchanged.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ROOT, startWsHarness, type WsHarness } from './wsHarness.js';
import { WsTestClient } from './wsTestClient.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20240131);
const FRAMES = 10_000;
const WORKERS = 4;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SQL = [
  'SELECT * FROM app.fz',
  "SELECT id, name FROM app.fz WHERE name LIKE 'n1%' OR qty IN (1, 2, NULL)",
  'SELECT id FROM app.fz WHERE qty BETWEEN 3 AND 7 AND name IS NOT NULL',
  "SELECT id FROM app.fz WHERE name = 'x'); DELETE FROM app.fz; --'",
  "SELECT id FROM app.fz WHERE name = 'a\u0000b'",
  "SELECT id FROM app.fz WHERE name LIKE '\u0000%'",
  'SELECT id FROM app.fz; DROP TABLE app.fz',
  'DELETE FROM app.fz',
  'SELECT id FROM app.fz WHERE id > 99999999999999999999999',
  'SELECT id FROM app.fz ORDER BY id LIMIT 1',
  "SELECT id FROM app.fz WHERE name = $$x$$",
  `SELECT id FROM app.fz WHERE ${'('.repeat(300)}qty = 1${')'.repeat(300)}`,
  'SELECT id FROM app.nope',
  'SELECT id FROM app.fz WHERE owner = CURRENT_USER()',
  'SELECT _seq FROM app.fz',
];

function validFrame(r: () => number, token: string): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const id = pick(['a', 'b', 'c', '', ' ', 'é', 'x'.repeat(300)]);
  switch (Math.floor(r() * 6)) {
    case 0:
      return JSON.stringify({ type: 'authenticate', method: 'jwt', token: r() < 0.5 ? token : 'bad', protocol: { serialization: 'json', compression: 'gzip' } });
    case 1: {
      const opts = pick(['', ',"options":{}', ',"options":null', ',"options":{"batch_size":1}', ',"options":{"last_rows":2}', ',"options":{"from":1,"batch_size":3}', ',"options":{"from":-9223372036854775808}']);
      return `{"type":"subscribe","subscription":{"id":${JSON.stringify(id)},"sql":${JSON.stringify(pick(SQL))}${opts}}}`;
    }
    case 2:
      return `{"type":"next_batch","subscription_id":${JSON.stringify(id)}${r() < 0.5 ? ',"last_seq_id":' + Math.floor(r() * 1e18) : ''}}`;
    case 3:
      return JSON.stringify({ type: 'unsubscribe', subscription_id: id });
    default:
      return '{"type":"ping"}';
  }
}

function mutate(r: () => number, s: string): string {
  let out = s;
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (out.length + 1));
    switch (Math.floor(r() * 7)) {
      case 0:
        out = out.slice(0, at) + String.fromCharCode(Math.floor(r() * 0x3000)) + out.slice(at + 1);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1 + Math.floor(r() * 10));
        break;
      case 2:
        out = out.slice(0, at);
        break;
      case 3:
        out = out.slice(0, at) + ['"', '{', '}', '[', ']', ',', ':', '\\', '0', '-', 'null', '1e999', '"\\u0000"'][Math.floor(r() * 13)] + out.slice(at);
        break;
      case 4:
        out = out.replace(/\d+/, '123456789012345678901234567890');
        break;
      case 5:
        out = out.replace(/"[a-z_]+":/, `"${['type', 'subscription', 'options', 'sql', 'id'][Math.floor(r() * 5)]}":`);
        break;
      default:
        out = out + out;
    }
  }
  return out;
}

function randomFrame(r: () => number, token: string): { data: string | Buffer; binary: boolean } {
  const k = r();
  if (k < 0.5) return { data: mutate(r, validFrame(r, token)), binary: false };
  if (k < 0.8) return { data: validFrame(r, token), binary: false };
  if (k < 0.85) return { data: Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256))), binary: true };
  if (k < 0.9) return { data: '['.repeat(Math.floor(r() * 5000)), binary: false };
  if (k < 0.93) return { data: JSON.stringify({ type: 'ping', pad: 'z'.repeat(70_000) }), binary: false };
  return { data: Array.from({ length: Math.floor(r() * 40) }, () => String.fromCharCode(Math.floor(r() * 0xd7ff))).join(''), binary: false };
}

let h: WsHarness;
const alice = { id: 'alice', role: 'user' as const };

beforeAll(async () => {
  h = await startWsHarness({ maxMessagesPerSec: 1_000_000, maxSubscriptionsPerUser: 1_000_000, maxMessageBytes: 64 * 1024 });
  await h.sql(ROOT, 'CREATE NAMESPACE IF NOT EXISTS app');
  await h.sql(ROOT, 'CREATE USER TABLE app.fz (id BIGINT PRIMARY KEY, name TEXT, qty INT, owner TEXT)');
  const values = Array.from({ length: 50 }, (_, i) => `(${i + 1}, 'n${i + 1}', ${i % 10}, 'alice')`);
  await h.sql(alice, `INSERT INTO app.fz (id, name, qty, owner) VALUES ${values.join(', ')}`);
});
afterAll(async () => {
  await h?.close();
});

it(`survives ${FRAMES} random and mutated frames (seed ${SEED})`, async () => {
  const before = await h.sql(alice, 'SELECT id, name, qty, owner, _seq FROM app.fz ORDER BY id');
  const token = await h.token('alice');
  const rand = mulberry32(SEED);
  let sent = 0;
  const sockets: WebSocket[] = [];
  const worker = async (): Promise<void> => {
    let ws: WebSocket | undefined;
    while (sent < FRAMES) {
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        const headers: Record<string, string> = rand() < 0.5 ? { Authorization: `Bearer ${token}` } : {};
        const next: WebSocket = new WebSocket(h.url, { headers });
        next.on('message', () => undefined);
        next.on('error', () => undefined);
        sockets.push(next);
        ws = next;
        await new Promise<void>((resolve) => {
          next.once('open', () => resolve());
          next.once('close', () => resolve());
        });
        continue;
      }
      const f = randomFrame(rand, token);
      ws.send(f.data, { binary: f.binary });
      sent++;
      if (sent % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    ws?.close();
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  expect(sent).toBeGreaterThanOrEqual(FRAMES);
  for (const s of sockets) if (s.readyState !== WebSocket.CLOSED) s.terminate();
  const probe = await WsTestClient.authed(h.url, token);
  await probe.until(() => h.ws.connectionCount() === 1);
  expect(h.ws.subscriptionCount()).toBe(0);
  // Data intact.
  expect(await h.sql(alice, 'SELECT id, name, qty, owner, _seq FROM app.fz ORDER BY id')).toEqual(before);
  // Still answering: a load and a live change.
  probe.send({ type: 'subscribe', subscription: { id: 'after', sql: "SELECT id, name FROM app.fz WHERE name LIKE 'n%'", options: {} } });
  const { rows } = await probe.load('after');
  expect(rows).toHaveLength(50);
  await h.sql(alice, "INSERT INTO app.fz (id, name, qty) VALUES (51, 'n51', 1)");
  expect(await probe.next()).toMatchObject({ type: 'change', change_type: 'insert', rows: [{ id: '51', name: 'n51' }] });
  probe.close();
});
