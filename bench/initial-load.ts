/**
 * Initial load through the dev server: a real `createClient()` (default options: KalamDB driver,
 * gzip frames, outbound pacing at 45 frames/s, default page size) subscribes `liveRows()` to a
 * 100,000-row table over `/v1/ws`; time from subscribe until the snapshot is `ready` with every row.
 *
 *   npx tsx bench/initial-load.ts              (ROWS=100000 RUNS=5; PROFILE=1 adds the span table;
 *                                               CPUPROF=file.cpuprofile records a CPU profile of the timed runs only)
 *
 * The connection is opened and authenticated by a warm-up query first (not timed), then each run
 * opens a fresh liveRows() (new subscription id, so a full load each time) after the client's
 * outbound window has emptied. Spans (PROFILE=1) wrap the server's engine.readRows and the
 * connection's send (JSON → frame → ws.send), and the client's frame handler (gunzip, decode,
 * materializer): summed per run, so they overlap with each other and with waiting.
 * Figures are from one run on a shared machine: read the ratios, not the absolute times.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { startDevServer } from '../server/devServer.js';
import { KalamConnection } from '../server/kalamdb/ws/KalamConnection.js';
import { createClient } from '../src/index.js';
import type { LiveRows } from '../src/index.js';

const ROWS = Number(process.env['ROWS'] ?? 100_000);
const RUNS = Number(process.env['RUNS'] ?? 5);
const PROFILE = process.env['PROFILE'] === '1';
const CPUPROF = process.env['CPUPROF'];

interface Row {
  id: string;
  name: string;
  qty: number;
  note: string;
}

// Spans ------------------------------------------------------------------------------------------
const spans = { readRows: 0, readCalls: 0, serverSend: 0, serverFrames: 0, serverBytes: 0, clientFrames: 0, clientBytes: 0, clientHandle: 0, outbound: 0 };
function resetSpans(): void {
  for (const k of Object.keys(spans) as (keyof typeof spans)[]) spans[k] = 0;
}

/** Counts (and with PROFILE times) what the client's socket receives and sends. */
class CountingSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols);
    // ws defines onmessage as an accessor on its prototype: wrap the handler the client installs.
    const proto = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage')!;
    Object.defineProperty(this, 'onmessage', {
      get: () => proto.get!.call(this),
      set: (fn: ((ev: WebSocket.MessageEvent) => void) | null) => {
        proto.set!.call(
          this,
          fn === null
            ? null
            : (ev: WebSocket.MessageEvent) => {
                spans.clientFrames++;
                const d = ev.data as ArrayBuffer | string;
                spans.clientBytes += typeof d === 'string' ? d.length : d.byteLength;
                const t0 = performance.now();
                fn(ev);
                spans.clientHandle += performance.now() - t0;
              },
        );
      },
    });
  }
  override send(data: unknown, ...rest: unknown[]): void {
    spans.outbound++;
    (super.send as (...a: unknown[]) => void)(data, ...rest);
  }
}

const server = await startDevServer({ port: 0, quiet: true, users: [{ user: 'bench', password: 'bench-pass', role: 'dba' }] });
if (PROFILE) {
  const engine = server.engine;
  const readRows = engine.readRows.bind(engine);
  engine.readRows = async (...args: Parameters<typeof readRows>) => {
    const t0 = performance.now();
    try {
      return await readRows(...args);
    } finally {
      spans.readRows += performance.now() - t0;
      spans.readCalls++;
    }
  };
  const send = KalamConnection.prototype.send;
  KalamConnection.prototype.send = function (this: KalamConnection, json: string) {
    const t0 = performance.now();
    send.call(this, json);
    spans.serverSend += performance.now() - t0;
    spans.serverFrames++;
    spans.serverBytes += json.length;
  };
}

const client = createClient({ url: server.url, auth: { user: 'bench', password: 'bench-pass' }, WebSocket: CountingSocket as never });

function waitFor<R>(live: { subscribe(fn: (s: LiveRows<R>) => void): { unsubscribe(): void } }, pred: (s: LiveRows<R>) => boolean): Promise<{ snap: LiveRows<R>; unsubscribe: () => void }> {
  return new Promise((resolve, reject) => {
    const sub = live.subscribe((s) => {
      if (s.status === 'error') reject(s.error);
      else if (pred(s)) resolve({ snap: s, unsubscribe: () => sub.unsubscribe() });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

try {
  await client.execute('CREATE NAMESPACE IF NOT EXISTS bench');
  await client.execute('CREATE SHARED TABLE bench.big (id BIGINT PRIMARY KEY, name TEXT, qty INT, note TEXT)');
  await client.execute('CREATE SHARED TABLE bench.warm (id BIGINT PRIMARY KEY)');
  const seed0 = performance.now();
  // INSERT … SELECT as the superuser in 1,000-row statements (triggers give every row its _seq, as
  // over HTTP; one statement per 1,000 rows keeps the SeqId row's update chain short).
  for (let start = 0; start < ROWS; start += 1000) {
    const end = Math.min(ROWS, start + 1000) - 1;
    await server.engine.internalQuery(
      `INSERT INTO "bench"."big" (id, name, qty, note) SELECT i, 'name-' || i, i % 97, 'note about row ' || i FROM generate_series(${start}, ${end}) AS i`,
    );
  }
  const seedMs = performance.now() - seed0;
  // Warm-up: opens and authenticates the socket (not timed).
  const warm = await waitFor(client.liveRows<{ id: string }>('SELECT id FROM bench.warm'), (s) => s.status === 'ready');

  const inspector = CPUPROF === undefined ? undefined : new Session();
  if (inspector) {
    inspector.connect();
    await inspector.post('Profiler.enable');
  }
  const results: { ms: number; cpuMs: number; pages: number; outbound: number; frames: number; bytes: number; s: typeof spans }[] = [];
  for (let run = 0; run < RUNS; run++) {
    await sleep(1100); // the client's outbound window (45 frames per rolling second) is empty again
    resetSpans();
    if (inspector) await inspector.post('Profiler.start');
    const cpu0 = process.cpuUsage();
    // A distinct SQL text per run: a fresh subscription and a full load each time.
    const sql = `SELECT id, name, qty, note FROM bench.big WHERE id >= ${-1 - run}`;
    const t0 = performance.now();
    const { snap, unsubscribe } = await waitFor(client.liveRows<Row>(sql), (s) => s.status === 'ready');
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (inspector) {
      const { profile } = await inspector.post('Profiler.stop');
      if (run === RUNS - 1) writeFileSync(CPUPROF!, JSON.stringify(profile));
    }
    if (snap.size !== ROWS) throw new Error(`run ${run}: snapshot has ${snap.size} rows, expected ${ROWS}`);
    const last = snap.get(String(ROWS - 1)) as Row | undefined;
    if (last?.name !== `name-${ROWS - 1}` || last.qty !== (ROWS - 1) % 97) throw new Error(`run ${run}: last row is ${JSON.stringify(last)}`);
    results.push({ ms, cpuMs: (cpu.user + cpu.system) / 1000, pages: spans.outbound /* next_batch + subscribe */, outbound: spans.outbound, frames: spans.clientFrames, bytes: spans.clientBytes, s: { ...spans } });
    unsubscribe();
    await sleep(50);
  }
  warm.unsubscribe();

  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log(`initial load, ${fmt(ROWS)} rows (id BIGINT PK, name TEXT, qty INT, note TEXT), dev server /v1/ws, gzip on, default client options; node ${process.version}`);
  console.log(`seeding: ${fmt(seedMs)} ms`);
  console.log('run | subscribe → ready ms | rows/s | process CPU ms (client + server) | client frames sent | frames received | bytes received');
  results.forEach((r, i) => console.log(`${i + 1} | ${fmt(r.ms)} | ${fmt((ROWS / r.ms) * 1000)} | ${fmt(r.cpuMs)} | ${r.outbound} | ${r.frames} | ${fmt(r.bytes)}`));
  const cpuSorted = results.map((r) => r.cpuMs).sort((a, b) => a - b);
  console.log(`median CPU: ${fmt(cpuSorted[Math.floor(cpuSorted.length / 2)]!)} ms; load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (${cpus().length} CPUs)`);
  console.log(`median: ${fmt(median)} ms (${fmt((ROWS / median) * 1000)} rows/s); min ${fmt(sorted[0]!)} ms, max ${fmt(sorted[sorted.length - 1]!)} ms`);
  if (PROFILE) {
    console.log('spans (summed per run, median run shown; they overlap):');
    const r = results.find((x) => x.ms === median)!;
    console.log(`  server engine.readRows: ${fmt(r.s.readRows)} ms in ${r.s.readCalls} calls (${(r.s.readRows / Math.max(1, r.s.readCalls)).toFixed(1)} ms/call)`);
    console.log(`  server send (JSON text → frame, gzip, ws.send): ${fmt(r.s.serverSend)} ms for ${r.s.serverFrames} messages, ${fmt(r.s.serverBytes)} chars of JSON`);
    console.log(`  client frame handling (gunzip, decode, materializer, snapshots): ${fmt(r.s.clientHandle)} ms for ${r.s.clientFrames} frames`);
  }
} finally {
  await client.close();
  await server.close();
}
