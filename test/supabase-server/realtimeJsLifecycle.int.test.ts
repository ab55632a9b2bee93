/**
 * Connection lifecycle with the real realtime-js (spec §8.2 flows 5–7), vsn 1.0.0 and 2.0.0:
 * heartbeats answered (ok with an RTT), token refresh with setAuth (the server re-validates and
 * switches the join's identity; a bad token kills the channel for good), and reconnect + rejoin
 * after the server drops every socket (the `dropSockets()` test hook).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startRealtimeHarness, statusLog, subscribed, VSNS, type RealtimeHarness } from './realtimeHarness.js';

let h: RealtimeHarness;
beforeAll(async () => {
  h = await startRealtimeHarness();
  await h.sql('admin', 'CREATE USER TABLE app.notes (id INT PRIMARY KEY, body TEXT)');
});
afterAll(async () => {
  await h.close();
});

describe.each(VSNS)('lifecycle, vsn %s', (vsn) => {
  it('heartbeats get ok replies', async () => {
    const client = h.client(vsn, { heartbeatIntervalMs: 200 });
    const beats: string[] = [];
    client.onHeartbeat((status) => beats.push(status));
    await subscribed(client.channel(`hb-${vsn}`));
    await eventually(() => expect(beats.filter((s) => s === 'ok').length).toBeGreaterThanOrEqual(2));
    expect(beats).not.toContain('timeout');
    expect(beats).not.toContain('error');
  });

  it('setAuth pushes access_token: the join now acts for the new user; a bad token closes the channel without rejoin', async () => {
    const client = await h.authed(vsn, h.tokens.alice);
    const channel = client.channel(`auth-${vsn}`, { config: { broadcast: { ack: true } } });
    const rows: string[] = [];
    channel.on('postgres_changes', { event: 'INSERT', schema: 'app', table: 'notes' }, (p) => rows.push((p.new as { body: string }).body));
    const log = statusLog(channel);
    await eventually(() => expect(log).toContain('SUBSCRIBED'));
    await h.sql('alice', `INSERT INTO app.notes VALUES (${vsn === '1.0.0' ? 1 : 2}, 'alice-1')`);
    await eventually(() => expect(rows).toEqual(['alice-1']));

    await client.setAuth(h.tokens.bob);
    // Messages are handled in order: once this ack is back, the access_token push was applied.
    expect(await channel.send({ type: 'broadcast', event: 'sync', payload: {} })).toBe('ok');
    await h.sql('alice', `INSERT INTO app.notes VALUES (${vsn === '1.0.0' ? 11 : 12}, 'alice-2')`);
    await h.sql('bob', `INSERT INTO app.notes VALUES (${vsn === '1.0.0' ? 21 : 22}, 'bob-1')`);
    await eventually(() => expect(rows).toEqual(['alice-1', 'bob-1']));

    const forged = `${h.tokens.bob.slice(0, h.tokens.bob.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    const system: { status: string; message: string }[] = [];
    channel.on('system', {}, (p) => system.push(p));
    await client.setAuth(forged);
    await eventually(() => expect(log).toContain('CLOSED'));
    expect(system.at(-1)).toMatchObject({ status: 'error', message: 'Failed to validate JWT signature' });
    expect(log.filter((s) => s === 'SUBSCRIBED')).toHaveLength(1);
  });

  it('reconnects and rejoins after the server drops every socket', async () => {
    const room = `drop-${vsn}`;
    const a = h.client(vsn).channel(room);
    const b = h.client(vsn).channel(room);
    const got: unknown[] = [];
    b.on('broadcast', { event: 'after' }, (m) => got.push(m.payload));
    const logA = statusLog(a);
    const logB = statusLog(b);
    await eventually(() => expect([logA, logB].every((l) => l.includes('SUBSCRIBED'))).toBe(true));
    expect(h.server.realtime.dropSockets()).toBeGreaterThanOrEqual(2);
    await eventually(() => {
      for (const log of [logA, logB]) {
        expect(log.some((s) => s.startsWith('CHANNEL_ERROR'))).toBe(true);
        expect(log.filter((s) => s === 'SUBSCRIBED')).toHaveLength(2);
      }
    }, 20_000);
    expect(await a.send({ type: 'broadcast', event: 'after', payload: { n: 1 } })).toBe('ok');
    await eventually(() => expect(got).toEqual([{ n: 1 }]));
  });
});
