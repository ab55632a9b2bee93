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

/** Where frames go: the open socket. */
export interface FrameSink {
  send(frame: Frame): void;
}

export interface OutboundQueue {
  /** Largest frame (bytes) sent from the queue on the current socket (the handshake excluded). */
  largest(): number;
  /** Halve the rate (at least 1 frame per window), for the rest of this client's life. Unpaced: no effect. Returns the new rate. */
  slowDown(): number;
  /** A socket opened (after a `detach`, so in a fresh window). Queued frames wait for `start()` (the link is open). */
  attach(socket: FrameSink): void;
  /** Send ahead of the queue (the handshake), taking a slot like any frame. */
  sendFirst(frame: Frame): void;
  /** The link is open: send the queue in order, paced. */
  start(): void;
  /**
   * The socket is gone. Frames that only meant something on it (the unkeyed ones: KalamDB
   * `next_batch`, `unsubscribe`, `ping`) are dropped; keyed frames (subscribes) wait for the next
   * socket, unless `all` (the connection closed for good): then every frame is dropped.
   */
  detach(all: boolean): void;
  /** Queue a frame (sent at once when open and a slot is free). A keyed frame replaces a queued one with the same key. */
  push(frame: Frame, key?: string): void;
  /** Drop a queued keyed frame; true when one was still waiting (so it never reached the server). */
  remove(key: string): boolean;
}

export function createOutboundQueue(timers: Timers, perWindow: number, windowMs = 1000): OutboundQueue {
  let frames: { readonly key: string | undefined; readonly frame: Frame }[] = [];
  /** The open socket (from `attach` to `detach`). */
  let sink: FrameSink | undefined;
  /** The link is open (`start`); only ever true while `sink` is set. */
  let flowing = false;
  /** One pending timer per frame sent in the current window: its slot, freed when it fires. */
  const slots = new Set<unknown>();
  let largest = 0;

  const send = (frame: Frame): void => {
    if (perWindow < Infinity) {
      const slot = timers.setTimeout(() => {
        slots.delete(slot);
        pump();
      }, windowMs);
      slots.add(slot);
    }
    sink!.send(frame);
  };
  const pump = (): void => {
    while (flowing && frames.length > 0 && slots.size < perWindow) {
      const { frame } = frames.shift()!;
      // Its size on the wire: UTF-8 bytes of a text frame, length of a binary one.
      largest = Math.max(largest, typeof frame === 'string' ? utf8Length(frame) : frame.byteLength);
      send(frame);
    }
  };
  const remove = (key: string): boolean => {
    const before = frames.length;
    frames = frames.filter((q) => q.key !== key);
    return frames.length !== before;
  };

  return {
    largest: () => largest,
    // Infinity halves to Infinity: unpaced stays unpaced.
    slowDown: () => (perWindow = Math.max(1, Math.floor(perWindow / 2))),
    attach(socket) {
      sink = socket;
    },
    sendFirst(frame) {
      if (sink) send(frame);
    },
    start() {
      flowing = true;
      pump();
    },
    // Every socket ends with a detach (the connection retries or stops), so the next one starts a fresh window.
    detach(all) {
      for (const slot of slots) timers.clearTimeout(slot);
      slots.clear();
      largest = 0;
      sink = undefined;
      flowing = false;
      frames = all ? [] : frames.filter((q) => q.key !== undefined);
    },
    push(frame, key) {
      if (key !== undefined) remove(key);
      frames.push({ key, frame });
      pump();
    },
    remove,
  };
}

/** Bytes of `text` in UTF-8 (what the server measures against its frame limit), without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    // A high surrogate followed by a low one (past the end, charCodeAt is NaN: no match).
    else if ((c & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // surrogate pair
      i++;
    } else bytes += 3; // BMP, or a lone surrogate (encoded as U+FFFD)
  }
  return bytes;
}
