// The Vue driver: render functions, createApp().mount on a jsdom element, nextTick as flush.
import { createApp, defineComponent, h, nextTick, ref, type Component } from 'vue';
import { useBroadcast, useConnectionState, useLiveQuery, usePresence, useSend, useTrack } from '../../../adapters/vue/index.js';
import { shallow } from '../../../src/index.js';
import type { PresenceSnapshot } from '../../../src/channel/types.js';
import type { Item } from '../backend.js';
import type { FrameworkDriver, QueryView } from '../scenarios.js';

function mount(component: Component): () => void {
  const el = document.createElement('div');
  document.body.appendChild(el);
  const app = createApp(component);
  app.mount(el);
  return () => {
    app.unmount();
    el.remove();
  };
}

const namesOf = (p: PresenceSnapshot<{ name: string }>) => p.members.map((m) => m.meta.name).sort();

export const vueDriver: FrameworkDriver = {
  name: 'Vue',
  mountQuery(props) {
    const counters = { list: 0, row: 0, view: { rows: [], status: 'none', error: undefined, isPlaceholder: false } as QueryView };
    const grp = ref(props.grp);
    const Row = defineComponent({
      props: { row: { type: Object as () => Item, required: true } },
      setup: (p) => () => (counters.row++, h('li', `${p.row.id}:${p.row.label}`)),
    });
    const List = defineComponent({
      setup() {
        const result = useLiveQuery<Item>(props.sql, () => [grp.value], { client: props.client, orderBy: 'id', keepPrevious: props.keepPrevious ?? false });
        return () => {
          counters.list++;
          const r = result.value;
          counters.view = { rows: r.rows, status: r.status, error: r.error, isPlaceholder: r.isPlaceholder };
          return h('ul', r.rows.map((row) => h(Row, { key: row.id, row })));
        };
      },
    });
    const unmount = mount(List);
    return { read: () => counters.view, setGroup: (g) => void (grp.value = g), listRenders: () => counters.list, rowRenders: () => counters.row, unmount };
  },
  mountConnection(client) {
    let status = '';
    const unmount = mount(defineComponent({ setup() { const s = useConnectionState({ client }); return () => ((status = s.value.status), null); } }));
    return { read: () => status, unmount };
  },
  mountPresence(client, topic, name) {
    const out = { renders: 0, names: [] as readonly string[] };
    const status = ref('online');
    const Names = defineComponent({
      setup() {
        const names = usePresence(topic, { client, selector: namesOf, isEqual: shallow });
        return () => (out.renders++, (out.names = names.value), null);
      },
    });
    const Room = defineComponent({
      setup() {
        useTrack(topic, () => ({ name, status: status.value }), { client });
        return () => h(Names);
      },
    });
    const unmount = mount(Room);
    return { read: () => out.names, renders: () => out.renders, setStatus: (s) => void (status.value = s), unmount };
  },
  mountBroadcast(client, topic, event) {
    const received: unknown[] = [];
    let send: ReturnType<typeof useSend> | undefined;
    const unmount = mount(
      defineComponent({
        setup() {
          useBroadcast(topic, event, (m) => received.push(m.payload), { client });
          send = useSend(topic, { client });
          return () => null;
        },
      }),
    );
    return { read: () => received, send: (e, p) => send!(e, p, { delivery: 'queue' }), unmount };
  },
  flush: async () => {
    await new Promise((r) => setTimeout(r, 0));
    await nextTick();
  },
};
