/**
 * Inbound frames in arrival order (docs/SPEC.md §1.4). Text frames pass through as strings and
 * binary frames as bytes (a Blob is read first, asynchronously); the session decodes them. A
 * handler that returns a promise (an asynchronous decode) holds every later frame until it settles:
 * they wait on a promise chain. A frame that cannot be read, or a handler promise that rejects, is
 * reported to `fail`, never dropped silently (§1.5).
 */
import { ProtocolError } from '../errors.js';
import type { Frame } from '../protocol/driver.js';

/** The error of a frame that could not be read or decoded (`INVALID_FRAME`): the link breaks and every query resumes. */
export function undecodable(reason: string, cause?: unknown): ProtocolError {
  return new ProtocolError(`Undecodable frame from the server (${reason}); reconnecting to resume from the checkpoint.`, { code: 'INVALID_FRAME', cause });
}

export type FrameHandler = (frame: Frame) => void | Promise<void>;

export interface FrameReader {
  read(data: unknown, handle: FrameHandler, fail: (error: unknown) => void): void;
  /** Forget pending frames (the socket is gone; the caller's handler ignores late ones). */
  reset(): void;
}

export function createFrameReader(): FrameReader {
  /** Tail of the in-order pipeline while an asynchronous read or decode is pending. */
  let tail: Promise<void> | undefined;
  const hold = (chain: Promise<void>): void => {
    const next: Promise<void> = chain.finally(() => {
      if (tail === next) tail = undefined;
    });
    tail = next;
  };
  return {
    read(data, handle, fail) {
      if (tail === undefined) {
        const frame = toFrame(data);
        if (typeof frame === 'string' || frame instanceof Uint8Array) {
          const pending = handle(frame);
          if (pending !== undefined) hold(pending.then(undefined, fail));
        } else {
          hold(frame.then(handle).then(undefined, fail));
        }
        return;
      }
      hold(
        tail
          .then(() => toFrame(data))
          .then(handle)
          .then(undefined, fail),
      );
    },
    reset() {
      tail = undefined;
    },
  };
}

/** The socket's `data` as a Frame: strings as they are, binary as a Uint8Array view (no copy). */
function toFrame(data: unknown): Frame | Promise<Uint8Array> {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof Blob !== 'undefined' && data instanceof Blob) return data.arrayBuffer().then((b) => new Uint8Array(b));
  return String(data);
}
