/**
 * React render cost of a one-row update in a 10,000-row live list (not a timed test).
 *
 *   NODE_ENV=production npx tsx bench/react-render.tsx        (ROWS=10000 UPDATES=200 to change sizes)
 *
 * Same process, same DOM (jsdom), same memoized row component, interleaved rounds:
 *   livebind   useLiveQuery over a store fed by the real materializer (createMaterializer.apply)
 *   naive      useState + useEffect subscription that replaces the array with the fresh rows
 *              received for the change (new row objects, as after a refetch or a JSON snapshot)
 *   naive-map  useState + useEffect with an immutable map (only the changed object is new):
 *              the best a hand-written hook does without a keyed store
 * and, for a virtualized list showing rows 0..99 (the update hits a visible row):
 *   livebind-window   useLiveQuery + snapshot.slice(0, 100): the full array is never built
 *   naive-map-window  the naive-map state, rendered with rows.slice(0, 100)
 * Each update is applied inside flushSync, so the measured time is change → committed DOM.
 * No server: changes go straight into the materializer to isolate rendering.
 */
// jsdom ships no type declarations here; this is the little of it the bench uses.
type JsdomWindow = Window & typeof globalThis;
const { JSDOM } = (await import('jsdom' as string)) as { JSDOM: new (html: string) => { window: JsdomWindow } };

const ROWS = Number(process.env.ROWS ?? 10_000);
const UPDATES = Number(process.env.UPDATES ?? 200);
const WARMUP = 20;
const WINDOW = 100;

const dom = new JSDOM('<!doctype html><html><body></body></html>');
Object.assign(globalThis, { window: dom.window, document: dom.window.document, navigator: dom.window.navigator });
for (const k of ['HTMLElement', 'Node', 'Text', 'Element', 'Event', 'MutationObserver'] as const) {
  (globalThis as Record<string, unknown>)[k] = dom.window[k];
}

interface Item {
  readonly id: number;
  readonly label: string;
}

type Listener = () => void;

async function main(): Promise<void> {
  const React = await import('react');
  const { createRoot } = await import('react-dom/client');
  const { flushSync } = await import('react-dom');
  const { createMaterializer } = await import('../src/live/createMaterializer.js');
  const { useLiveQuery } = await import('../react/index.js');
  type LiveRows = import('../src/types.js').LiveRows<Item>;
  type Client = import('../src/types.js').LivebindClient;
  const { memo, useEffect, useState } = React;

  const initial: Item[] = Array.from({ length: ROWS }, (_, i) => ({ id: i, label: `row ${i}` }));

  // One feed per variant: the materializer's revision (livebind) and the plain array (naive).
  const materializer = createMaterializer<Item>({ keyOf: (r) => String(r.id), orderBy: [{ column: 'id' }] });
  const asLive = (rs: typeof materializer.current): LiveRows => ({
    status: 'ready', error: undefined, seq: undefined, progress: undefined,
    get size() { return rs.size; }, get rows() { return rs.rows; }, get byKey() { return rs.byKey; },
    at: (i) => rs.at(i), slice: (a, b) => rs.slice(a, b), get: (k) => rs.get(k),
  });
  let live = asLive(materializer.replaceAll(initial));
  const liveListeners = new Set<Listener>();
  const store = {
    subscribe: (l: Listener) => (liveListeners.add(l), () => void liveListeners.delete(l)),
    getSnapshot: () => live,
  };
  const client = { liveRows: () => store } as unknown as Client;

  let naiveRows: Item[] = initial;
  const naiveListeners = new Set<(rows: Item[]) => void>();
  type Change = { id: number; label: string };
  const mapListeners = new Set<(c: Change) => void>();

  let rowRenders = 0;
  let listRenders = 0;
  const Row = memo(function Row({ item }: { item: Item }) {
    rowRenders += 1;
    return <li>{item.id}: {item.label}</li>;
  });
  const List = ({ rows }: { rows: readonly Item[] }) => {
    listRenders += 1;
    return <ul>{rows.map((r) => <Row key={r.id} item={r} />)}</ul>;
  };
  function LiveList() {
    const { rows } = useLiveQuery<Item>('SELECT id, label FROM bench.items', [], { client, orderBy: 'id' });
    return <List rows={rows} />;
  }
  function LiveWindow() {
    const { snapshot } = useLiveQuery<Item>('SELECT id, label FROM bench.items', [], { client, orderBy: 'id' });
    return <List rows={snapshot.slice(0, WINDOW)} />;
  }
  function NaiveMapWindow() {
    const [rows, setRows] = useState<Item[]>(initial);
    useEffect(() => {
      const on = (c: Change) => setRows((prev) => prev.map((r) => (r.id === c.id ? { ...r, label: c.label } : r)));
      mapListeners.add(on);
      return () => void mapListeners.delete(on);
    }, []);
    return <List rows={rows.slice(0, WINDOW)} />;
  }
  function NaiveList() {
    const [rows, setRows] = useState<Item[]>(naiveRows);
    useEffect(() => {
      naiveListeners.add(setRows);
      return () => void naiveListeners.delete(setRows);
    }, []);
    return <List rows={rows} />;
  }
  function NaiveMapList() {
    const [rows, setRows] = useState<Item[]>(initial);
    useEffect(() => {
      const on = (c: Change) => setRows((prev) => prev.map((r) => (r.id === c.id ? { ...r, label: c.label } : r)));
      mapListeners.add(on);
      return () => void mapListeners.delete(on);
    }, []);
    return <List rows={rows} />;
  }

  type Variant = 'livebind' | 'naive' | 'naive-map' | 'livebind-window' | 'naive-map-window';
  const variants: Variant[] = ['livebind', 'naive', 'naive-map', 'livebind-window', 'naive-map-window'];
  const elements: Record<Variant, () => React.ReactElement> = {
    livebind: () => <LiveList />,
    naive: () => <NaiveList />,
    'naive-map': () => <NaiveMapList />,
    'livebind-window': () => <LiveWindow />,
    'naive-map-window': () => <NaiveMapWindow />,
  };
  const roots = new Map<Variant, ReturnType<typeof createRoot>>();
  for (const v of variants) {
    const el = document.createElement('div');
    document.body.appendChild(el);
    const root = createRoot(el);
    flushSync(() => root.render(elements[v]()));
    roots.set(v, root);
  }
  await new Promise((r) => setTimeout(r, 0)); // let passive effects subscribe

  const apply: Record<Variant, (c: Change) => void> = {
    livebind: (c) => {
      live = asLive(materializer.apply([{ op: 'patch', key: String(c.id), patch: { label: c.label } }]));
      for (const l of [...liveListeners]) l();
    },
    naive: (c) => {
      // The fresh result as a subscription delivering full results would hand it over.
      naiveRows = naiveRows.map((r) => (r.id === c.id ? { id: r.id, label: c.label } : { id: r.id, label: r.label }));
      for (const l of [...naiveListeners]) l(naiveRows);
    },
    'naive-map': (c) => {
      for (const l of [...mapListeners]) l(c);
    },
    'livebind-window': (c) => apply.livebind(c),
    'naive-map-window': (c) => apply['naive-map'](c),
  };

  const samples = new Map<Variant, { ms: number[]; rows: number[]; lists: number[] }>();
  for (const v of variants) samples.set(v, { ms: [], rows: [], lists: [] });
  // Full-list variants and windowed variants share feeds, so they run as two phases; within a
  // phase the order alternates each round.
  const phases: Variant[][] = [
    ['livebind', 'naive', 'naive-map'],
    ['livebind-window', 'naive-map-window'],
  ];
  for (const [phase, group] of phases.entries()) {
  for (const other of variants) if (!group.includes(other)) roots.get(other)!.render(null);
  flushSync(() => {});
  for (const v of group) flushSync(() => roots.get(v)!.render(elements[v]()));
  await new Promise((r) => setTimeout(r, 0));
  for (let i = 0; i < WARMUP + UPDATES; i++) {
    const id = phase === 0 ? (i * 7919) % ROWS : (i * 37) % WINDOW;
    const change = { id, label: `update ${phase}.${i}` };
    for (const v of i % 2 === 0 ? group : [...group].reverse()) {
      rowRenders = 0;
      listRenders = 0;
      const t0 = performance.now();
      flushSync(() => apply[v](change));
      const ms = performance.now() - t0;
      if (i >= WARMUP) {
        const s = samples.get(v)!;
        s.ms.push(ms);
        s.rows.push(rowRenders);
        s.lists.push(listRenders);
      }
    }
  }
  }

  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  const baseOf = (v: Variant) => pct(samples.get(v.endsWith('window') ? 'livebind-window' : 'livebind')!.ms, 0.5);
  console.log(`React ${React.version}, NODE_ENV=${process.env.NODE_ENV ?? 'development'}, ${ROWS} rows, ${UPDATES} one-row updates`);
  console.log('variant            median ms   p95 ms   row renders/update   list renders/update   median vs livebind(-window)');
  for (const v of variants) {
    const s = samples.get(v)!;
    const med = pct(s.ms, 0.5);
    const base = baseOf(v);
    console.log(
      `${v.padEnd(17)} ${med.toFixed(2).padStart(10)} ${pct(s.ms, 0.95).toFixed(2).padStart(8)}` +
        ` ${pct(s.rows, 0.5).toString().padStart(20)} ${pct(s.lists, 0.5).toString().padStart(21)}` +
        ` ${(med / base).toFixed(1).padStart(20)}x`,
    );
  }
  for (const root of roots.values()) root.unmount();
}

await main();
