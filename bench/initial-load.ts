/**
 * Initial load through the dev server: a real `createClient()` (default options: KalamDB driver,
 * gzip frames, outbound pacing at 45 frames/s, default page size) subscribes `liveRows()` to a
 * 100,000-row table over `/v1/ws`; time from subscribe until the snapshot is `ready` with every row.
 *
 *   npx tsx bench/initial-load.ts              (ROWS=100000 RUNS=5; PROFILE=1 adds the span table;
 *                                               CPUPROF=file.cpuprofile records a CPU profile of the timed runs only)
 *   SPLIT=1 npx tsx bench/initial-load.ts      the dev server in a child process of its own (as with
 *                                               `npm start`: server process + browser), the client here
 *
 * Default mode: the dev server and the client share this one Node process (one JS thread: their CPU
 * time adds up). SPLIT=1: the server runs in a forked process (bench/initialLoadServerProcess.ts), so
 * server and client work overlap as they do in real use; CPU is reported per process.
 *
 * The connection is opened and authenticated by a warm-up query first (not timed), then each run
 * opens a fresh liveRows() (new subscription id, so a full load each time) after the client's
 * outbound window has emptied. Spans (PROFILE=1) wrap the server's engine.readRows and the
 * connection's send (JSON → frame → ws.send), and the client's frame handler (gunzip, decode,
 * materializer): summed per run, so they overlap with each other and with waiting.
 * "first rows" is the time until the first snapshot holding rows (page 0 applied).
 * Figures are from one run on a shared machine: read the ratios, not the absolute times.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { createClient } from '../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../src/kalamdb.js';
import type { LiveRows } from '../src/index.js';
import { BENCH_USER, startLoadServer, type ServerSpans } from './initialLoadServer.js';

const ROWS = Number(process.env['ROWS'] ?? 100_000);
const RUNS = Number(process.env['RUNS'] ?? 5);
const PROFILE = process.env['PROFILE'] === '1';
const CPUPROF = process.env['CPUPROF'];
const SPLIT = process.env['SPLIT'] === '1';

interface Row {
  id: string;
  name: string;
  qty: number;
  note: string;
}

// Spans ------------------------------------------------------------------------------------------
const spans = { clientFrames: 0, clientBytes: 0, clientHandle: 0, outbound: 0 };
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

/** The dev server: in this process, or (SPLIT=1) in a child process driven over IPC. */
interface ServerHandle {
  url: string;
  seedMs: number;
  reset(): Promise<void>;
  /** Spans since the last reset, and the server process's CPU (SPLIT only; else counted in this process). */
  spans(): Promise<{ spans: ServerSpans; cpuMs?: number }>;
  close(): Promise<void>;
}

async function startServer(): Promise<ServerHandle> {
  if (!SPLIT) {
    const s = await startLoadServer(ROWS, PROFILE);
    return { url: s.url, seedMs: s.seedMs, reset: async () => s.resetSpans(), spans: async () => ({ spans: { ...s.spans } }), close: () => s.close() };
  }
  const child = fork(new URL('./initialLoadServerProcess.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ROWS: String(ROWS) } });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (m['type'] !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code: number | null) => reject(new Error(`bench server process exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = await next('ready');
  const ask = async (type: string) => {
    const reply = next(type);
    child.send({ type });
    return reply;
  };
  return {
    url: ready['url'] as string,
    seedMs: ready['seedMs'] as number,
    reset: async () => void (await ask('reset')),
    spans: async () => {
      const r = await ask('spans');
      return { spans: r['spans'] as ServerSpans, cpuMs: r['cpuMs'] as number };
    },
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'close' });
      await exited;
    },
  };
}

const server = await startServer();

const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: BENCH_USER.user, password: BENCH_USER.password }, WebSocket: CountingSocket as never });

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
  const seedMs = server.seedMs;
  // Warm-up: opens and authenticates the socket (not timed).
  const warm = await waitFor(client.liveRows<{ id: string }>('SELECT id FROM bench.warm'), (s) => s.status === 'ready');

  const inspector = CPUPROF === undefined ? undefined : new Session();
  if (inspector) {
    inspector.connect();
    await inspector.post('Profiler.enable');
  }
  const results: { ms: number; firstMs: number; cpuMs: number; serverCpuMs: number | undefined; outbound: number; frames: number; bytes: number; s: typeof spans; server: ServerSpans }[] = [];
  for (let run = 0; run < RUNS; run++) {
    await sleep(1100); // the client's outbound window (45 frames per rolling second) is empty again
    resetSpans();
    await server.reset();
    if (inspector) await inspector.post('Profiler.start');
    const cpu0 = process.cpuUsage();
    // A distinct SQL text per run: a fresh subscription and a full load each time.
    const sql = `SELECT id, name, qty, note FROM bench.big WHERE id >= ${-1 - run}`;
    let firstMs = NaN;
    const t0 = performance.now();
    const { snap, unsubscribe } = await waitFor(client.liveRows<Row>(sql), (s) => {
      if (Number.isNaN(firstMs) && s.size > 0) firstMs = performance.now() - t0;
      return s.status === 'ready';
    });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const serverRun = await server.spans();
    if (inspector) {
      const { profile } = await inspector.post('Profiler.stop');
      if (run === RUNS - 1) writeFileSync(CPUPROF!, JSON.stringify(profile));
    }
    if (snap.size !== ROWS) throw new Error(`run ${run}: snapshot has ${snap.size} rows, expected ${ROWS}`);
    const last = snap.get(String(ROWS - 1)) as Row | undefined;
    if (last?.name !== `name-${ROWS - 1}` || last.qty !== (ROWS - 1) % 97) throw new Error(`run ${run}: last row is ${JSON.stringify(last)}`);
    results.push({ ms, firstMs, cpuMs: (cpu.user + cpu.system) / 1000, serverCpuMs: serverRun.cpuMs, outbound: spans.outbound, frames: spans.clientFrames, bytes: spans.clientBytes, s: { ...spans }, server: serverRun.spans });
    unsubscribe();
    await sleep(50);
  }
  warm.unsubscribe();

  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const medianOf = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const mode = SPLIT ? 'SPLIT=1: dev server in its own process, client in this one' : 'one process: dev server and client share this Node process';
  console.log(`initial load, ${fmt(ROWS)} rows (id BIGINT PK, name TEXT, qty INT, note TEXT), dev server /v1/ws, gzip on, default client options; node ${process.version}`);
  console.log(`mode: ${mode}`);
  console.log(`seeding: ${fmt(seedMs)} ms`);
  const cpuLabel = SPLIT ? 'client process CPU ms | server process CPU ms' : 'process CPU ms (client + server)';
  console.log(`run | subscribe → ready ms | first rows ms | rows/s | ${cpuLabel} | client frames sent | frames received | bytes received`);
  results.forEach((r, i) =>
    console.log(`${i + 1} | ${fmt(r.ms)} | ${fmt(r.firstMs)} | ${fmt((ROWS / r.ms) * 1000)} | ${fmt(r.cpuMs)}${SPLIT ? ` | ${fmt(r.serverCpuMs ?? NaN)}` : ''} | ${r.outbound} | ${r.frames} | ${fmt(r.bytes)}`),
  );
  const serverCpu = SPLIT ? `, server process ${fmt(medianOf(results.map((r) => r.serverCpuMs ?? NaN)))} ms` : '';
  console.log(`median CPU: ${SPLIT ? 'client process ' : ''}${fmt(medianOf(results.map((r) => r.cpuMs)))} ms${serverCpu}; load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (${cpus().length} CPUs)`);
  console.log(`median first rows: ${fmt(medianOf(results.map((r) => r.firstMs)))} ms`);
  console.log(`median: ${fmt(median)} ms (${fmt((ROWS / median) * 1000)} rows/s); min ${fmt(sorted[0]!)} ms, max ${fmt(sorted[sorted.length - 1]!)} ms`);
  if (PROFILE) {
    console.log('spans (summed per run, median run shown; they overlap):');
    const r = results.find((x) => x.ms === median)!;
    console.log(`  server engine.readRows: ${fmt(r.server.readRows)} ms in ${r.server.readCalls} calls (${(r.server.readRows / Math.max(1, r.server.readCalls)).toFixed(1)} ms/call)`);
    console.log(`  server send on the event loop (JSON text → frame, gzip unless on the threadpool, ws.send): ${fmt(r.server.serverSend)} ms for ${r.server.serverFrames} messages, ${fmt(r.server.serverBytes)} chars of JSON`);
    console.log(`  client frame handling (gunzip, decode, materializer, snapshots): ${fmt(r.s.clientHandle)} ms for ${r.s.clientFrames} frames`);
  }
} finally {
  await client.close();
  await server.close();
}
