// The Svelte 5 driver: components mounted with `mount`, props as `$state` (so params can change), flushSync as flush.
import { flushSync, mount, tick, unmount } from 'svelte';
import type { Component } from 'svelte';
import type { FrameworkDriver, QueryView } from '../scenarios.js';
import List from './svelte/List.svelte';
import Room from './svelte/Room.svelte';
import Connection from './svelte/Connection.svelte';
import Broadcast from './svelte/Broadcast.svelte';

function place(component: Component<any>, props: Record<string, unknown>): () => void {
  const target = document.createElement('div');
  document.body.appendChild(target);
  const instance = mount(component, { target, props });
  flushSync();
  return () => {
    void unmount(instance);
    target.remove();
  };
}

export const svelteDriver: FrameworkDriver = {
  name: 'Svelte',
  mountQuery(props) {
    const counters = { list: 0, row: 0, view: { rows: [], status: 'none', error: undefined, isPlaceholder: false } as QueryView };
    const state = $state({ ...props, keepPrevious: props.keepPrevious ?? false });
    const remove = place(List, { state, counters });
    return {
      read: () => counters.view,
      setGroup: (grp) => {
        state.grp = grp;
        flushSync();
      },
      listRenders: () => counters.list,
      rowRenders: () => counters.row,
      unmount: remove,
    };
  },
  mountConnection(client) {
    const out = { status: '' };
    return { read: () => out.status, unmount: place(Connection, { client, out }) };
  },
  mountPresence(client, topic, name) {
    const out = { renders: 0, names: [] as readonly string[] };
    const state = $state({ client, topic, name, status: 'online' });
    const remove = place(Room, { state, out });
    return {
      read: () => out.names,
      renders: () => out.renders,
      setStatus: (s) => {
        state.status = s;
        flushSync();
      },
      unmount: remove,
    };
  },
  mountBroadcast(client, topic, event) {
    const out = { received: [] as unknown[], send: undefined as undefined | ((e: string, p: unknown, o: object) => Promise<unknown>) };
    const remove = place(Broadcast, { client, topic, event, out });
    return { read: () => out.received, send: (e, p) => out.send!(e, p, { delivery: 'queue' }), unmount: remove };
  },
  flush: async () => {
    await new Promise((r) => setTimeout(r, 0));
    flushSync();
    await tick();
  },
};
