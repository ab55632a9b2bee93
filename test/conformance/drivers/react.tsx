// The React driver (React 18 and 19: the react18 project aliases react and react-dom).
import { act, cleanup, render } from '@testing-library/react';
import { memo, useState, type ReactNode } from 'react';
import { shallow, useBroadcast, useConnectionState, useLiveQuery, usePresence, useSend, useTrack } from '../../../react/index.js';
import type { ChannelClient } from '../../../react/index.js';
import type { PresenceSnapshot } from '../../../src/channel/types.js';
import type { LivebindClient } from '../../../src/types.js';
import type { Item } from '../backend.js';
import { Row, type Counters } from './countedRow.js';
import type { FrameworkDriver, MountedQuery, QueryProps } from '../scenarios.js';


function List({ props, counters }: { props: QueryProps; counters: Counters }): ReactNode {
  counters.list++;
  const r = useLiveQuery<Item>(props.sql, [props.grp], { client: props.client, orderBy: 'id', keepPrevious: props.keepPrevious ?? false });
  counters.view = { rows: r.rows, status: r.status, error: r.error, isPlaceholder: r.isPlaceholder };
  return (
    <ul>
      {r.rows.map((row) => (
        <Row key={row.id} row={row} counters={counters} />
      ))}
    </ul>
  );
}

const namesOf = (p: PresenceSnapshot<{ name: string }>) => p.members.map((m) => m.meta.name).sort();

const Names = memo(function Names({ client, topic, out }: { client: ChannelClient; topic: string; out: { renders: number; names: readonly string[] } }) {
  out.renders++;
  out.names = usePresence(topic, { client, selector: namesOf, isEqual: shallow });
  return null;
});

function Tracker({ client, topic, name, status }: { client: ChannelClient; topic: string; name: string; status: string }) {
  useTrack(topic, { name, status }, { client });
  return null;
}

export const reactDriver = (name: string): FrameworkDriver => ({
  name,
  mountQuery(props): MountedQuery {
    const counters: Counters = { list: 0, row: 0, view: { rows: [], status: 'none', error: undefined, isPlaceholder: false } };
    const view = render(<List props={props} counters={counters} />);
    return {
      read: () => counters.view,
      setGroup: (grp) => act(() => view.rerender(<List props={{ ...props, grp }} counters={counters} />)),
      listRenders: () => counters.list,
      rowRenders: () => counters.row,
      unmount: () => view.unmount(),
    };
  },
  mountConnection(client: LivebindClient) {
    let status = '';
    function State() {
      status = useConnectionState({ client }).status;
      return null;
    }
    const view = render(<State />);
    return { read: () => status, unmount: () => view.unmount() };
  },
  mountPresence(client, topic, name) {
    const out = { renders: 0, names: [] as readonly string[] };
    let setStatus: (s: string) => void = () => {};
    function Room() {
      const [status, set] = useState('online');
      setStatus = set;
      return (
        <>
          <Tracker client={client} topic={topic} name={name} status={status} />
          <Names client={client} topic={topic} out={out} />
        </>
      );
    }
    const view = render(<Room />);
    return { read: () => out.names, renders: () => out.renders, setStatus: (s) => act(() => setStatus(s)), unmount: () => view.unmount() };
  },
  mountBroadcast(client, topic, event) {
    const received: unknown[] = [];
    let send: ReturnType<typeof useSend> | undefined;
    function Listener() {
      useBroadcast(topic, event, (m) => received.push(m.payload), { client });
      send = useSend(topic, { client });
      return null;
    }
    const view = render(<Listener />);
    return { read: () => received, send: (e, p) => send!(e, p, { delivery: 'queue' }), unmount: () => view.unmount() };
  },
  flush: () => act(async () => void (await new Promise((r) => setTimeout(r, 0)))),
});

export { cleanup };
