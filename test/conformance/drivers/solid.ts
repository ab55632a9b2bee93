// The Solid driver: no JSX (so no compiler plugin): DOM built by hand under `render`, rows through <For>.
import { createComponent, createRenderEffect, createSignal, For } from 'solid-js';
import { insert, render } from 'solid-js/web';
import { createBroadcast, createConnectionState, createLiveQuery, createPresence, createSend, createTrack } from '../../../adapters/solid/index.js';
import { shallow } from '../../../src/index.js';
import type { PresenceSnapshot } from '../../../src/channel/types.js';
import type { Item } from '../backend.js';
import type { FrameworkDriver, QueryView } from '../scenarios.js';

function place(build: () => Node | null): () => void {
  const el = document.createElement('div');
  document.body.appendChild(el);
  const dispose = render(() => build(), el);
  return () => {
    dispose();
    el.remove();
  };
}

const namesOf = (p: PresenceSnapshot<{ name: string }>) => p.members.map((m) => m.meta.name).sort();

export const solidDriver: FrameworkDriver = {
  name: 'Solid',
  mountQuery(props) {
    const counters = { list: 0, row: 0 };
    const [grp, setGrp] = createSignal(props.grp);
    let view: () => QueryView = () => ({ rows: [], status: 'none', error: undefined, isPlaceholder: false });
    const unmount = place(() => {
      const q = createLiveQuery<Item>(props.sql, () => [grp()], { client: props.client, orderBy: 'id', keepPrevious: props.keepPrevious ?? false });
      view = () => ({ rows: q.rows, status: q.status, error: q.error, isPlaceholder: q.isPlaceholder });
      createRenderEffect(() => {
        void [q.status, q.rows.length];
        counters.list++;
      });
      const ul = document.createElement('ul');
      const items = createComponent(For<Item[], Node>, {
        get each() {
          return q.rows;
        },
        children: (row: Item) => {
          const li = document.createElement('li');
          createRenderEffect(() => {
            li.textContent = `${row.id}:${row.label}`;
            counters.row++;
          });
          return li;
        },
      });
      insert(ul, items);
      return ul;
    });
    return { read: () => view(), setGroup: (g) => void setGrp(g), listRenders: () => counters.list, rowRenders: () => counters.row, unmount };
  },
  mountConnection(client) {
    let status = '';
    const unmount = place(() => {
      const state = createConnectionState({ client });
      createRenderEffect(() => void (status = state().status));
      return null;
    });
    return { read: () => status, unmount };
  },
  mountPresence(client, topic, name) {
    const out = { renders: 0, names: [] as readonly string[] };
    const [status, setStatus] = createSignal('online');
    const unmount = place(() => {
      createTrack(topic, () => ({ name, status: status() }), { client });
      const names = createPresence(topic, { client, selector: namesOf, isEqual: shallow });
      createRenderEffect(() => {
        out.names = names();
        out.renders++;
      });
      return null;
    });
    return { read: () => out.names, renders: () => out.renders, setStatus: (s) => void setStatus(s), unmount };
  },
  mountBroadcast(client, topic, event) {
    const received: unknown[] = [];
    let send: ReturnType<typeof createSend> | undefined;
    const unmount = place(() => {
      createBroadcast(topic, event, (m) => received.push(m.payload), { client });
      send = createSend(topic, { client });
      return null;
    });
    return { read: () => received, send: (e, p) => send!(e, p, { delivery: 'queue' }), unmount };
  },
  flush: () => new Promise((r) => setTimeout(r, 0)),
};
