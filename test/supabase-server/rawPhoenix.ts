/**
 * A bare `ws` Phoenix client for exact-frame tests: sends raw frames, records every frame received
 * (text parsed as JSON, binary kept as bytes) and waits for a frame matching a predicate.
 */
import WebSocket from 'ws';
import { eventually } from './realtimeHarness.js';

export type Frame = { readonly text: unknown } | { readonly bytes: Buffer };

export interface RawPhoenix {
  readonly frames: Frame[];
  readonly closed: Promise<{ code: number; reason: string }>;
  send(data: string | Uint8Array | unknown[] | Record<string, unknown>): void;
  /** The first frame (from `from` on) matching `match`; waits for it. */
  next(match: (f: any) => boolean, from?: number): Promise<any>;
  /** Text frames so far. */
  texts(): any[];
  close(): void;
}

export async function rawPhoenix(url: string): Promise<RawPhoenix> {
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('message', (data: Buffer, isBinary) => frames.push(isBinary ? { bytes: Buffer.from(data) } : { text: JSON.parse(data.toString('utf8')) }));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const texts = (): any[] => frames.flatMap((f) => ('text' in f ? [f.text] : []));
  return {
    frames,
    closed,
    send(data) {
      ws.send(typeof data === 'string' || data instanceof Uint8Array ? data : JSON.stringify(data));
    },
    next(match, from = 0) {
      return eventually(() => {
        const hit = frames.slice(from).map((f) => ('text' in f ? f.text : f)).find(match);
        if (hit === undefined) throw new Error('no matching frame yet');
        return hit;
      });
    },
    texts,
    close: () => ws.close(),
  };
}

/** Upgrade attempt: the HTTP status and body when refused, or 101. */
export function upgradeStatus(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.on('error', () => undefined);
  });
}
