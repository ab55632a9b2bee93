import { flushSync, mount, unmount } from 'svelte';
import { test } from 'vitest';
import { freshRows, initialRows, liveFeed, run, type Variant } from './harness.js';
import LiveList from './svelte/LiveList.svelte';
import NaiveList from './svelte/NaiveList.svelte';

function variant(name: string, component: any, props: Record<string, unknown>, update: (id: number, label: string) => void): Variant {
  let instance: Record<string, unknown> | undefined;
  return {
    name,
    mount: (target) => void ((instance = mount(component, { target, props })), flushSync()),
    update: (id, label) => (update(id, label), flushSync()),
    unmount: () => void unmount(instance!),
  };
}

export function svelteBench() {
  test('Svelte: one-row update in a 10,000-row list', async () => {
    const feed = liveFeed();
    const deep = $state({ rows: initialRows() });
    await run('Svelte 5', [
      variant('livebind/svelte liveQuery', LiveList, { client: feed.client }, feed.patch),
      variant('naive: $state(rows) replaced by fresh rows', NaiveList, { data: deep }, (id, label) => void (deep.rows = freshRows(deep.rows, id, label))),
      variant('naive: $state(rows), mutate the row in place', NaiveList, { data: deep }, (id, label) => void (deep.rows.find((r) => r.id === id)!.label = label)),
    ]);
  }, 600_000);
}
