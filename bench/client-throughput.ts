/**
 * Client throughput: change events per second through one socket, end to end from the dev server,
 * and the share of the client's own time spent in JSON.parse alone (the floor).
 *
 *   npx tsx bench/client-throughput.ts [changes=20000] [rowsPerInsert=500]
 *
 * 1. End to end: a liveRows() query on a fresh table; N rows inserted over HTTP in multi-row
 *    INSERTs (one `change` frame per row, spec §6.4); time from the first INSERT to the snapshot
 *    holding all N rows. Bound by the server (PGlite commit + fan-out), measured as is.
 * 2. Client only: every frame received in step 1 (captured as text) is replayed into a fresh
 *    client over an in-memory socket: codec + subscription manager + materializer + snapshots.
 * 3. Floor: JSON.parse of the same frames. Share = floor / client-only time.
 * Ratios come from runs side by side on the same machine; no absolute-time assertions.
 */
import WebSocket from 'ws';
import { startDevServer } from '../server/devServer.js';
import { createClient } from '../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../src/kalamdb.js';
import type { LiveRows } from '../src/index.js';
import type { SocketLike } from '../src/connection/socket.js';

const N = Number(process.argv[2] ?? 20000);
const PER_INSERT = Number(process.argv[3] ?? 500);

interface Row {
  id: string;
  body: string;
  n: number;
}

const captured: string[] = [];
const decoder = new TextDecoder();

class CapturingSocket extends WebSocket {
  constructor(url: string) {
    super(url);
    this.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) captured.push(data.toString());
      else captured.push(decoder.decode(require_gunzip(data)));
    });
  }
}

let gunzipSync: ((b: Buffer) => Buffer) | undefined;
function require_gunzip(b: Buffer): Buffer {
  return b[0] === 0x1f && gunzipSync ? gunzipSync(b) : b;
}

function waitFor<R>(live: { subscribe(fn: (s: LiveRows<R>) => void): { unsubscribe(): void } }, pred: (s: LiveRows<R>) => boolean): Promise<LiveRows<R>> {
  return new Promise((resolve) => {
    const sub = live.subscribe((s) => {
      if (pred(s)) {
        queueMicrotask(() => sub.unsubscribe());
        resolve(s);
      }
    });
  });
}

async function endToEnd(): Promise<{ ms: number; frames: string[] }> {
  gunzipSync = (await import('node:zlib')).gunzipSync;
  const server = await startDevServer({ port: 0, quiet: true, users: [{ user: 'bench', password: 'bench-pass', role: 'dba' }] });
  const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'bench', password: 'bench-pass' }, WebSocket: CapturingSocket as never });
  try {
    await client.execute('CREATE NAMESPACE IF NOT EXISTS bench');
    await client.execute('CREATE SHARED TABLE bench.items (id BIGINT PRIMARY KEY, body TEXT, n INT)');
    const live = client.liveRows<Row>('SELECT id, body, n FROM bench.items');
    live.subscribe(() => {});
    await waitFor(live, (s) => s.status === 'ready');
    captured.length = 0;
    const t0 = performance.now();
    const done = waitFor(live, (s) => s.size === N);
    for (let start = 0; start < N; start += PER_INSERT) {
      const values = Array.from({ length: Math.min(PER_INSERT, N - start) }, (_, i) => `(${start + i + 1}, 'item ${start + i + 1} lorem ipsum', ${i})`);
      await client.execute(`INSERT INTO bench.items (id, body, n) VALUES ${values.join(', ')}`);
    }
    await done;
    return { ms: performance.now() - t0, frames: [...captured] };
  } finally {
    await client.close();
    await server.close();
  }
}

/** An in-memory socket that authenticates at once and lets the bench push frames. */
class ReplaySocket implements SocketLike {
  static current: ReplaySocket | undefined;
  binaryType = 'arraybuffer';
  readyState = 1;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor() {
    ReplaySocket.current = this;
    queueMicrotask(() => {
      this.onopen?.({});
      this.onmessage?.({ data: '{"type":"auth_success","user":"bench","role":"dba"}' });
    });
  }
  send(): void {}
  close(): void {}
}

async function clientOnly(frames: readonly string[]): Promise<number> {
  const client = createClient({ url: 'http://replay.invalid', auth: { token: 'x' }, WebSocket: ReplaySocket, pingIntervalMs: 0, binaryDecoder: (b) => decoder.decode(b) });
  const live = client.liveRows<Row>('SELECT id, body, n FROM bench.items');
  live.subscribe(() => {});
  await new Promise((r) => setTimeout(r, 10));
  const socket = ReplaySocket.current!;
  // The replayed client's subscription id is lb-1, like the captured one.
  socket.onmessage?.({ data: '{"type":"subscription_ack","subscription_id":"lb-1","total_rows":0,"batch_control":{"batch_num":0,"has_more":false,"status":"ready","last_seq_id":null},"schema":[{"name":"id","data_type":"BigInt","index":0,"flags":["pk"]},{"name":"body","data_type":"Text","index":1},{"name":"n","data_type":"Int","index":2}]}' });
  socket.onmessage?.({ data: '{"type":"initial_data_batch","subscription_id":"lb-1","rows":[],"batch_control":{"batch_num":0,"has_more":false,"status":"ready","last_seq_id":null}}' });
  const t0 = performance.now();
  for (const f of frames) socket.onmessage?.({ data: f });
  const ms = performance.now() - t0;
  if (live.getSnapshot().size !== N) throw new Error(`replay produced ${live.getSnapshot().size} rows, expected ${N}`);
  await client.close();
  return ms;
}

function parseOnly(frames: readonly string[]): number {
  const t0 = performance.now();
  let sink = 0;
  for (const f of frames) sink += (JSON.parse(f) as { type: string }).type.length;
  const ms = performance.now() - t0;
  if (sink === 0) throw new Error('unreachable');
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const e2e = await endToEnd();
const changeFrames = e2e.frames.filter((f) => f.includes('"type":"change"'));
const clientMs: number[] = [];
const parseMs: number[] = [];
for (let i = 0; i < 7; i++) {
  clientMs.push(await clientOnly(changeFrames));
  parseMs.push(parseOnly(changeFrames));
}
const c = median(clientMs);
const p = median(parseMs);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(`changes: ${fmt(changeFrames.length)} frames (${N} rows, INSERTs of ${PER_INSERT}), one socket`);
console.log(`end to end (dev server → client snapshot): ${fmt(e2e.ms)} ms  → ${fmt((N / e2e.ms) * 1000)} changes/s`);
console.log(`client only (codec + manager + materializer, replay, median of 7): ${c.toFixed(1)} ms → ${fmt((N / c) * 1000)} changes/s`);
console.log(`JSON.parse floor (same frames, median of 7): ${p.toFixed(1)} ms → ${fmt((N / p) * 1000)} changes/s`);
console.log(`share of client time in JSON.parse: ${((p / c) * 100).toFixed(0)}%; client share of end-to-end time: ${((c / e2e.ms) * 100).toFixed(1)}%`);
