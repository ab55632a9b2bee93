// Channel hooks over a client built on the core ChannelRegistry with an in-memory port
// (usePresence with selector + shallow render counts, useTrack, useBroadcast, useSend, useChannelState, SSR).
import { act, render, screen, waitFor } from '@testing-library/react';
import { StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import { expect, test } from 'vitest';
import { shallow, useBroadcast, useChannelState, usePresence, useSend, useTrack } from '../../react/index.js';
import type { ChannelClient } from '../../react/index.js';
import type { ChannelBroadcast, ChannelHandle, PresenceSnapshot } from '../../src/channel/types.js';
import { channelHarness } from '../channel/fakePort.js';

function setup() {
  const h = channelHarness({ presenceGraceMs: 0, graceMs: 20 });
  let broadcastCalls = 0;
  const client: ChannelClient = {
    channel: <M,>(topic: string, options?: Parameters<ChannelClient['channel']>[1]) => {
      const handle = h.registry.channel<M>(topic, options);
      return {
        ...handle,
        broadcast$: (event?: string) => {
          broadcastCalls++;
          return handle.broadcast$(event);
        },
      } as ChannelHandle<M>;
    },
  };
  return { h, client, broadcastCalls: () => broadcastCalls };
}

const metas = (entries: Record<string, [string, Record<string, unknown>][]>) =>
  Object.fromEntries(Object.entries(entries).map(([k, list]) => [k, { metas: list.map(([ref, m]) => ({ phx_ref: ref, ...m })) }]));

test('usePresence with a selector and shallow re-renders only when the selection changes', async () => {
  const { h, client } = setup();
  let renders = 0;
  const keysOf = (p: PresenceSnapshot<Record<string, unknown>>) => p.members.map((m) => m.key);
  function Names() {
    renders++;
    const names = usePresence('room', { client, selector: keysOf, isEqual: shallow });
    return <p data-testid="names">{names.join(',')}</p>;
  }
  render(<Names />);
  const port = await waitFor(() => h.port('room'));
  await waitFor(() => expect(port.joins.length).toBeGreaterThan(0));
  expect(port.joins.at(-1)!.config.presence.enabled).toBe(true);
  let ref = '';
  act(() => {
    ref = port.acceptJoin();
  });
  act(() => port.sink.presenceState(metas({ u1: [['a', { x: 1 }]] }), ref));
  await waitFor(() => expect(screen.getByTestId('names').textContent).toBe('u1'));
  const before = renders;
  // u1 moves its cursor: the snapshot changes, the selected keys do not.
  act(() => port.sink.presenceDiff({ joins: metas({ u1: [['b', { x: 2 }]] }), leaves: metas({ u1: [['a', { x: 1 }]] }) }, ref));
  act(() => port.sink.presenceDiff({ joins: metas({ u1: [['c', { x: 3 }]] }), leaves: metas({ u1: [['b', { x: 2 }]] }) }, ref));
  expect(renders).toBe(before);
  act(() => port.sink.presenceDiff({ joins: metas({ u2: [['d', {}]] }), leaves: {} }, ref));
  await waitFor(() => expect(screen.getByTestId('names').textContent).toBe('u1,u2'));
  expect(renders).toBe(before + 1);
});

test('useTrack tracks while mounted, re-tracks changed meta only, untracks on unmount (StrictMode: no leave)', async () => {
  const { h, client } = setup();
  function Me({ status }: { status: string }) {
    useTrack('room', { name: 'ann', status }, { client });
    return null;
  }
  const view = render(
    <StrictMode>
      <Me status="online" />
    </StrictMode>,
  );
  const port = await waitFor(() => h.port('room'));
  act(() => void port.acceptJoin());
  await waitFor(() => expect(port.open().map((p) => p.message)).toEqual([{ kind: 'track', meta: { name: 'ann', status: 'online' } }]));
  act(() => void port.ackAll());
  view.rerender(
    <StrictMode>
      <Me status="online" />
    </StrictMode>,
  );
  expect(port.open()).toEqual([]); // same content, new object: nothing sent
  view.rerender(
    <StrictMode>
      <Me status="away" />
    </StrictMode>,
  );
  await waitFor(() => expect(port.open().map((p) => p.message)).toEqual([{ kind: 'track', meta: { name: 'ann', status: 'away' } }]));
  act(() => void port.ackAll());
  expect(port.pushes.filter((p) => p.message.kind === 'untrack')).toHaveLength(0); // never untrack + track for a change
  expect(port.leaves).toBe(0);
  expect(port.joins).toHaveLength(1);
  view.unmount();
  await waitFor(() => expect(port.open().map((p) => p.message)).toEqual([{ kind: 'untrack' }]));
  act(() => void port.ackAll());
  await waitFor(() => expect(port.leaves).toBe(1));
});

test('useBroadcast calls the latest handler without resubscribing', async () => {
  const { h, client, broadcastCalls } = setup();
  const seen: string[] = [];
  function Listener({ label }: { label: string }) {
    useBroadcast('room', 'cursor', (m: ChannelBroadcast) => seen.push(`${label}:${String(m.payload)}`), { client });
    return null;
  }
  const view = render(<Listener label="first" />);
  const port = await waitFor(() => h.port('room'));
  act(() => void port.acceptJoin());
  act(() => port.sink.broadcast({ event: 'Cursor', payload: 1 }));
  view.rerender(<Listener label="second" />);
  act(() => port.sink.broadcast({ event: 'cursor', payload: 2 }));
  act(() => port.sink.broadcast({ event: 'chat', payload: 3 }));
  expect(seen).toEqual(['first:1', 'second:2']);
  expect(broadcastCalls()).toBe(1);
});

test('useSend returns a stable send; useChannelState shows the channel state', async () => {
  const { h, client } = setup();
  const sends: unknown[] = [];
  function Sender() {
    const send = useSend('room', { client });
    const state = useChannelState('room', { client });
    sends.push(send);
    return (
      <button data-testid="state" onClick={() => void send('chat', 'hi')}>
        {state.status}
      </button>
    );
  }
  const view = render(<Sender />);
  await waitFor(() => expect(screen.getByTestId('state').textContent).toBe('joining'));
  const port = h.port('room');
  act(() => void port.acceptJoin());
  await waitFor(() => expect(screen.getByTestId('state').textContent).toBe('joined'));
  act(() => screen.getByTestId('state').click());
  expect(port.open().map((p) => p.message)).toEqual([{ kind: 'broadcast', event: 'chat', payload: 'hi' }]);
  view.rerender(<Sender />);
  expect(new Set(sends).size).toBe(1);
});

test('SSR renders an empty presence and idle state without joining', () => {
  const { h, client } = setup();
  function Page() {
    const presence = usePresence('room', { client });
    const state = useChannelState('room', { client });
    return (
      <p>
        {state.status}:{presence.size}:{String(presence.synced)}
      </p>
    );
  }
  expect(renderToString(<Page />)).toBe('<p>idle<!-- -->:<!-- -->0<!-- -->:<!-- -->false</p>');
  expect(h.ports).toHaveLength(0);
});
