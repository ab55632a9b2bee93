/**
 * OrderedFrames (server/kalamdb/ws/OrderedFrames.ts): frames leave in the order they were queued
 * even when a large one is still being gzipped on the threadpool, frames waiting for their gzip
 * count toward the connection's outbound bounds, and the §5.3 frame rule is unchanged.
 */
import { gunzipSync } from 'node:zlib';
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { ASYNC_GZIP_MIN_CHARS, OrderedFrames, PreparedFrame } from '../../server/kalamdb/ws/OrderedFrames.js';
import { toFrame } from '../../server/kalamdb/ws/serverMessages.js';
import { BoundedOutbound, type OutboundLimits } from '../../server/ws/wsBounds.js';

/** A socket that records what it is given and acknowledges every send at once. */
function fakeSocket(): { ws: WebSocket; sent: { data: string | Buffer; binary: boolean }[] } {
  const sent: { data: string | Buffer; binary: boolean }[] = [];
  const ws = {
    bufferedAmount: 0,
    send(data: string | Buffer, opts: { binary: boolean }, cb: () => void) {
      sent.push({ data, binary: opts.binary });
      cb();
    },
  };
  return { ws: ws as unknown as WebSocket, sent };
}

const text = (f: { data: string | Buffer; binary: boolean }): string => (f.binary ? gunzipSync(f.data as Buffer).toString('utf8') : (f.data as string));
const big = (tag: string): string => JSON.stringify({ type: 'initial_data_batch', tag, rows: Array.from({ length: 3000 }, (_, i) => ({ id: String(i), note: `row ${i} of ${tag}` })) });
const small = (tag: string): string => JSON.stringify({ type: 'change', tag });
const LIMITS: OutboundLimits = { outboundQueueLimit: 10_000, outboundBufferLimitBytes: 8 * 1024 * 1024 };

describe('PreparedFrame', () => {
  it('follows the frame rule of §5.3: text under the threshold or uncompressed, gzip when smaller', async () => {
    const json = big('a');
    expect(json.length).toBeGreaterThanOrEqual(ASYNC_GZIP_MIN_CHARS);
    const p = PreparedFrame.of(json, true, 512);
    expect(p.frame).toBeUndefined(); // gzipping on the threadpool
    await new Promise<void>((resolve) => p.whenReady(resolve));
    expect(p.frame!.binary).toBe(true);
    expect(text(p.frame!)).toBe(json);
    expect(PreparedFrame.of(json, false, 512).frame).toEqual({ data: json, binary: false });
    expect(PreparedFrame.of(json, true, json.length + 1).frame).toEqual({ data: json, binary: false }); // under a raised threshold
    const s = small('b');
    expect(PreparedFrame.of(s, true, 512).frame).toEqual(toFrame(s, true, 512));
    const mid = JSON.stringify({ type: 'change', body: 'x'.repeat(2000) });
    expect(PreparedFrame.of(mid, true, 512).frame).toEqual(toFrame(mid, true, 512)); // synchronous gzip below the async size
  });
});

describe('OrderedFrames', () => {
  it('sends frames in queue order, a small frame waiting behind a large one still being gzipped', async () => {
    const { ws, sent } = fakeSocket();
    const frames = new OrderedFrames(new BoundedOutbound(ws, LIMITS), () => expect.fail('no overflow'));
    const order = ['s0', 'B1', 's2', 'B3', 'B4', 's5', 's6'];
    for (const tag of order) frames.send(PreparedFrame.of(tag.startsWith('B') ? big(tag) : small(tag), true, 512));
    expect(sent.map((f) => JSON.parse(text(f)).tag)).toEqual(['s0']); // the rest waits for B1's gzip
    expect(frames.length).toBe(order.length - 1);
    await frames.drained();
    expect(sent.map((f) => JSON.parse(text(f)).tag)).toEqual(order);
    expect(sent.map((f) => f.binary)).toEqual([false, true, false, true, true, false, false]);
    expect(frames.length).toBe(0);
  });

  it('keeps the order of frames prepared ahead (a read-ahead page) and queued later', async () => {
    const { ws, sent } = fakeSocket();
    const frames = new OrderedFrames(new BoundedOutbound(ws, LIMITS), () => expect.fail('no overflow'));
    const ahead = PreparedFrame.of(big('page1'), true, 512);
    await new Promise<void>((resolve) => ahead.whenReady(resolve)); // gzip done before it is asked for
    const page2 = PreparedFrame.of(big('page2'), true, 512);
    frames.send(PreparedFrame.of(big('page0'), true, 512));
    frames.send(ahead);
    frames.send(PreparedFrame.of(small('change'), true, 512));
    frames.send(page2);
    await frames.drained();
    expect(sent.map((f) => JSON.parse(text(f)).tag)).toEqual(['page0', 'page1', 'change', 'page2']);
  });

  it('counts frames waiting for their gzip toward the message and byte bounds', () => {
    const { ws, sent } = fakeSocket();
    let overflows = 0;
    const byCount = new OrderedFrames(new BoundedOutbound(ws, { outboundQueueLimit: 3, outboundBufferLimitBytes: 1 << 30 }), () => overflows++);
    for (let i = 0; i < 3; i++) byCount.send(PreparedFrame.of(big(`b${i}`), true, 512));
    expect(overflows).toBe(0);
    byCount.send(PreparedFrame.of(small('x'), true, 512));
    expect(overflows).toBe(1);
    expect(sent).toHaveLength(0);

    const json = big('c');
    const byBytes = new OrderedFrames(new BoundedOutbound(ws, { outboundQueueLimit: 10_000, outboundBufferLimitBytes: json.length * 2 }), () => overflows++);
    byBytes.send(PreparedFrame.of(json, true, 512));
    byBytes.send(PreparedFrame.of(json, true, 512));
    expect(overflows).toBe(1);
    byBytes.send(PreparedFrame.of(json, true, 512));
    expect(overflows).toBe(2);
  });

  it('sends nothing more once stopped (socket gone), and drained() settles', async () => {
    const { ws, sent } = fakeSocket();
    const frames = new OrderedFrames(new BoundedOutbound(ws, LIMITS), () => expect.fail('no overflow'));
    const a = PreparedFrame.of(big('a'), true, 512);
    frames.send(a);
    frames.send(PreparedFrame.of(small('b'), true, 512));
    const drained = frames.drained();
    frames.stop();
    await drained;
    frames.send(PreparedFrame.of(small('c'), true, 512));
    await new Promise<void>((resolve) => a.whenReady(resolve)); // the queue's own wake-up for 'a' has run too
    expect(a.frame?.binary).toBe(true);
    expect(sent).toHaveLength(0);
  });
});
