import { createComponent, createRenderEffect, createRoot, createSignal, For } from 'solid-js';
import { insert } from 'solid-js/web';
import { test } from 'vitest';
import { createLiveQuery } from '../../adapters/solid/index.js';
import { counts, freshRows, initialRows, liveFeed, run, type Item, type Variant } from './harness.js';

function list(target: HTMLElement, rows: () => readonly Item[]): void {
  const ul = document.createElement('ul');
  insert(ul, createComponent(For<readonly Item[], Node>, {
    get each() { return rows(); },
    children: (row: Item) => {
      const li = document.createElement('li');
      createRenderEffect(() => ((li.textContent = `${row.id}: ${row.label}`), counts.rows++));
      return li;
    },
  }));
  target.appendChild(ul);
}

function variant(name: string, build: (target: HTMLElement) => void, update: (id: number, label: string) => void): Variant {
  let dispose: (() => void) | undefined;
  return {
    name,
    mount: (target) => createRoot((d) => ((dispose = d), build(target))),
    update,
    unmount: () => dispose?.(),
  };
}

test('Solid: one-row update in a 10,000-row list', async () => {
  const feed = liveFeed();
  const [rows, setRows] = createSignal<Item[]>(initialRows());
  await run('Solid 1.9', [
    variant('livebind/solid createLiveQuery (store, reconcile by key)', (t) => { const q = createLiveQuery<Item>('q', undefined, { client: feed.client }); list(t, () => q.rows); }, feed.patch),
    variant('naive: signal of fresh rows + <For>', (t) => list(t, rows), (id, label) => void setRows((prev) => freshRows(prev, id, label))),
  ]);
}, 600_000);
