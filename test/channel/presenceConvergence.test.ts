// Property (issue 7 "Tests"): presence$ converges to the set of live tracked clients under random
// joins, updates, leaves and drops — our own socket drops included (rejoin, a new state, diffs that
// arrive before it, stale diffs of the old join) and any presence grace period.
import fc from 'fast-check';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import type { PresenceWireDiff, PresenceWireMeta, PresenceWireState } from '../../src/channel/ChannelPort.js';
import type { PresenceEvent } from '../../src/channel/types.js';
import { ConnectionError } from '../../src/errors.js';
import { channelHarness } from './fakePort.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Op =
  | { type: 'join'; key: number }
  | { type: 'update'; client: number }
  | { type: 'leave'; client: number }
  | { type: 'peerDrop'; client: number; back: boolean }
  | { type: 'ourDrop'; early: number; stale: boolean }
  | { type: 'wait'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('join' as const), key: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ type: fc.constant('update' as const), client: fc.nat(20) }),
  fc.record({ type: fc.constant('leave' as const), client: fc.nat(20) }),
  fc.record({ type: fc.constant('peerDrop' as const), client: fc.nat(20), back: fc.boolean() }),
  fc.record({ type: fc.constant('ourDrop' as const), early: fc.nat(3), stale: fc.boolean() }),
  fc.record({ type: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 3000 }) }),
);

/** The server's truth: live connections by ref. */
interface Conn {
  key: string;
  ref: string;
  v: number;
}

test('presence$ converges to the live tracked clients', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), fc.constantFrom(0, 1500), async (ops, graceMs) => {
      const h = channelHarness({ presenceGraceMs: graceMs });
      const ch = h.registry.channel('room');
      const events: PresenceEvent<Record<string, unknown>>[] = [];
      const sub = ch.presenceEvents$.subscribe((e) => events.push(e));
      const port = h.port();
      let joinRef = port.acceptJoin();
      let nextRef = 0;
      const live: Conn[] = [];
      const snapshot = (): PresenceWireState => {
        const out: Record<string, { metas: PresenceWireMeta[] }> = {};
        for (const c of live) (out[c.key] ??= { metas: [] }).metas.push({ phx_ref: c.ref, v: c.v });
        return out;
      };
      const send = (diff: PresenceWireDiff) => port.sink.presenceDiff(diff, joinRef);
      port.sink.presenceState(snapshot(), joinRef);
      for (const op of ops) {
        const client = 'client' in op && live.length > 0 ? live[op.client % live.length] : undefined;
        if (op.type === 'join') {
          const c = { key: `u${op.key}`, ref: `r${++nextRef}`, v: 0 };
          live.push(c);
          send({ joins: { [c.key]: { metas: [{ phx_ref: c.ref, v: 0 }] } }, leaves: {} });
        } else if (op.type === 'update' && client) {
          const prev = client.ref;
          const before = events.length;
          client.ref = `r${++nextRef}`;
          client.v++;
          send({
            joins: { [client.key]: { metas: [{ phx_ref: client.ref, phx_ref_prev: prev, v: client.v }] } },
            leaves: { [client.key]: { metas: [{ phx_ref: prev, v: client.v - 1 }] } },
          });
          // An update is one update event, never leave + join.
          expect(events.slice(before).map((e) => e.type)).toEqual(['update']);
        } else if ((op.type === 'leave' || op.type === 'peerDrop') && client) {
          live.splice(live.indexOf(client), 1);
          send({ joins: {}, leaves: { [client.key]: { metas: [{ phx_ref: client.ref, v: client.v }] } } });
          if (op.type === 'peerDrop' && op.back) {
            const c = { key: client.key, ref: `r${++nextRef}`, v: client.v };
            live.push(c);
            send({ joins: { [c.key]: { metas: [{ phx_ref: c.ref, v: c.v }] } }, leaves: {} });
          }
        } else if (op.type === 'ourDrop') {
          const oldRef = joinRef;
          port.sink.socketClosed(new ConnectionError('lost', { code: 'SOCKET_CLOSED' }));
          // While we are away a peer leaves and one joins; we only learn it from the next state.
          if (live.length > 0) live.splice(0, 1);
          live.push({ key: 'u9', ref: `r${++nextRef}`, v: 0 });
          port.sink.socketOpened();
          joinRef = port.acceptJoin();
          const state = snapshot();
          // Diffs made after the state was taken may overtake it (buffered until it arrives).
          const early: PresenceWireDiff[] = [];
          for (let i = 0; i < op.early; i++) {
            const c = { key: `u${i}`, ref: `r${++nextRef}`, v: 0 };
            live.push(c);
            early.push({ joins: { [c.key]: { metas: [{ phx_ref: c.ref, v: 0 }] } }, leaves: {} });
          }
          for (const d of early) send(d);
          if (op.stale) port.sink.presenceDiff({ joins: { ghost: { metas: [{ phx_ref: 'ghost' }] } }, leaves: {} }, oldRef);
          port.sink.presenceState(state, joinRef);
        } else if (op.type === 'wait') {
          await vi.advanceTimersByTimeAsync(op.ms);
        }
      }
      await vi.advanceTimersByTimeAsync(graceMs + 1);
      const expected = new Map<string, string[]>();
      for (const c of live) expected.set(c.key, [...(expected.get(c.key) ?? []), c.ref].sort());
      const shown = ch.presence$.getSnapshot();
      expect(shown.synced).toBe(true);
      expect(new Map(shown.members.map((m) => [m.key, m.connections.map((c) => c.ref).sort()]))).toEqual(expected);
      for (const m of shown.members) expect(m.meta).toEqual(Object.assign({}, ...m.connections.map((c) => c.meta)));
      sub.unsubscribe();
      h.registry.closeAll();
    }),
    { numRuns: 150 },
  );
});
