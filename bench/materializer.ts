/**
 * Materializer benchmark: one change at a time (moving updates, inserts, deletes) applied to an
 * ordered 100,000-row set, ours vs TanStack DB measured side by side in the same process, plus
 * the 100k build time of both.
 *
 *   npx tsx bench/materializer.ts                  # print the report section
 *   npx tsx bench/materializer.ts --write-report   # also replace "## Materializer" in bench/REPORT.md
 *   BENCH_N=20000 npx tsx bench/materializer.ts    # smaller set (quick look)
 *   BENCH_OURS_ONLY=1 npx tsx bench/materializer.ts # our figures only (no TanStack DB runs)
 *
 * TanStack DB is driven two ways, both with `createLiveQueryCollection(q => q.from(..).orderBy(score))`:
 * - "local-only": `localOnlyCollectionOptions` + `collection.insert/update/delete` (as asked);
 * - "sync write": a collection whose sync handler we drive with begin/write/commit, which is how a
 *   server-fed stream (our use case) enters TanStack DB.
 * A change counts as done when the live query has emitted it (its subscribeChanges callback ran —
 * TanStack propagates synchronously, checked below) and, for us, when `apply()` returned the new
 * RowSet. A second figure for us adds reading the first 50 visible rows (`slice(0, 50)`).
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { createCollection, createLiveQueryCollection, localOnlyCollectionOptions } from '@tanstack/db';
import { createMaterializer } from '../src/live/createMaterializer.js';
import type { RowOp } from '../src/live/types.js';
import { loadedClient } from './memoryServerClient.js';

interface Row {
  id: string;
  score: number;
  title: string;
  owner: string;
}

type Change = { kind: 'update'; key: string; score: number } | { kind: 'insert'; row: Row } | { kind: 'delete'; key: string };

const N = Number(process.env['BENCH_N'] ?? 100_000);
const OUR_WARMUP = 3_000;
const OUR_ITER = 30_000;
const TS_WARMUP = 200;
const TS_ITER = Number(process.env['BENCH_TS_ITER'] ?? 1_500);

let seed = 0x2545f491;
function rand(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}

const makeRow = (i: number): Row => ({ id: `row-${i}`, score: Math.floor(rand() * 1_000_000), title: `title ${i}`, owner: `u${i % 97}` });

/** A change stream that keeps the set near N rows: 60% moving updates, 20% inserts, 20% deletes. */
function makeChanges(count: number, initialIds: string[], nextId: { n: number }): Change[] {
  const live = initialIds.slice();
  const out: Change[] = [];
  for (let i = 0; i < count; i++) {
    const r = rand();
    if (r < 0.6) out.push({ kind: 'update', key: live[Math.floor(rand() * live.length)]!, score: Math.floor(rand() * 1_000_000) });
    else if (r < 0.8) {
      const row = makeRow(nextId.n++);
      live.push(row.id);
      out.push({ kind: 'insert', row });
    } else {
      const at = Math.floor(rand() * live.length);
      const key = live[at]!;
      live[at] = live[live.length - 1]!;
      live.pop();
      out.push({ kind: 'delete', key });
    }
  }
  return out;
}

const toOp = (c: Change): RowOp<Row> =>
  c.kind === 'update' ? { op: 'patch', key: c.key, patch: { score: c.score } } : c.kind === 'insert' ? { op: 'upsert', row: c.row } : { op: 'delete', key: c.key };

function percentiles(samplesNs: bigint[]): { p50: number; p99: number; mean: number } {
  const us = samplesNs.map((s) => Number(s) / 1000).sort((a, b) => a - b);
  const q = (p: number): number => us[Math.min(us.length - 1, Math.floor(p * us.length))]!;
  return { p50: q(0.5), p99: q(0.99), mean: us.reduce((a, b) => a + b, 0) / us.length };
}

const initial: Row[] = Array.from({ length: N }, (_, i) => makeRow(i));
const orderBy = [{ column: 'score' }] as const;

// ---------- ours ----------
function oursBuildMs(): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const m = createMaterializer<Row>({ keyOf: (r) => r.id, orderBy });
    const t0 = process.hrtime.bigint();
    const rs = m.apply(initial.map((row) => ({ op: 'upsert', row })));
    const t1 = process.hrtime.bigint();
    if (rs.size !== N) throw new Error('build size mismatch');
    times.push(Number(t1 - t0) / 1e6);
  }
  return times.sort((a, b) => a - b)[2]!;
}

function oursChanges(readWindow: boolean): ReturnType<typeof percentiles> {
  const m = createMaterializer<Row>({ keyOf: (r) => r.id, orderBy });
  m.apply(initial.map((row) => ({ op: 'upsert', row })));
  const changes = makeChanges(OUR_WARMUP + OUR_ITER, initial.map((r) => r.id), { n: N });
  const samples: bigint[] = [];
  let sink = 0;
  for (let i = 0; i < changes.length; i++) {
    const op = toOp(changes[i]!);
    const t0 = process.hrtime.bigint();
    const rs = m.apply([op]);
    if (readWindow) sink += rs.slice(0, 50).length;
    const t1 = process.hrtime.bigint();
    if (i >= OUR_WARMUP) samples.push(t1 - t0);
  }
  // Correctness spot check: sorted by score, and the last change is reflected.
  const rs = m.current;
  for (let i = 1; i < 1000; i++) if (rs.at(i - 1)!.score > rs.at(i)!.score) throw new Error('ours: not sorted');
  if (sink < 0) console.log(sink);
  return percentiles(samples);
}

/** Ours only: initial load in 1,000-row pages, and full reloads (replaceAll) unchanged / all moved. Min of 3. */
function oursBulk(): { pagedMs: number; reloadSameMs: number; reloadMovedMs: number } {
  const best = { pagedMs: Infinity, reloadSameMs: Infinity, reloadMovedMs: Infinity };
  for (let rep = 0; rep < 3; rep++) {
    const m = createMaterializer<Row>({ keyOf: (r) => r.id, orderBy });
    let t0 = process.hrtime.bigint();
    for (let p = 0; p < N; p += 1000) m.apply(initial.slice(p, p + 1000).map((row): RowOp<Row> => ({ op: 'upsert', row })));
    best.pagedMs = Math.min(best.pagedMs, Number(process.hrtime.bigint() - t0) / 1e6);
    const same = initial.map((r) => ({ ...r }));
    const moved = initial.map((r) => ({ ...r, score: Math.floor(rand() * 1_000_000) }));
    t0 = process.hrtime.bigint();
    const before = m.current;
    if (m.replaceAll(same) !== before) throw new Error('ours: unchanged reload emitted');
    best.reloadSameMs = Math.min(best.reloadSameMs, Number(process.hrtime.bigint() - t0) / 1e6);
    t0 = process.hrtime.bigint();
    m.replaceAll(moved);
    best.reloadMovedMs = Math.min(best.reloadMovedMs, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

/**
 * Ours through the whole client: the same change stream as KalamDB `change` text frames
 * (spec §6.4), each handed to a real createClient() whose liveRows(orderBy score) holds the
 * 100k rows; timed until the subscriber has the new snapshot. Frames are built beforehand.
 * Also the floor: JSON.parse of the same frames.
 */
async function oursThroughClient(): Promise<{ stats: ReturnType<typeof percentiles>; parse: ReturnType<typeof percentiles> }> {
  const loaded = await loadedClient<Row>(
    initial,
    [{ name: 'id', dataType: 'Text', pk: true }, { name: 'score', dataType: 'Int' }, { name: 'title', dataType: 'Text' }, { name: 'owner', dataType: 'Text' }],
    'SELECT id, score, title, owner FROM bench.rows',
    { orderBy: 'score' },
  );
  const count = Math.min(OUR_WARMUP + OUR_ITER, 12_000);
  const changes = makeChanges(count, initial.map((r) => r.id), { n: N + 20_000_000 });
  const rows = new Map<string, { row: Row; seq: bigint }>(initial.map((r, i) => [r.id, { row: r, seq: BigInt(i + 1) }]));
  let seq = loaded.firstFreeSeq;
  const sub = JSON.stringify(loaded.subscriptionId);
  const frames = changes.map((c): string => {
    const s = seq++;
    const withSeq = (r: Row, q: bigint): string => JSON.stringify({ ...r, _seq: String(q) });
    if (c.kind === 'insert') {
      rows.set(c.row.id, { row: c.row, seq: s });
      return `{"type":"change","subscription_id":${sub},"change_type":"insert","rows":[${withSeq(c.row, s)}]}`;
    }
    const old = rows.get(c.key)!;
    if (c.kind === 'delete') {
      rows.delete(c.key);
      return `{"type":"change","subscription_id":${sub},"change_type":"delete","old_values":[${withSeq(old.row, s)}]}`;
    }
    const row = { ...old.row, score: c.score };
    rows.set(c.key, { row, seq: s });
    const oldValues = JSON.stringify({ id: c.key, score: old.row.score, _seq: String(old.seq) });
    return `{"type":"change","subscription_id":${sub},"change_type":"update","rows":[${withSeq(row, s)}],"old_values":[${oldValues}]}`;
  });
  const warm = Math.floor(count / 10);
  const samples: bigint[] = [];
  const parseSamples: bigint[] = [];
  for (let i = 0; i < frames.length; i++) {
    const before = loaded.emissions();
    const t0 = process.hrtime.bigint();
    loaded.deliver(frames[i]!);
    const t1 = process.hrtime.bigint();
    if (loaded.emissions() !== before + 1) throw new Error(`client: change ${i} did not emit exactly one snapshot synchronously`);
    const p0 = process.hrtime.bigint();
    JSON.parse(frames[i]!);
    const p1 = process.hrtime.bigint();
    if (i >= warm) {
      samples.push(t1 - t0);
      parseSamples.push(p1 - p0);
    }
  }
  const final = loaded.current();
  if (final.size !== rows.size) throw new Error(`client: ${final.size} rows, expected ${rows.size}`);
  for (let i = 1; i < 1000; i++) if (final.at(i - 1)!.score > final.at(i)!.score) throw new Error('client: not sorted');
  await loaded.close();
  return { stats: percentiles(samples), parse: percentiles(parseSamples) };
}

// ---------- TanStack DB ----------
interface TanstackTarget {
  label: string;
  buildMs: number;
  apply(c: Change): void;
  lq: {
    get(key: string): Row | undefined;
    subscribeChanges(cb: () => void, options: { includeInitialState: boolean }): unknown;
    size: number;
  };
}

async function tanstackLocalOnly(): Promise<TanstackTarget> {
  const t0 = performance.now();
  const coll = createCollection(localOnlyCollectionOptions<Row, string>({ getKey: (r) => r.id, initialData: initial }));
  const lq = createLiveQueryCollection((q) => q.from({ r: coll }).orderBy(({ r }) => r.score, 'asc'));
  await lq.preload();
  const buildMs = performance.now() - t0;
  return {
    label: 'TanStack DB local-only (insert/update/delete)',
    buildMs,
    lq: lq as unknown as TanstackTarget['lq'],
    apply(c) {
      if (c.kind === 'update') coll.update(c.key, (d) => void (d.score = c.score));
      else if (c.kind === 'insert') coll.insert(c.row);
      else coll.delete(c.key);
    },
  };
}

async function tanstackSyncWrite(): Promise<TanstackTarget> {
  type SyncParams = {
    begin: () => void;
    write: (m: { type: 'insert' | 'update' | 'delete'; value: Row }) => void;
    commit: () => void;
    markReady: () => void;
  };
  let sync: SyncParams | undefined;
  const current = new Map<string, Row>();
  const t0 = performance.now();
  const coll = createCollection<Row, string>({
    id: 'bench-sync',
    getKey: (r) => r.id,
    sync: {
      sync: (params) => {
        sync = params as unknown as SyncParams;
        sync.begin();
        for (const row of initial) {
          sync.write({ type: 'insert', value: row });
          current.set(row.id, row);
        }
        sync.commit();
        sync.markReady();
      },
    },
  });
  const lq = createLiveQueryCollection((q) => q.from({ r: coll }).orderBy(({ r }) => r.score, 'asc'));
  await lq.preload();
  const buildMs = performance.now() - t0;
  return {
    label: 'TanStack DB sync write (begin/write/commit)',
    buildMs,
    lq: lq as unknown as TanstackTarget['lq'],
    apply(c) {
      const s = sync!;
      s.begin();
      if (c.kind === 'update') {
        const row = { ...current.get(c.key)!, score: c.score };
        current.set(c.key, row);
        s.write({ type: 'update', value: row });
      } else if (c.kind === 'insert') {
        current.set(c.row.id, c.row);
        s.write({ type: 'insert', value: c.row });
      } else {
        const row = current.get(c.key)!;
        current.delete(c.key);
        s.write({ type: 'delete', value: row });
      }
      s.commit();
    },
  };
}

async function tanstackChanges(target: TanstackTarget): Promise<ReturnType<typeof percentiles>> {
  let emittedAt = 0n;
  // includeInitialState: the subscriber has "seen" every row, so deletes and updates are emitted
  // (without it TanStack DB filters out changes to keys it never sent to this subscriber).
  target.lq.subscribeChanges(
    () => {
      emittedAt = process.hrtime.bigint();
    },
    { includeInitialState: true },
  );
  const changes = makeChanges(TS_WARMUP + TS_ITER, initial.map((r) => r.id), { n: N + 10_000_000 });
  const samples: bigint[] = [];
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    emittedAt = 0n;
    const t0 = process.hrtime.bigint();
    target.apply(c);
    if (emittedAt === 0n) {
      // Not synchronous after all: wait for the live query to emit (counts toward the sample).
      let spins = 0;
      while (emittedAt === 0n) {
        if (++spins === 10_000) console.error(`${target.label}: change ${i} (${c.kind}) not emitted yet`);
        await new Promise((r) => setImmediate(r));
      }
    }
    if (i >= TS_WARMUP) samples.push(emittedAt - t0);
    if (i % 97 === 0) {
      const key = c.kind === 'insert' ? c.row.id : c.key;
      const seen = target.lq.get(key);
      const ok = c.kind === 'delete' ? seen === undefined : seen?.score === (c.kind === 'insert' ? c.row.score : c.score);
      if (!ok) throw new Error(`${target.label}: live query does not reflect change ${i}`);
    }
  }
  return percentiles(samples);
}

// ---------- run ----------
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, ${os.platform()} ${os.release()}, load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at start (machine shared with other work)`;

console.error(`materializer bench: N=${N}`);
const ourBuild = oursBuildMs();
console.error(`ours build ${fmt(ourBuild)} ms`);
const ours = oursChanges(false);
const oursRead = oursChanges(true);
console.error(`ours p50 ${fmt(ours.p50)} us p99 ${fmt(ours.p99)} us`);
const client = await oursThroughClient();
console.error(`ours through the client p50 ${fmt(client.stats.p50)} us p99 ${fmt(client.stats.p99)} us (JSON.parse alone p50 ${fmt(client.parse.p50)} us)`);
const bulk = oursBulk();
console.error(`ours paged ${fmt(bulk.pagedMs)} ms, reload same ${fmt(bulk.reloadSameMs)} ms, moved ${fmt(bulk.reloadMovedMs)} ms`);
if (process.env['BENCH_OURS_ONLY'] === '1') process.exit(0); // a quick before/after of our own figures

const results: { target: TanstackTarget; stats: ReturnType<typeof percentiles> }[] = [];
for (const make of [tanstackSyncWrite, tanstackLocalOnly]) {
  const target = await make();
  console.error(`${target.label}: build ${fmt(target.buildMs)} ms`);
  const stats = await tanstackChanges(target);
  console.error(`${target.label}: p50 ${fmt(stats.p50)} us p99 ${fmt(stats.p99)} us`);
  results.push({ target, stats });
}

const lines = [
  '## Materializer',
  '',
  `One change at a time on an ordered (\`score\` asc) ${N.toLocaleString('en-US')}-row set: 60% updates that move the row,`,
  '20% inserts, 20% deletes (same seeded stream for everyone). Per-change latency from before the call',
  'until the result reflects it: for us `apply()` returned the new RowSet; for TanStack DB the live',
  'query collection emitted (its `subscribeChanges` callback ran; it propagates synchronously, and',
  'every 97th change is checked with `lq.get`). Same process, side by side.',
  '',
  `| | build ${N / 1000}k rows | p50 / change | p99 / change | p50 ratio (them / us) | p99 ratio |`,
  '|---|---:|---:|---:|---:|---:|',
  `| livebind \`apply([op])\` (${OUR_ITER.toLocaleString('en-US')} changes) | ${fmt(ourBuild)} ms | ${fmt(ours.p50)} µs | ${fmt(ours.p99)} µs | | |`,
  `| livebind \`apply([op])\` + \`slice(0, 50)\` | | ${fmt(oursRead.p50)} µs | ${fmt(oursRead.p99)} µs | | |`,
  `| livebind client: \`change\` frame → \`liveRows\` snapshot | | ${fmt(client.stats.p50)} µs | ${fmt(client.stats.p99)} µs | | |`,
  `| (floor: \`JSON.parse\` of the same frames) | | ${fmt(client.parse.p50)} µs | ${fmt(client.parse.p99)} µs | | |`,
  ...results.map(
    ({ target, stats }) =>
      `| ${target.label} (${TS_ITER.toLocaleString('en-US')} changes) | ${fmt(target.buildMs)} ms | ${fmt(stats.p50)} µs | ${fmt(stats.p99)} µs | ${(stats.p50 / ours.p50).toFixed(0)}x | ${(stats.p99 / ours.p99).toFixed(0)}x |`,
  ),
  '',
  `Through the whole client (the row \`change\` frame → \`liveRows\`: a real \`createClient()\` on an in-memory`,
  'socket, bench/memoryServerClient.ts; decode, routing, row cleanup, materializer, emission; frames built beforehand),',
  `p50 ratio TanStack DB / livebind client: ${results.map(({ target, stats }) => `${target.label.split(' (')[0]} ${(stats.p50 / client.stats.p50).toFixed(0)}x`).join(', ')}`,
  '(TanStack DB gets parsed objects, no frame decoding).',
  '',
  `Build ratio (them / us): ${results.map(({ target }) => `${target.label.split(' (')[0]} ${(target.buildMs / ourBuild).toFixed(0)}x`).join(', ')}.`,
  '',
  `Ours only (min of 3): the same ${N / 1000}k rows loaded in 1,000-row pages (one \`apply\` per page, as the`,
  `client does): ${fmt(bulk.pagedMs)} ms; \`replaceAll\` of all rows unchanged (returns the same RowSet, all`,
  `identities kept): ${fmt(bulk.reloadSameMs)} ms; \`replaceAll\` with every row moved: ${fmt(bulk.reloadMovedMs)} ms.`,
  '',
  `Machine: ${machine}. @tanstack/db ${tanstackVersion()}.`,
  '',
  'Reproduce: `npx tsx bench/materializer.ts` (add `--write-report` to rewrite this section; `BENCH_N=20000` for a quick run).',
  '',
];
const section = lines.join('\n');
console.log(section);

if (process.argv.includes('--write-report')) {
  const path = new URL('./REPORT.md', import.meta.url);
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n\n';
  const start = before.indexOf('## Materializer\n');
  let after: string;
  if (start < 0) after = `${before.trimEnd()}\n\n${section}`;
  else {
    const next = before.indexOf('\n## ', start + 1);
    after = before.slice(0, start) + section + (next < 0 ? '' : before.slice(next + 1));
  }
  writeFileSync(path, after.endsWith('\n') ? after : `${after}\n`);
  console.error('bench/REPORT.md updated (section "Materializer")');
}

function tanstackVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../node_modules/@tanstack/db/package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown version';
  }
}
