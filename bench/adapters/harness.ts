/**
 * Shared parts of the adapter render benchmarks (bench/adapters/*.run.ts, run by
 * bench/adapters/vitest.config.ts so the Svelte compiler and Solid's client build are in place):
 * a 10,000-row feed (the real materializer behind a fake client) and the measuring loop.
 * Not a test: it prints figures, asserts nothing about time.
 */
import { createMaterializer } from '../../src/live/createMaterializer.js';
import type { LivebindClient, LiveRows } from '../../src/types.js';

export const ROWS = Number(process.env.ROWS ?? 10_000);
export const UPDATES = Number(process.env.UPDATES ?? 100);
const WARMUP = 10;

export interface Item {
  readonly id: number;
  label: string;
}

export const counts = { rows: 0 };
export const initialRows = (): Item[] => Array.from({ length: ROWS }, (_, i) => ({ id: i, label: `row ${i}` }));

/** livebind's side: a client whose liveRows() is a store over the real materializer. */
export function liveFeed() {
  const materializer = createMaterializer<Item>({ keyOf: (r) => String(r.id), orderBy: [{ column: 'id' }] });
  const asLive = (rs: typeof materializer.current): LiveRows<Item> => ({
    status: 'ready', error: undefined, seq: undefined, progress: undefined,
    get size() { return rs.size; }, get rows() { return rs.rows; }, get byKey() { return rs.byKey; },
    at: (i) => rs.at(i), slice: (a, b) => rs.slice(a, b), get: (k) => rs.get(k),
  });
  let live = asLive(materializer.replaceAll(initialRows()));
  const listeners = new Set<() => void>();
  const store = { subscribe: (l: () => void) => (listeners.add(l), l(), () => void listeners.delete(l)), getSnapshot: () => live };
  return {
    client: { liveRows: () => store } as unknown as LivebindClient,
    patch(id: number, label: string) {
      live = asLive(materializer.apply([{ op: 'patch', key: String(id), patch: { label } }]));
      for (const l of [...listeners]) l();
    },
  };
}

/** The naive side's data: a fresh array of fresh row objects per change (as a refetch or a JSON snapshot hands over). */
export function freshRows(current: readonly Item[], id: number, label: string): Item[] {
  return current.map((r) => ({ id: r.id, label: r.id === id ? label : r.label }));
}

export interface Variant {
  readonly name: string;
  mount(target: HTMLElement): Promise<void> | void;
  /** Apply a one-row change and return once the DOM shows it. */
  update(id: number, label: string): Promise<void> | void;
  unmount(): void;
}

export async function run(framework: string, variants: readonly Variant[]): Promise<string> {
  const samples = new Map<string, { ms: number[]; rows: number[] }>();
  for (const v of variants) {
    const target = document.createElement('div');
    document.body.appendChild(target);
    await v.mount(target);
    const s = { ms: [] as number[], rows: [] as number[] };
    for (let i = 0; i < WARMUP + UPDATES; i++) {
      const id = (i * 7919) % ROWS;
      const label = `update ${v.name} ${i}`;
      counts.rows = 0;
      const t0 = performance.now();
      await v.update(id, label);
      const ms = performance.now() - t0;
      if (!target.textContent?.includes(label)) throw new Error(`${framework}/${v.name}: the DOM does not show update ${i}`);
      if (i >= WARMUP) (s.ms.push(ms), s.rows.push(counts.rows));
    }
    v.unmount();
    target.remove();
    samples.set(v.name, s);
  }
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  const base = pct(samples.get(variants[0]!.name)!.ms, 0.5);
  const lines = [`${framework}: ${ROWS} rows, ${UPDATES} one-row updates (median after ${WARMUP} warm-up)`, '| variant | median ms | p95 ms | row renders/update | median vs livebind |', '|---|---|---|---|---|'];
  for (const [name, s] of samples) {
    const med = pct(s.ms, 0.5);
    lines.push(`| ${name} | ${med.toFixed(2)} | ${pct(s.ms, 0.95).toFixed(2)} | ${pct(s.rows, 0.5)} | ${(med / base).toFixed(1)}x |`);
  }
  const out = lines.join('\n');
  console.log(out);
  return out;
}
