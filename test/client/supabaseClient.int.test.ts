/**
 * Our client over Supabase Realtime against the dev server's Phoenix endpoint, in both vsn modes:
 * live rows over postgres_changes (initial rows from /rest/v1, then changes), presence and
 * broadcast between two of our clients and with the real realtime-js in the same channel, all on
 * ONE socket per client.
 */
import { RealtimeClient } from '@supabase/realtime-js';
import type { RealtimeChannel } from '@supabase/realtime-js';
import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createClient } from '../../src/client.js';
import type { LivebindClient } from '../../src/types.js';
import type { ChannelBroadcast, PresenceSnapshot } from '../../src/channel/types.js';
import { supabaseDriver } from '../../src/supabase.js';
import { startRealtimeHarness, subscribed, VSNS } from '../supabase-server/realtimeHarness.js';
import type { RealtimeHarness, Vsn } from '../supabase-server/realtimeHarness.js';

let h: RealtimeHarness;
const clients: LivebindClient[] = [];
let sockets = 0;

/** `ws`, counting every socket our clients open. */
class CountingWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    sockets += 1;
  }
}

beforeAll(async () => {
  h = await startRealtimeHarness();
  await h.sql('admin', 'CREATE SHARED TABLE app.chat (id INT PRIMARY KEY, room TEXT, body TEXT)');
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await h?.close();
});

function ours(vsn: Vsn, user: 'alice' | 'bob'): LivebindClient {
  const client = createClient({
    driver: supabaseDriver({ url: h.server.url, apikey: 'anon-key', vsn }),
    auth: { user, password: `${user}-pass` },
    WebSocket: CountingWebSocket as never,
    channels: { presenceGraceMs: 0 },
  });
  clients.push(client);
  return client;
}

const eventually = <T>(check: () => T, timeout = 15_000): Promise<T> => vi.waitFor(check, { timeout, interval: 20 });

function keysOf(snapshot: PresenceSnapshot<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of snapshot?.members ?? []) out[m.key] = m.connections.map((c) => c.meta);
  return out;
}

function realtimeJs(vsn: Vsn, token: string): RealtimeClient {
  const c = h.client(vsn);
  void c.setAuth(token);
  return c;
}

describe.each(VSNS)('livebind over Supabase Realtime, vsn %s', (vsn) => {
  it('liveRows: initial rows over /rest/v1, then inserts, updates and deletes over postgres_changes', async () => {
    const room = `r-${vsn}`;
    const base = vsn === '1.0.0' ? 1000 : 2000;
    await h.sql('admin', `INSERT INTO app.chat (id, room, body) VALUES (${base + 1}, '${room}', 'first'), (${base + 2}, 'other', 'x')`);
    const client = ours(vsn, 'alice');
    const seen: string[][] = [];
    const sub = client
      .liveRows<{ id: number; room: string; body: string }>('SELECT id, room, body FROM app.chat WHERE room = $1', { params: [room], orderBy: 'id' })
      .subscribe((s) => {
        if (s.status === 'ready') seen.push(s.rows.map((r) => `${r.id}:${r.body}`));
      });
    await eventually(() => expect(seen.at(-1)).toEqual([`${base + 1}:first`]));
    await h.sql('bob', `INSERT INTO app.chat (id, room, body) VALUES (${base + 3}, '${room}', 'second')`);
    await eventually(() => expect(seen.at(-1)).toEqual([`${base + 1}:first`, `${base + 3}:second`]));
    await h.sql('bob', `UPDATE app.chat SET body = 'edited' WHERE id = ${base + 1}`);
    await eventually(() => expect(seen.at(-1)).toEqual([`${base + 1}:edited`, `${base + 3}:second`]));
    await h.sql('bob', `DELETE FROM app.chat WHERE id = ${base + 3}`);
    await eventually(() => expect(seen.at(-1)).toEqual([`${base + 1}:edited`]));
    sub.unsubscribe();
  });

  it('rows, presence and broadcast share one socket; two of our clients see each other', async () => {
    const topic = `room-${vsn}`;
    const before = sockets;
    const a = ours(vsn, 'alice');
    const b = ours(vsn, 'bob');
    const rows = a.liveRows('SELECT id, body FROM app.chat WHERE room = $1', { params: [topic] }).subscribe(() => undefined);
    const chA = a.channel(topic, { presence: { key: 'alice' }, broadcast: { ack: true } });
    const chB = b.channel(topic, { presence: { key: 'bob' }, broadcast: { ack: true } });
    let presenceA: PresenceSnapshot<Record<string, unknown>> | undefined;
    const subs = [chA.presence$.subscribe((p) => (presenceA = p)), chB.presence$.subscribe(() => undefined)];
    const received: ChannelBroadcast[] = [];
    subs.push(chB.broadcast$('typing').subscribe((m) => received.push(m)));
    await Promise.all([chA.track({ name: 'Alice' }), chB.track({ name: 'Bob' })]);
    await eventually(() => expect(keysOf(presenceA)).toEqual({ alice: [{ name: 'Alice' }], bob: [{ name: 'Bob' }] }));

    // An update is one `update` event, never leave + join.
    const events: string[] = [];
    subs.push(chA.presenceEvents$.subscribe((e) => events.push(`${e.type}:${e.key}`)));
    await chB.track({ name: 'Bob', typing: true });
    await eventually(() => expect(keysOf(presenceA)['bob']).toEqual([{ name: 'Bob', typing: true }]));
    expect(events).toEqual(['update:bob']);

    expect(await chA.send('typing', { who: 'alice' })).toEqual({ delivered: 'acked' });
    await eventually(() => expect(received.map((m) => m.payload)).toEqual([{ who: 'alice' }]));
    expect(sockets - before).toBe(2);

    // Bob's client goes away: Alice sees the leave.
    await b.close();
    await eventually(() => expect(keysOf(presenceA)).toEqual({ alice: [{ name: 'Alice' }] }));
    expect(events.at(-1)).toBe('leave:bob');
    for (const s of subs) s.unsubscribe();
    rows.unsubscribe();
  });

  it('mixed clients: ours and realtime-js in one channel see each other’s presence and broadcasts', async () => {
    const topic = `mixed-${vsn}`;
    const a = ours(vsn, 'alice');
    const ch = a.channel(topic, { presence: { key: 'ours' } });
    let presence: PresenceSnapshot<Record<string, unknown>> | undefined;
    const fromThem: unknown[] = [];
    const subs = [ch.presence$.subscribe((p) => (presence = p)), ch.broadcast$('hello').subscribe((m) => fromThem.push(m.payload))];
    await ch.track({ via: 'livebind' });

    const theirs: RealtimeChannel = realtimeJs(vsn, h.tokens.bob).channel(topic, { config: { presence: { key: 'theirs' } } });
    const fromUs: unknown[] = [];
    theirs.on('presence', { event: 'sync' }, () => undefined);
    theirs.on('broadcast', { event: 'hello' }, (m) => fromUs.push(m['payload']));
    await subscribed(theirs);
    expect(await theirs.track({ via: 'realtime-js' })).toBe('ok');

    await eventually(() => expect(keysOf(presence)).toEqual({ ours: [{ via: 'livebind' }], theirs: [{ via: 'realtime-js' }] }));
    await eventually(() => {
      const state = theirs.presenceState() as Record<string, { via?: string }[]>;
      expect(Object.keys(state).sort()).toEqual(['ours', 'theirs']);
      expect(state['ours']?.[0]?.via).toBe('livebind');
    });

    await ch.send('hello', { from: 'livebind' });
    await eventually(() => expect(fromUs).toEqual([{ from: 'livebind' }]));
    await theirs.send({ type: 'broadcast', event: 'hello', payload: { from: 'realtime-js' } });
    await eventually(() => expect(fromThem).toEqual([{ from: 'realtime-js' }]));

    await theirs.unsubscribe();
    await eventually(() => expect(keysOf(presence)).toEqual({ ours: [{ via: 'livebind' }] }));
    for (const s of subs) s.unsubscribe();
  });

  it('the first join goes out as the socket opens (no join timeout on the way) and an empty topic is refused at the call', async () => {
    const a = ours(vsn, 'alice');
    const ch = a.channel(`status-${vsn}`);
    const seen: string[] = [];
    const joined = firstValueFrom(ch.status$.pipe(filter((s) => s.status === 'joined')));
    const sub = ch.status$.subscribe((s) => seen.push(s.error ? `${s.status}:${s.error.code}` : s.status));
    await expect(joined).resolves.toMatchObject({ status: 'joined', error: undefined });
    expect(seen).toEqual(['joining', 'joined']);
    expect(() => a.channel('')).toThrow(/non-empty topic/);
    sub.unsubscribe();
  });
});
