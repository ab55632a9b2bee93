/**
 * The connection's outbound frames, in order (docs/SPEC.md §1.4, §1.5): held while no socket is
 * open, then sent paced by a sliding window of at most `perWindow` frames per rolling `windowMs`
 * (the driver's `limits.perSecond`; Infinity: unpaced). Servers drop what exceeds their
 * per-connection rate (KalamDB: 50/s, pings included), so every frame the client sends goes through here.
 *
 * Each frame sent holds one slot for `windowMs`; a timer (the injected timers) frees it and sends
 * the next queued frame. So any interval of `windowMs` holds at most `perWindow` sends, whatever
 * the clock, and the window restarts with each socket (the server counts per connection).
 */
import type { Frame } from '../protocol/driver.js';
import type { Timers } from './timers.js';

interface Queued {
  readonly key: string | undefined;
  readonly frame: Frame;
}

export class OutboundQueue {
  private frames: Queued[] = [];
  private sink: ((frame: Frame) => void) | undefined;
  private flowing = false;
  private used = 0;
  private slots = new Set<unknown>();
  /** Largest frame (bytes) sent from the queue on the current socket (the handshake excluded). */
  private largest = 0;

  constructor(
    private readonly timers: Timers,
    private perWindow: number,
    private readonly windowMs = 1000,
  ) {}

  /** Frames allowed per window now. */
  get rate(): number {
    return this.perWindow;
  }

  get largestSent(): number {
    return this.largest;
  }

  /** Halve the rate (at least 1 frame per window), for the rest of this client's life. Unpaced: no effect. */
  slowDown(): number {
    if (this.perWindow !== Infinity) this.perWindow = Math.max(1, Math.floor(this.perWindow / 2));
    return this.perWindow;
  }

  /** A socket opened: a fresh window. Queued frames wait for `start()` (the link is open). */
  attach(send: (frame: Frame) => void): void {
    this.resetWindow();
    this.sink = send;
  }

  /** Send ahead of the queue (the handshake), taking a slot like any frame. */
  sendFirst(frame: Frame): void {
    if (!this.sink) return;
    this.take();
    this.sink(frame);
  }

  /** The link is open: send the queue in order, paced. */
  start(): void {
    this.flowing = true;
    this.pump();
  }

  /**
   * The socket is gone. Frames that only meant something on it (the unkeyed ones: KalamDB
   * `next_batch`, `unsubscribe`, `ping`) are dropped; keyed frames (subscribes) wait for the next socket.
   */
  detach(): void {
    this.resetWindow();
    this.frames = this.frames.filter((q) => q.key !== undefined);
  }

  private resetWindow(): void {
    for (const slot of this.slots) this.timers.clearTimeout(slot);
    this.slots = new Set();
    this.used = 0;
    this.largest = 0;
    this.sink = undefined;
    this.flowing = false;
  }

  /** Queue a frame (sent at once when open and a slot is free). A keyed frame replaces a queued one with the same key. */
  push(frame: Frame, key?: string): void {
    if (key !== undefined) this.remove(key);
    this.frames.push({ key, frame });
    this.pump();
  }

  /** Drop a queued keyed frame; true when one was still waiting (so it never reached the server). */
  remove(key: string): boolean {
    const before = this.frames.length;
    this.frames = this.frames.filter((q) => q.key !== key);
    return this.frames.length !== before;
  }

  clear(): void {
    this.detach();
    this.frames = [];
  }

  private pump(): void {
    while (this.flowing && this.sink && this.frames.length > 0 && this.used < this.perWindow) {
      const q = this.frames.shift()!;
      this.take();
      this.largest = Math.max(this.largest, frameBytes(q.frame));
      this.sink(q.frame);
    }
  }

  private take(): void {
    if (this.perWindow === Infinity) return;
    this.used++;
    const slots = this.slots;
    const slot = this.timers.setTimeout(() => {
      if (this.slots !== slots) return; // a previous socket's window
      slots.delete(slot);
      this.used--;
      this.pump();
    }, this.windowMs);
    slots.add(slot);
  }
}

/** Size of a frame on the wire: UTF-8 bytes of a text frame, length of a binary one. */
export function frameBytes(frame: Frame): number {
  return typeof frame === 'string' ? utf8Length(frame) : frame.byteLength;
}

/** Bytes of `text` in UTF-8 (what the server measures against its frame limit), without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // surrogate pair
      i++;
    } else bytes += 3; // BMP, or a lone surrogate (encoded as U+FFFD)
  }
  return bytes;
}
