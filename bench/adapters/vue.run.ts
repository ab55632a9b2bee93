import { test } from 'vitest';
import { createApp, defineComponent, h, nextTick, shallowRef, ref, type Component } from 'vue';
import { useLiveQuery } from '../../adapters/vue/index.js';
import { counts, freshRows, initialRows, liveFeed, run, type Item, type Variant } from './harness.js';

const Row = defineComponent({ props: { row: { type: Object as () => Item, required: true } }, setup: (p) => () => (counts.rows++, h('li', `${p.row.id}: ${p.row.label}`)) });
const list = (rows: readonly Item[]) => h('ul', rows.map((row) => h(Row, { key: row.id, row })));

function variant(name: string, component: () => Component, update: (id: number, label: string) => void): Variant {
  let app: ReturnType<typeof createApp> | undefined;
  return {
    name,
    mount: (target) => void (app = createApp(component())).mount(target),
    update: async (id, label) => (update(id, label), await nextTick()),
    unmount: () => app?.unmount(),
  };
}

test('Vue: one-row update in a 10,000-row list', async () => {
  const feed = liveFeed();
  const naive = ref<Item[]>(initialRows());
  const naiveShallow = shallowRef<Item[]>(initialRows());
  await run('Vue 3.5', [
    variant('livebind/vue useLiveQuery', () => defineComponent({ setup() { const r = useLiveQuery<Item>('q', [], { client: feed.client }); return () => list(r.value.rows); } }), feed.patch),
    variant('naive: ref(rows) replaced by fresh rows', () => defineComponent({ setup: () => () => list(naive.value) }), (id, label) => void (naive.value = freshRows(naive.value, id, label))),
    variant('naive: deep ref, mutate the row in place', () => defineComponent({ setup: () => () => list(naive.value) }), (id, label) => void (naive.value.find((r) => r.id === id)!.label = label)),
    variant('naive: shallowRef replaced by fresh rows', () => defineComponent({ setup: () => () => list(naiveShallow.value) }), (id, label) => void (naiveShallow.value = freshRows(naiveShallow.value, id, label))),
  ]);
}, 600_000);
