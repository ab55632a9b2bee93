/**
 * Presence with the real realtime-js (spec §3.7, §8.2 flow 3), vsn 1.0.0 and 2.0.0: three clients
 * converge on one state; an update is one diff (leave + join of the same key, `phx_ref_prev`); an
 * identical re-track sends nothing; leaves arrive on untrack and when a socket drops; the client
 * presence rate limit kills the channel.
 */
import type { RealtimeChannel } from '@supabase/realtime-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawPhoenix } from './rawPhoenix.js';
import { eventually, startRealtimeHarness, subscribed, VSNS, type RealtimeHarness } from './realtimeHarness.js';

let h: RealtimeHarness;
beforeAll(async () => {
  h = await startRealtimeHarness();
});
afterAll(async () => {
  await h.close();
});

/** key → the metas' user fields (presence_ref dropped), sorted for comparison. */
function view(channel: RealtimeChannel): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [key, metas] of Object.entries(channel.presenceState())) {
    out[key] = (metas as { presence_ref?: string }[]).map(({ presence_ref: _r, ...rest }) => rest);
  }
  return out;
}

describe.each(VSNS)('presence, vsn %s', (vsn) => {
  it('three clients see each other; a disconnected client leaves', async () => {
    const room = `p-${vsn}`;
    const keys = ['a', 'b', 'c'];
    const clients = keys.map(() => h.client(vsn));
    const channels = clients.map((c, i) => c.channel(room, { config: { presence: { key: keys[i]! } } }));
    const leaves: string[] = [];
    for (const ch of channels) ch.on('presence', { event: 'sync' }, () => undefined);
    channels[0]!.on('presence', { event: 'leave' }, ({ key }) => leaves.push(key));
    for (const ch of channels) await subscribed(ch);
    for (const [i, ch] of channels.entries()) expect(await ch.track({ name: `user-${i}` })).toBe('ok');
    const all = { a: [{ name: 'user-0' }], b: [{ name: 'user-1' }], c: [{ name: 'user-2' }] };
    for (const ch of channels) await eventually(() => expect(view(ch)).toEqual(all));
    clients[2]!.disconnect();
    await eventually(() => expect(view(channels[0]!)).toEqual({ a: all.a, b: all.b }));
    await eventually(() => expect(view(channels[1]!)).toEqual({ a: all.a, b: all.b }));
    expect(leaves).toEqual(['c']);
  });

  it('untrack leaves; a channel joining later gets the state in presence_state', async () => {
    const room = `p2-${vsn}`;
    const a = h.client(vsn).channel(room, { config: { presence: { key: 'a' } } });
    a.on('presence', { event: 'sync' }, () => undefined);
    await subscribed(a);
    await a.track({ v: 1 });
    const late = h.client(vsn).channel(room, { config: { presence: { key: 'late' } } });
    late.on('presence', { event: 'sync' }, () => undefined);
    await subscribed(late);
    await eventually(() => expect(view(late)).toEqual({ a: [{ v: 1 }] }));
    expect(await a.untrack()).toBe('ok');
    await eventually(() => expect(view(late)).toEqual({}));
  });
});

describe('presence diffs on the wire (vsn 2.0.0)', () => {
  it('an update is ONE diff with leave(old) + join(new, phx_ref_prev); an identical re-track sends nothing', async () => {
    const base = h.server.url.replace('http:', 'ws:');
    const s = await rawPhoenix(`${base}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
    s.send(['1', '1', 'realtime:wire', 'phx_join', { config: { presence: { key: 'u1', enabled: true } } }]);
    await s.next((f) => f[1] === '1');
    s.send(['1', '2', 'realtime:wire', 'presence', { type: 'presence', event: 'track', payload: { status: 'online' } }]);
    const first = await s.next((f) => f[3] === 'presence_diff');
    const [meta1] = first[4].joins.u1.metas;
    expect(first[4].leaves).toEqual({});
    expect(meta1).toEqual({ status: 'online', phx_ref: expect.any(String) });
    s.send(['1', '3', 'realtime:wire', 'presence', { type: 'presence', event: 'TRACK', payload: { status: 'online' } }]);
    await s.next((f) => f[1] === '3');
    s.send(['1', '4', 'realtime:wire', 'presence', { type: 'presence', event: 'track', payload: { status: 'away' } }]);
    await s.next((f) => f[1] === '4');
    const diffs = s.texts().filter((f) => f[3] === 'presence_diff');
    expect(diffs).toHaveLength(2);
    const update = diffs[1][4];
    expect(update.leaves).toEqual({ u1: { metas: [meta1] } });
    expect(update.joins.u1.metas).toEqual([{ status: 'away', phx_ref: expect.any(String), phx_ref_prev: meta1.phx_ref }]);
    expect(update.joins.u1.metas[0].phx_ref).not.toBe(meta1.phx_ref);
    s.send(['1', '5', 'realtime:wire', 'presence', { type: 'presence', event: 'track', payload: 'not a map' }]);
    expect((await s.next((f) => f[1] === '5'))[4]).toEqual({ status: 'error', response: { reason: 'Presence track payload must be a map' } });
    s.close();
  });

  it('more than presenceLimit track/untrack in the window: system error, then phx_close', async () => {
    const limited = await startRealtimeHarness({ presenceLimit: 2, presenceWindowMs: 60_000 });
    try {
      const s = await rawPhoenix(`${limited.server.url.replace('http:', 'ws:')}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
      s.send(['1', '1', 'realtime:rl', 'phx_join', {}]);
      await s.next((f) => f[1] === '1');
      for (const [i, ref] of ['2', '3', '4'].entries()) s.send(['1', ref, 'realtime:rl', 'presence', { type: 'presence', event: 'track', payload: { i } }]);
      const system = await s.next((f) => f[3] === 'system');
      expect(system).toEqual(['1', null, 'realtime:rl', 'system', { extension: 'system', status: 'error', message: 'Client presence rate limit exceeded', channel: 'rl' }]);
      expect(await s.next((f) => f[3] === 'phx_close')).toEqual(['1', '1', 'realtime:rl', 'phx_close', {}]);
      s.close();
    } finally {
      await limited.close();
    }
  });
});
