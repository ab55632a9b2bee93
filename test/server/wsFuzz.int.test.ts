/**
 * Fuzz: 10,000 random and mutated frames (seeded, reproducible: one generator per worker) against
 * the real dev server. Every frame must be handled by the server (its own counters, not ours): a
 * frame the parser rejects ends the socket with 1011, so the worker waits for that close (and for
 * the reply to an `authenticate`, which may end it with 1008) and continues on a new socket; no
 * frame may land on a closed socket. Then the server must still answer, hold no leaked
 * subscriptions, and the stored data must be unchanged.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { parseClientMessage } from '../../server/kalamdb/ws/clientMessage.js';
import { ROOT, startWsHarness, type WsHarness } from './wsHarness.js';
import { WsTestClient } from './wsTestClient.js';
import { seededRandom as mulberry32 } from '../seededRandom.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20240131);
const FRAMES = 10_000;
const WORKERS = 4;
const MAX_MESSAGE_BYTES = 64 * 1024;

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
  // Weights: most rejected frames end the socket (1011) and cost a reconnect, so they are ~1/3 of the mix.
  const k = r();
  if (k < 0.3) return { data: mutate(r, validFrame(r, token)), binary: false };
  if (k < 0.8) return { data: validFrame(r, token), binary: false };
  if (k < 0.85) return { data: Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256))), binary: true };
  if (k < 0.89) return { data: '['.repeat(Math.floor(r() * 5000)), binary: false };
  if (k < 0.93) return { data: JSON.stringify({ type: 'ping', pad: 'z'.repeat(70_000) }), binary: false };
  return { data: Array.from({ length: Math.floor(r() * 40) }, () => String.fromCharCode(Math.floor(r() * 0xd7ff))).join(''), binary: false };
}

/** What the server must do with a frame, by the same parser the server uses (the oracle for "ends the socket"). */
type Expect = 'too_large' | 'binary' | 'invalid' | 'authenticate' | 'message';

function expectedOutcome(f: { data: string | Buffer; binary: boolean }): Expect {
  const buf = typeof f.data === 'string' ? Buffer.from(f.data, 'utf8') : f.data;
  if (buf.length > MAX_MESSAGE_BYTES) return 'too_large';
  if (f.binary) return 'binary';
  try {
    return parseClientMessage(buf.toString('utf8')).type === 'authenticate' ? 'authenticate' : 'message';
  } catch {
    return 'invalid';
  }
}

interface WorkerReport {
  sent: number;
  invalid: number;
  authFailures: number;
  sockets: number;
  /** Anything the server did that the frame did not call for (wrong close code, close without cause). */
  unexpected: string[];
}

const authReplies = (c: WsTestClient): { ok: number; failed: number } => {
  let ok = 0;
  let failed = 0;
  for (const r of c.received) {
    if (r.msg.type === 'auth_success') ok++;
    if (r.msg.type === 'auth_error') failed++;
  }
  return { ok, failed };
};

async function fuzzWorker(worker: number, frames: number, token: string): Promise<WorkerReport> {
  const rand = mulberry32((SEED + Math.imul(worker + 1, 0x9e3779b9)) >>> 0);
  const report: WorkerReport = { sent: 0, invalid: 0, authFailures: 0, sockets: 0, unexpected: [] };
  let c: WsTestClient | undefined;
  let authSent = 0;
  let headerAuth = false;
  while (report.sent < frames) {
    if (c?.closeInfo) report.unexpected.push(`frame ${report.sent}: socket closed without cause (${c.closeInfo.code} ${c.closeInfo.reason})`);
    if (!c || c.closeInfo) {
      headerAuth = rand() < 0.5;
      c = await WsTestClient.connect(h.url, headerAuth ? { Authorization: `Bearer ${token}` } : {});
      report.sockets++;
      authSent = 0;
    }
    const conn = c;
    const f = randomFrame(rand, token);
    const outcome = expectedOutcome(f);
    (conn.socket as WebSocket).send(f.data, { binary: f.binary });
    report.sent++;
    if (outcome === 'invalid') {
      report.invalid++;
      await conn.until(() => conn.closeInfo !== undefined, 10_000);
      if (conn.closeInfo?.code !== 1011) report.unexpected.push(`frame ${report.sent}: invalid frame closed with ${conn.closeInfo?.code}, not 1011`);
      c = undefined;
    } else if (outcome === 'authenticate') {
      // The reply (auth_success, or auth_error + close 1008) comes after every earlier message is handled.
      authSent++;
      const want = authSent + (headerAuth ? 1 : 0);
      await conn.until(() => {
        const r = authReplies(conn);
        return conn.closeInfo !== undefined || r.ok + r.failed >= want;
      }, 10_000);
      if (authReplies(conn).failed > 0) {
        report.authFailures++;
        await conn.until(() => conn.closeInfo !== undefined, 10_000);
        if (conn.closeInfo?.code !== 1008) report.unexpected.push(`frame ${report.sent}: auth_error closed with ${conn.closeInfo?.code}, not 1008`);
        c = undefined;
      }
    } else if (report.sent % 25 === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (c && !c.closeInfo) {
    const last = c;
    last.close();
    await last.closed;
  }
  return report;
}

let h: WsHarness;
const alice = { id: 'alice', role: 'user' as const };

beforeAll(async () => {
  // No timer may close a socket mid-run (auth timeout, idle): every close must be caused by a frame.
  h = await startWsHarness({
    maxMessagesPerSec: 1_000_000,
    maxSubscriptionsPerUser: 1_000_000,
    maxMessageBytes: MAX_MESSAGE_BYTES,
    authTimeoutMs: 600_000,
    idleTimeoutMs: 600_000,
  });
  await h.sql(ROOT, 'CREATE NAMESPACE IF NOT EXISTS app');
  await h.sql(ROOT, 'CREATE USER TABLE app.fz (id BIGINT PRIMARY KEY, name TEXT, qty INT, owner TEXT)');
  const values = Array.from({ length: 50 }, (_, i) => `(${i + 1}, 'n${i + 1}', ${i % 10}, 'alice')`);
  await h.sql(alice, `INSERT INTO app.fz (id, name, qty, owner) VALUES ${values.join(', ')}`);
});
afterAll(async () => {
  await h?.close();
});

it(`survives ${FRAMES} random and mutated frames, each handled by the server (seed ${SEED})`, async () => {
  const before = await h.sql(alice, 'SELECT id, name, qty, owner, _seq FROM app.fz ORDER BY id');
  const token = await h.token('alice');
  const s0 = h.ws.stats();
  const reports = await Promise.all(Array.from({ length: WORKERS }, (_, w) => fuzzWorker(w, FRAMES / WORKERS, token)));
  const s1 = h.ws.stats();
  const sum = (k: 'sent' | 'invalid' | 'authFailures' | 'sockets'): number => reports.reduce((n, r) => n + r[k], 0);
  const d = (k: keyof typeof s0): number => s1[k] - s0[k];
  console.log(
    `ws fuzz seed ${SEED}: sent ${sum('sent')} on ${sum('sockets')} sockets; server handled ${d('framesHandled')} ` +
      `(parsed ${d('messagesParsed')}, invalid→1011 ${d('framesInvalid')}, too large ${d('framesTooLarge')}, binary ${d('framesBinary')}), ` +
      `dropped after close ${d('framesDroppedAfterClose')}, auth failures→1008 ${sum('authFailures')}`,
  );
  expect(reports.flatMap((r) => r.unexpected)).toEqual([]);
  expect(sum('sent')).toBe(FRAMES);
  // The server's own count: every frame sent was looked at, none fell on a closed socket.
  expect(d('framesHandled')).toBeGreaterThanOrEqual(FRAMES);
  expect(d('framesHandled')).toBe(sum('sent'));
  expect(d('framesDroppedAfterClose')).toBe(0);
  expect(d('framesInvalid')).toBe(sum('invalid'));
  expect(d('framesTooLarge') + d('framesBinary') + d('framesInvalid') + d('messagesParsed')).toBe(d('framesHandled'));
  expect(d('messagesParsed')).toBeGreaterThan(FRAMES / 4); // not a run of mostly refused frames
  expect(d('messagesRateLimited')).toBe(0);

  await WsTestClient.authed(h.url, token).then(async (probe) => {
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
});
