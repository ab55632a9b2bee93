/**
 * The outbound side of one `/v1/ws` connection: messages become frames by the rule of §5.3 (gzip at
 * the fast level into a binary frame when the JSON reaches the threshold and the gzip is smaller) and
 * leave in the order they were queued, whatever order their gzip finishes in.
 *
 * A load page is ≈ 1 MB of JSON (10,000 rows): gzipping it on the event loop took 4–8 ms per page,
 * during which the server could neither read the next page nor answer anyone. Messages of at least
 * `ASYNC_GZIP_MIN_CHARS` are gzipped on libuv's threadpool instead, in one pass (an output buffer as
 * large as the input, so the event loop is not needed between chunks); smaller ones (changes, acks)
 * keep the synchronous path, where a threadpool round trip would cost more than it saves.
 * A frame can be prepared ahead of time (the page read ahead, `LiveSubscription`) and queued later.
 *
 * Bounds: frames waiting here count toward the connection's outbound bounds (messages and bytes)
 * exactly like frames already handed to the socket (wsBounds.ts).
 */
import { gzip, constants as zlibConstants } from 'node:zlib';
import type { BoundedOutbound } from '../../ws/wsBounds.js';
import { toFrame, type Frame } from './serverMessages.js';

/** JSON of at least this many UTF-16 units is gzipped off the event loop. */
export const ASYNC_GZIP_MIN_CHARS = 64 * 1024;

/** One message on its way to a frame; `frame` is set once encoded (at once, or when its gzip finishes). */
export class PreparedFrame {
  frame: Frame | undefined;
  private waiters: (() => void)[] = [];

  constructor(
    /** Bytes it holds until sent (its JSON's UTF-16 length: an upper bound of what reaches the socket, gzip or not). */
    readonly bytes: number,
  ) {}

  /** Encodes `json` by the §5.3 rule; large messages are gzipped on the threadpool. */
  static of(json: string, compress: boolean, thresholdBytes: number): PreparedFrame {
    const p = new PreparedFrame(json.length);
    if (!compress || json.length < ASYNC_GZIP_MIN_CHARS) {
      p.frame = toFrame(json, compress, thresholdBytes);
      return p;
    }
    const bytes = Buffer.from(json, 'utf8');
    if (bytes.length < thresholdBytes) {
      p.frame = { data: json, binary: false };
      return p;
    }
    gzip(bytes, { level: zlibConstants.Z_BEST_SPEED, chunkSize: bytes.length }, (error, gz) => {
      p.resolve(error === null && gz.length < bytes.length ? { data: gz, binary: true } : { data: json, binary: false });
    });
    return p;
  }

  /** Calls `fn` once the frame is ready (at once when it is). */
  whenReady(fn: () => void): void {
    if (this.frame !== undefined) fn();
    else this.waiters.push(fn);
  }

  private resolve(frame: Frame): void {
    this.frame = frame;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Sends prepared frames in queue order through the connection's bounded outbound. */
export class OrderedFrames {
  private readonly queue: PreparedFrame[] = [];
  private queuedBytes = 0;
  private drainWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly outbound: BoundedOutbound,
    /** Called when the connection went over a bound (the caller closes it with 1013). */
    private readonly overflow: () => void,
  ) {}

  /** Frames not handed to the socket yet. */
  get length(): number {
    return this.queue.length;
  }

  send(frame: PreparedFrame): void {
    if (this.stopped) return;
    if (this.queue.length === 0 && frame.frame !== undefined) {
      this.write(frame.frame);
      return;
    }
    this.queue.push(frame);
    this.queuedBytes += frame.bytes;
    if (this.outbound.over(this.queue.length, this.queuedBytes)) {
      this.overflow();
      return;
    }
    if (this.queue.length === 1) frame.whenReady(() => this.flush());
  }

  /** Resolves once every queued frame was handed to the socket (at once when none waits). */
  drained(): Promise<void> {
    if (this.queue.length === 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Drops what is queued and sends nothing more (the socket is gone). */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.settleDrain();
  }

  private flush(): void {
    while (!this.stopped) {
      const head = this.queue[0];
      if (head === undefined) return this.settleDrain();
      if (head.frame === undefined) return head.whenReady(() => this.flush());
      this.queue.shift();
      this.queuedBytes -= head.bytes;
      if (!this.write(head.frame)) return;
    }
  }

  private write(frame: Frame): boolean {
    if (this.outbound.send(frame.data, frame.binary)) return true;
    this.overflow();
    return false;
  }

  private settleDrain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}
