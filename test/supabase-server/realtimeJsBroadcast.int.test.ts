/**
 * The real @supabase/realtime-js 2.119.1 against the dev server, vsn 1.0.0 and 2.0.0 (spec §8.2
 * flows 1, 2): join, broadcast with ack and self between two clients, event matching, binary
 * round trip (v2), mixed v1/v2 rooms, the HTTP routes (send() before join, httpSend).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startRealtimeHarness, subscribed, VSNS, type RealtimeHarness } from './realtimeHarness.js';

let h: RealtimeHarness;
beforeAll(async () => {
  h = await startRealtimeHarness();
});
afterAll(async () => {
  await h.close();
});

describe.each(VSNS)('broadcast, vsn %s', (vsn) => {
  it('ack resolves ok; self delivers to the sender; others receive, event names match case-insensitively and *', async () => {
    const room = `b-${vsn}`;
    const a = h.client(vsn).channel(room, { config: { broadcast: { ack: true, self: true } } });
    const b = h.client(vsn).channel(room);
    const atA: unknown[] = [];
    const atB: unknown[] = [];
    const allAtB: unknown[] = [];
    a.on('broadcast', { event: 'cursor' }, (m) => atA.push(m));
    b.on('broadcast', { event: 'CURSOR' }, (m) => atB.push(m));
    b.on('broadcast', { event: '*' }, (m) => allAtB.push(m));
    await subscribed(a);
    await subscribed(b);
    expect(await a.send({ type: 'broadcast', event: 'cursor', payload: { x: 1, y: 'é' } })).toBe('ok');
    await eventually(() => expect(atB).toHaveLength(1));
    expect(atB[0]).toEqual({ type: 'broadcast', event: 'cursor', payload: { x: 1, y: 'é' } });
    await eventually(() => expect(atA).toHaveLength(1));
    expect(atA[0]).toEqual(atB[0]);
    // self: false (b's default): b's own send is not echoed to b, but reaches a.
    expect(await b.send({ type: 'broadcast', event: 'cursor', payload: { from: 'b' } })).toBe('ok');
    await eventually(() => expect(atA).toHaveLength(2));
    expect(atB).toHaveLength(1);
    await eventually(() => expect(allAtB).toHaveLength(1));
  });

  it('ack on an oversized payload is an error, and the payload is not delivered', async () => {
    const small = await startRealtimeHarness({ maxPayloadBytes: 1000 });
    try {
      const a = small.client(vsn).channel('big', { config: { broadcast: { ack: true } } });
      const b = small.client(vsn).channel('big');
      const got: unknown[] = [];
      b.on('broadcast', { event: '*' }, (m) => got.push(m));
      await subscribed(a);
      await subscribed(b);
      expect(await a.send({ type: 'broadcast', event: 'e', payload: { s: 'x'.repeat(2000) } })).toBe('error');
      expect(await a.send({ type: 'broadcast', event: 'e', payload: { s: 'ok' } })).toBe('ok');
      await eventually(() => expect(got).toHaveLength(1));
      expect(got[0]).toMatchObject({ payload: { s: 'ok' } });
    } finally {
      await small.close();
    }
  });

  it('send() before joining goes over POST /api/broadcast (202) and reaches joined members', async () => {
    const room = `http-${vsn}`;
    const listener = h.client(vsn).channel(room);
    const got: unknown[] = [];
    listener.on('broadcast', { event: 'ping' }, (m) => got.push(m));
    await subscribed(listener);
    const sender = h.client(vsn).channel(room);
    expect(await sender.send({ type: 'broadcast', event: 'ping', payload: { via: 'http' } })).toBe('ok');
    expect(await sender.httpSend('ping', { via: 'httpSend' })).toEqual({ success: true });
    await eventually(() => expect(got).toHaveLength(2));
    expect(got).toEqual([
      { type: 'broadcast', event: 'ping', payload: { via: 'http' } },
      { type: 'broadcast', event: 'ping', payload: { via: 'httpSend' } },
    ]);
  });
});

describe('mixed and binary broadcast', () => {
  it('v1 and v2 clients in one room see each other’s JSON broadcasts', async () => {
    const v1 = h.client('1.0.0').channel('mixed');
    const v2 = h.client('2.0.0').channel('mixed');
    const at1: unknown[] = [];
    const at2: unknown[] = [];
    v1.on('broadcast', { event: 'm' }, (m) => at1.push(m.payload));
    v2.on('broadcast', { event: 'm' }, (m) => at2.push(m.payload));
    await subscribed(v1);
    await subscribed(v2);
    await v1.send({ type: 'broadcast', event: 'm', payload: { from: 1 } });
    await v2.send({ type: 'broadcast', event: 'm', payload: { from: 2 } });
    await eventually(() => expect(at1).toEqual([{ from: 2 }]));
    await eventually(() => expect(at2).toEqual([{ from: 1 }]));
  });

  it('an ArrayBuffer from v2 reaches v2 members as bytes (kind 4) and is dropped for v1', async () => {
    const sender = h.client('2.0.0').channel('bin', { config: { broadcast: { ack: true } } });
    const v2 = h.client('2.0.0').channel('bin');
    const v1 = h.client('1.0.0').channel('bin');
    const at2: unknown[] = [];
    const at1: unknown[] = [];
    v2.on('broadcast', { event: '*' }, (m) => at2.push(m.payload));
    v1.on('broadcast', { event: '*' }, (m) => at1.push(m.payload));
    await Promise.all([subscribed(sender), subscribed(v2), subscribed(v1)]);
    const bytes = new Uint8Array([0x7d, 0xff, 0x00, 0x01]);
    expect(await sender.send({ type: 'broadcast', event: 'raw', payload: bytes.buffer })).toBe('ok');
    expect(await sender.send({ type: 'broadcast', event: 'json', payload: { after: true } })).toBe('ok');
    await eventually(() => expect(at2).toHaveLength(2));
    expect(at2[0]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(at2[0] as ArrayBuffer)]).toEqual([0x7d, 0xff, 0x00, 0x01]);
    await eventually(() => expect(at1).toEqual([{ after: true }]));
  });
});
