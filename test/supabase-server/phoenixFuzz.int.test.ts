/**
 * Malformed Phoenix frames against the real dev server (spec §2.3): bad JSON, wrong shapes, bad
 * binary lengths and kinds, unknown events, oversized frames. The socket gets error replies and
 * stays usable; the server stays up for everyone else.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawPhoenix, type RawPhoenix } from './rawPhoenix.js';
import { startRealtimeHarness, type RealtimeHarness } from './realtimeHarness.js';

let h: RealtimeHarness;
let url2: string;
let url1: string;
beforeAll(async () => {
  h = await startRealtimeHarness({ maxFrameBytes: 64 * 1024 });
  const base = h.server.url.replace('http:', 'ws:');
  url2 = `${base}/realtime/v1/websocket?apikey=k&vsn=2.0.0`;
  url1 = `${base}/realtime/v1/websocket?apikey=k`;
});
afterAll(async () => {
  await h.close();
});

/** A heartbeat still answers: the socket survived. */
async function alive(s: RawPhoenix, vsn: '1.0.0' | '2.0.0', ref: string): Promise<void> {
  s.send(vsn === '2.0.0' ? [null, ref, 'phoenix', 'heartbeat', {}] : { topic: 'phoenix', event: 'heartbeat', payload: {}, ref });
  await s.next((f) => (Array.isArray(f) ? f[1] === ref : f.ref === ref));
}

function kind3(lengths: number[], encoding: number, rest: Uint8Array): Uint8Array {
  return new Uint8Array([3, ...lengths, encoding, ...rest]);
}

describe('malformed frames get error replies and never close the socket', () => {
  it('vsn 2.0.0: bad JSON, short arrays, wrong types, unknown events, bad binary lengths and kinds', async () => {
    const s = await rawPhoenix(url2);
    s.send(['1', '1', 'realtime:f', 'phx_join', { config: { broadcast: { ack: true } } }]);
    await s.next((f) => f[1] === '1');
    const before = s.frames.length;
    s.send('{not json');
    s.send('[null,"2","realtime:f"]');
    s.send('{"topic":"x"}');
    s.send('[null,{"r":1},"realtime:f","broadcast",{}]');
    s.send('[null,"3","realtime:f",7,{}]');
    s.send(['1', '4', 'realtime:f', 'no_such_event', {}]);
    s.send(['1', '5', 'realtime:f', 'broadcast', 'not an object']);
    s.send(['1', '6', 'realtime:f', 'presence', { type: 'presence', event: 'dance' }]);
    s.send(new Uint8Array([]));
    s.send(new Uint8Array([9, 1, 2, 3]));
    s.send(new Uint8Array([3, 1]));
    s.send(kind3([1, 1, 200, 1, 0], 1, new TextEncoder().encode('67realtime:f')));
    s.send(kind3([1, 1, 10, 1, 0], 7, new TextEncoder().encode('17realtime:fe{}')));
    s.send(kind3([1, 1, 10, 1, 0], 1, new TextEncoder().encode('18realtime:fe{bad')));
    await alive(s, '2.0.0', 'hb');
    const replies = s.frames.slice(before).flatMap((f) => ('text' in f ? [f.text as unknown[]] : []));
    const errors = replies.filter((f) => f[3] === 'phx_reply' && (f[4] as { status: string }).status === 'error');
    expect(errors.length).toBe(14);
    const reasons = errors.map((f) => JSON.stringify((f[4] as { response: unknown }).response));
    expect(reasons.filter((r) => r.includes('MalformedWebSocketMessage')).length).toBeGreaterThanOrEqual(9);
    expect(reasons.some((r) => r.includes('UnknownEvent: no_such_event'))).toBe(true);
    // The short array's error goes to its topic with its ref, so a pending push there fails fast.
    expect(errors.find((f) => f[1] === '2')?.[2]).toBe('realtime:f');
    s.close();
  });

  it('vsn 1.0.0: arrays, binary frames and bad JSON get errors', async () => {
    const s = await rawPhoenix(url1);
    s.send('[null,"1","phoenix","heartbeat",{}]');
    s.send(new Uint8Array([3, 0, 0, 0, 0, 0, 1]));
    s.send('nope');
    await alive(s, '1.0.0', 'hb');
    const errors = s.texts().filter((f) => f.event === 'phx_reply' && f.payload.status === 'error');
    expect(errors).toHaveLength(3);
    expect(errors.every((f) => !('join_ref' in f))).toBe(true);
    s.close();
  });

  it('a frame over maxFrameBytes closes only that socket (1009); the server keeps serving', async () => {
    const s = await rawPhoenix(url2);
    s.send(['1', '1', 'realtime:big', 'broadcast', { type: 'broadcast', event: 'e', payload: 'x'.repeat(70 * 1024) }]);
    expect((await s.closed).code).toBe(1009);
    const t = await rawPhoenix(url2);
    await alive(t, '2.0.0', 'after');
    t.close();
  });

  it('random frames (text and binary) never take the server down', async () => {
    const s = await rawPhoenix(url2);
    const frames = fc.sample(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.json().map((j) => j),
        fc.tuple(fc.option(fc.string()), fc.option(fc.string()), fc.constantFrom('realtime:z', 'phoenix', 'x'), fc.constantFrom('phx_join', 'broadcast', 'presence', 'access_token', 'phx_leave', 'heartbeat', 'zzz'), fc.jsonValue()).map((t) => JSON.stringify(t)),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ minLength: 6, maxLength: 64 }).map((b) => Uint8Array.from([3, ...b])),
      ),
      { numRuns: 400, seed: 7 },
    );
    for (const f of frames) s.send(f);
    await alive(s, '2.0.0', 'fuzz-done');
    expect(h.server.realtime.stats().framesMalformed).toBeGreaterThan(0);
    s.close();
  });
});
