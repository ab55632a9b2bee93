/**
 * Broadcast and presence over Supabase Realtime: livebind's client beside realtime-js and the floor
 * (bare `ws` + JSON.parse / the kind-4 header), side by side in one run.
 *
 *   npx tsx bench/broadcast.ts            (env N=20000 broadcasts, RATE=1000 msg/s, SECONDS=5, CLIENTS=100;
 *                                          ONLY=client runs part 1 alone)
 *
 * 1. Receive rate, client alone: N recorded broadcast frames (v2 JSON text, and v2 binary kind 4)
 *    are replayed into each client over an in-memory socket that answers the join: our
 *    `channel().broadcast$()`, realtime-js's `channel.on('broadcast')`, and the floor, which only
 *    parses. Interleaved rounds, median; rates in messages/s and as a share of the floor.
 * 2. End to end through the dev server's Phoenix endpoint (one process): receive rate on one socket
 *    with a raw sender blasting N broadcasts; send→receive latency at RATE msg/s for two of our
 *    clients beside two bare `ws` sockets; presence fan-out: CLIENTS of our clients track, time until
 *    every one of them sees all CLIENTS members.
 * Ratios come from runs side by side on the same machine; no absolute-time assertions anywhere.
 */
import { RealtimeClient } from '@supabase/realtime-js';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { startDevServer } from '../server/devServer.js';
import type { DevServer } from '../server/devServer.js';
import { createClient } from '../src/client.js';
import type { LivebindClient } from '../src/types.js';
import { supabaseDriver } from '../src/supabase.js';

const N = Number(process.env['N'] ?? 20_000);
const RATE = Number(process.env['RATE'] ?? 1000);
const SECONDS = Number(process.env['SECONDS'] ?? 5);
const CLIENTS = Number(process.env['CLIENTS'] ?? 100);
const ROUNDS = 5;
const TOPIC = 'realtime:bench';
const encoder = new TextEncoder();

const payloadOf = (i: number): Record<string, unknown> => ({ i, x: (i * 7) % 1000, y: (i * 13) % 700, user: 'u-42', color: '#ff8800' });

function textFrame(i: number): string {
  return JSON.stringify([null, null, TOPIC, 'broadcast', { type: 'broadcast', event: 'cursor', payload: payloadOf(i) }]);
}

/** Server → client kind 4: kind, topic, event and meta lengths, encoding 1 (JSON); then the strings and the payload. */
function binaryFrame(i: number): ArrayBuffer {
  const topic = encoder.encode(TOPIC);
  const event = encoder.encode('cursor');
  const body = encoder.encode(JSON.stringify(payloadOf(i)));
  const out = new Uint8Array(5 + topic.length + event.length + body.length);
  out.set([4, topic.length, event.length, 0, 1], 0);
  out.set(topic, 5);
  out.set(event, 5 + topic.length);
  out.set(body, 5 + topic.length + event.length);
  return out.buffer;
}

// ------------------------------------------------------------------------------------------------
// 1. Client alone: an in-memory Phoenix socket that answers joins and heartbeats, then replays.
// ------------------------------------------------------------------------------------------------

type Frames = readonly (string | ArrayBuffer)[];
let current: ReplaySocket | undefined;

class ReplaySocket {
  static readonly OPEN = 1;
  readyState = 0;
  binaryType = 'arraybuffer';
  bufferedAmount = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  joined: (() => void) | undefined;
  constructor(readonly url: string) {
    current = this;
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    }, 0);
  }
  send(data: unknown): void {
    if (typeof data !== 'string') return;
    const m = JSON.parse(data) as unknown;
    const [joinRef, ref, topic, event] = Array.isArray(m) ? m : [(m as any).join_ref, (m as any).ref, (m as any).topic, (m as any).event];
    if (event === 'phx_join' || event === 'heartbeat' || event === 'access_token') {
      const reply = JSON.stringify([joinRef ?? null, ref, topic, 'phx_reply', { status: 'ok', response: event === 'phx_join' ? { postgres_changes: [] } : {} }]);
      setTimeout(() => {
        this.onmessage?.({ data: reply });
        if (event === 'phx_join') this.joined?.();
      }, 0);
    }
  }
  close(): void {
    this.readyState = 3;
  }
  addEventListener(): void {}
  removeEventListener(): void {}
}

function whenJoined(): Promise<ReplaySocket> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (current) current.joined = () => resolve(current!);
      else setTimeout(check, 0);
    };
    check();
  });
}

/** Replays `frames` in chunks (so async decoders keep up), resolves when `received()` reaches their count. */
async function replay(socket: ReplaySocket, frames: Frames, received: () => number): Promise<number> {
  const started = performance.now();
  const CHUNK = 500;
  for (let i = 0; i < frames.length; i += CHUNK) {
    for (let j = i; j < Math.min(frames.length, i + CHUNK); j++) socket.onmessage?.({ data: frames[j] });
    await new Promise((r) => setImmediate(r));
  }
  while (received() < frames.length) await new Promise((r) => setImmediate(r));
  return performance.now() - started;
}

async function oursAlone(frames: Frames): Promise<number> {
  current = undefined;
  const client = createClient({
    driver: supabaseDriver({ url: 'http://bench.invalid', apikey: 'anon', vsn: '2.0.0' }),
    WebSocket: ReplaySocket as never,
  });
  let n = 0;
  const sub = client.channel('bench', { broadcast: { ack: false } }).broadcast$('cursor').subscribe(() => n++);
  const socket = await whenJoined();
  const ms = await replay(socket, frames, () => n);
  sub.unsubscribe();
  await client.close();
  return ms;
}

async function realtimeJsAlone(frames: Frames): Promise<number> {
  current = undefined;
  const client = new RealtimeClient('ws://bench.invalid/realtime/v1', { transport: ReplaySocket as never, params: { apikey: 'anon' }, vsn: '2.0.0' });
  let n = 0;
  const channel = client.channel('bench').on('broadcast', { event: 'cursor' }, () => n++);
  channel.subscribe();
  const socket = await whenJoined();
  const ms = await replay(socket, frames, () => n);
  await client.removeAllChannels();
  client.disconnect();
  return ms;
}

const decoder = new TextDecoder();
function floorAlone(frames: Frames): Promise<number> {
  let n = 0;
  const socket = { onmessage: (ev: { data: unknown }) => {
    const d = ev.data;
    if (typeof d === 'string') {
      const m = JSON.parse(d) as unknown[];
      if (m[3] === 'broadcast') n++;
    } else {
      const b = new Uint8Array(d as ArrayBuffer);
      const start = 5 + b[1]! + b[2]! + b[3]!;
      JSON.parse(decoder.decode(b.subarray(start)));
      n++;
    }
  } } as unknown as ReplaySocket;
  return replay(socket, frames, () => n);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (ms: number, n = N): string => `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;

async function clientAlone(): Promise<void> {
  console.log(`\n## 1. Receive rate, client alone (${N.toLocaleString('en-US')} broadcasts replayed, median of ${ROUNDS} interleaved rounds)\n`);
  console.log('| frames | floor (parse only) | livebind | realtime-js | livebind / floor | livebind / realtime-js |');
  console.log('|---|---|---|---|---|---|');
  for (const [label, frames] of [
    ['v2 text (JSON array)', Array.from({ length: N }, (_, i) => textFrame(i))],
    ['v2 binary (kind 4)', Array.from({ length: N }, (_, i) => binaryFrame(i))],
  ] as const) {
    const t: Record<'floor' | 'ours' | 'rt', number[]> = { floor: [], ours: [], rt: [] };
    const only = process.env['CLIENT'];
    for (let r = 0; r < ROUNDS; r++) {
      t.floor.push(await floorAlone(frames));
      if (only === undefined || only === 'livebind') t.ours.push(await oursAlone(frames));
      if (only === undefined || only === 'realtime-js') t.rt.push(await realtimeJsAlone(frames));
    }
    if (only !== undefined) {
      console.log(`| ${label} | ${rate(median(t.floor))} | ${t.ours.length ? rate(median(t.ours)) : '-'} | ${t.rt.length ? rate(median(t.rt)) : '-'} | | |`);
      continue;
    }
    const [f, o, rt] = [median(t.floor), median(t.ours), median(t.rt)];
    console.log(`| ${label} | ${rate(f)} | ${rate(o)} | ${rate(rt)} | ${((f / o) * 100).toFixed(0)}% | ${(rt / o).toFixed(2)}x |`);
  }
}

// ------------------------------------------------------------------------------------------------
// 2. End to end through the dev server.
// ------------------------------------------------------------------------------------------------

function rawSocket(server: DevServer, onMessage?: (data: WebSocket.RawData, binary: boolean) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.realtimeUrl}/websocket?apikey=anon&vsn=2.0.0`);
    ws.on('error', reject);
    ws.on('message', (data, binary) => {
      if (!binary) {
        const m = JSON.parse(data.toString()) as unknown[];
        if (m[3] === 'phx_reply' && m[1] === 'join') return resolve(ws);
      }
      onMessage?.(data, binary);
    });
    ws.on('open', () => {
      ws.send(JSON.stringify(['j', 'join', TOPIC, 'phx_join', { config: { broadcast: { ack: false, self: false }, presence: { key: '', enabled: false }, postgres_changes: [], private: false } }]));
    });
  });
}

/** Sends `count` broadcasts as fast as the socket drains (text arrays or kind 3 binary frames). */
async function blast(ws: WebSocket, count: number, binary: boolean): Promise<void> {
  const topic = encoder.encode(TOPIC);
  const event = encoder.encode('cursor');
  for (let i = 0; i < count; i++) {
    if (binary) {
      const body = encoder.encode(JSON.stringify(payloadOf(i)));
      const ref = encoder.encode(String(i));
      const out = new Uint8Array(7 + 1 + ref.length + topic.length + event.length + body.length);
      out.set([3, 1, ref.length, topic.length, event.length, 0, 1], 0);
      let at = 7;
      for (const part of [encoder.encode('j'), ref, topic, event, body]) {
        out.set(part, at);
        at += part.length;
      }
      ws.send(out);
    } else {
      ws.send(JSON.stringify(['j', String(i), TOPIC, 'broadcast', { type: 'broadcast', event: 'cursor', payload: payloadOf(i) }]));
    }
    if (ws.bufferedAmount > 1 << 20) while (ws.bufferedAmount > 1 << 18) await new Promise((r) => setTimeout(r, 1));
  }
}

function ourClient(server: DevServer): LivebindClient {
  return createClient({
    driver: supabaseDriver({ url: server.url, apikey: 'anon', vsn: '2.0.0' }),
    WebSocket: WebSocket as never,
    channels: { presenceGraceMs: 0, presenceBudget: { count: 5, windowMs: 30_000 } },
  });
}

async function receiveEndToEnd(server: DevServer): Promise<void> {
  console.log(`\n## 2a. Receive rate on one socket through the dev server (${N.toLocaleString('en-US')} broadcasts, median of 3)\n`);
  console.log('| sender frames | floor (bare ws) | livebind | realtime-js | livebind / floor | livebind / realtime-js |');
  console.log('|---|---|---|---|---|---|');
  for (const binary of [false, true]) {
    const t: Record<'floor' | 'ours' | 'rt', number[]> = { floor: [], ours: [], rt: [] };
    for (let r = 0; r < 3; r++) {
      for (const who of ['floor', 'ours', 'rt'] as const) {
        let n = 0;
        let done: () => void = () => undefined;
        const all = new Promise<void>((r2) => (done = r2));
        const count = (): void => {
          if (++n === N) done();
        };
        let close: () => Promise<void>;
        if (who === 'floor') {
          const ws = await rawSocket(server, (data, isBinary) => {
            if (isBinary) {
              const b = data as Buffer;
              JSON.parse(b.subarray(5 + b[1]! + b[2]! + b[3]!).toString());
              count();
            } else if ((JSON.parse(data.toString()) as unknown[])[3] === 'broadcast') count();
          });
          close = async () => ws.close();
        } else if (who === 'ours') {
          const c = ourClient(server);
          const ch = c.channel('bench', { broadcast: { ack: false } });
          const sub = ch.broadcast$('cursor').subscribe(count);
          await new Promise<void>((r2) => {
            const s = ch.status$.subscribe((st) => st.status === 'joined' && (r2(), queueMicrotask(() => s.unsubscribe())));
          });
          close = async () => {
            sub.unsubscribe();
            await c.close();
          };
        } else {
          const c = new RealtimeClient(server.realtimeUrl, { transport: WebSocket as never, params: { apikey: 'anon' }, vsn: '2.0.0' });
          const ch = c.channel('bench').on('broadcast', { event: 'cursor' }, count);
          await new Promise<void>((r2) => ch.subscribe((s) => s === 'SUBSCRIBED' && r2()));
          close = async () => {
            await c.removeAllChannels();
            c.disconnect();
          };
        }
        const sender = await rawSocket(server);
        const started = performance.now();
        await blast(sender, N, binary);
        await all;
        t[who].push(performance.now() - started);
        sender.close();
        await close();
      }
    }
    const [f, o, rt] = [median(t.floor), median(t.ours), median(t.rt)];
    console.log(`| ${binary ? 'kind 3 binary → kind 4' : 'JSON text'} | ${rate(f)} | ${rate(o)} | ${rate(rt)} | ${((f / o) * 100).toFixed(0)}% | ${(rt / o).toFixed(2)}x |`);
  }
}

async function latency(server: DevServer): Promise<void> {
  const count = RATE * SECONDS;
  const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
  const results: Record<string, number[]> = {};
  for (const who of ['bare ws', 'livebind']) {
    const samples: number[] = [];
    const sentAt = new Map<number, number>();
    const got = (i: number): void => {
      const t0 = sentAt.get(i);
      if (t0 !== undefined) samples.push(performance.now() - t0);
    };
    let send: (i: number) => void;
    let close: () => Promise<void>;
    if (who === 'bare ws') {
      const rx = await rawSocket(server, (data, isBinary) => {
        if (isBinary) return;
        const m = JSON.parse(data.toString()) as [unknown, unknown, string, string, { payload: { i: number } }];
        if (m[3] === 'broadcast') got(m[4].payload.i);
      });
      const tx = await rawSocket(server);
      send = (i) => tx.send(JSON.stringify(['j', String(i), TOPIC, 'broadcast', { type: 'broadcast', event: 'cursor', payload: payloadOf(i) }]));
      close = async () => {
        rx.close();
        tx.close();
      };
    } else {
      const rx = ourClient(server);
      const tx = ourClient(server);
      const rxCh = rx.channel('bench', { broadcast: { ack: false } });
      const txCh = tx.channel('bench', { broadcast: { ack: false } });
      const sub = rxCh.broadcast$('cursor').subscribe((m) => got((m.payload as { i: number }).i));
      const joined = (ch: typeof rxCh): Promise<void> =>
        new Promise((r) => {
          const s = ch.status$.subscribe((st) => st.status === 'joined' && (r(), queueMicrotask(() => s.unsubscribe())));
        });
      const keep = txCh.status$.subscribe(() => undefined);
      await Promise.all([joined(rxCh), joined(txCh)]);
      send = (i) => void txCh.send('cursor', payloadOf(i), { delivery: 'drop' });
      close = async () => {
        sub.unsubscribe();
        keep.unsubscribe();
        await rx.close();
        await tx.close();
      };
    }
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const due = started + (i * 1000) / RATE;
      while (performance.now() < due) await new Promise((r) => setImmediate(r));
      sentAt.set(i, performance.now());
      send(i);
    }
    const deadline = performance.now() + 5000;
    while (samples.length < count && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    results[who] = samples;
    await close();
  }
  console.log(`\n## 2b. Send → receive latency at ${RATE} msg/s for ${SECONDS} s (two sockets through the dev server)\n`);
  console.log('| pair | received | p50 ms | p99 ms |');
  console.log('|---|---|---|---|');
  for (const [who, s] of Object.entries(results)) console.log(`| ${who} | ${s.length}/${count} | ${pct(s, 0.5).toFixed(2)} | ${pct(s, 0.99).toFixed(2)} |`);
  const bare = results['bare ws']!;
  const ours = results['livebind']!;
  console.log(`\nlivebind p99 / bare p99 = ${(pct(ours, 0.99) / pct(bare, 0.99)).toFixed(2)}x; p50 ratio ${(pct(ours, 0.5) / pct(bare, 0.5)).toFixed(2)}x`);
}

async function presenceFanOut(server: DevServer): Promise<void> {
  const clients = Array.from({ length: CLIENTS }, () => ourClient(server));
  const seen = new Array<number>(CLIENTS).fill(0);
  const started = performance.now();
  const subs = clients.map((c, i) => c.channel('presence-bench', { presence: { key: `u${i}` } }).presence$.subscribe((p) => (seen[i] = p.size)));
  await Promise.all(clients.map((c, i) => c.channel('presence-bench').track({ name: `user ${i}` })));
  const tracked = performance.now();
  while (seen.some((s) => s < CLIENTS)) await new Promise((r) => setTimeout(r, 2));
  const converged = performance.now();
  console.log(`\n## 2c. Presence fan-out: ${CLIENTS} livebind clients join and track one channel\n`);
  console.log(`every client sees all ${CLIENTS} members ${(converged - started).toFixed(0)} ms after the first join (${(tracked - started).toFixed(0)} ms until every track was acknowledged)`);
  for (const s of subs) s.unsubscribe();
  await Promise.all(clients.map((c) => c.close()));
}

async function main(): Promise<void> {
  console.log(`# bench/broadcast.ts — Node ${process.version}, ${new Date().toISOString()}`);
  await clientAlone();
  if (process.env['ONLY'] === 'client') return;
  const server = await startDevServer({ quiet: true, realtime: { maxMessagesPerSecond: 1_000_000, maxJoinsPerSecond: 10_000 } });
  try {
    await receiveEndToEnd(server);
    await latency(server);
    await presenceFanOut(server);
  } finally {
    await server.close();
  }
}

await main();
process.exit(0);
