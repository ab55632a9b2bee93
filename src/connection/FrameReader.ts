/**
 * Inbound frames of one socket in arrival order (docs/SPEC.md §1.4). Text frames pass through as
 * strings and binary frames as bytes (a Blob is read first, asynchronously); the session decodes
 * them. A handler that returns a promise (an asynchronous decode) holds every later frame until it
 * settles: they wait on a promise chain. A frame that cannot be read, or a handler promise that
 * rejects, is reported to `fail`, never dropped silently (§1.5). One reader per socket, so a new
 * socket never waits on the chain of the one before.
 */
import { ProtocolError } from '../errors.js';
import type { Frame } from '../protocol/driver.js';

/** The error of a frame that could not be read or decoded (`INVALID_FRAME`): the link breaks and every query resumes. */
export function undecodable(reason: string, cause?: unknown): ProtocolError {
  return new ProtocolError(`Undecodable frame from the server (${reason}); reconnecting.`, { code: 'INVALID_FRAME', cause });
}

export type FrameHandler = (frame: Frame) => void | Promise<void>;

/** The reader of one socket: call it with each message's `data`. */
export function createFrameReader(handle: FrameHandler, fail: (error: unknown) => void): (data: unknown) => void {
  /** Tail of the in-order pipeline while an asynchronous read or decode is pending. */
  let tail: Promise<unknown> | undefined;
  return (data) => {
    // Synchronous frames with nothing pending are handled at once (the common case: no promise).
    const frame = tail ? tail.then(() => toFrame(data)) : toFrame(data);
    const pending = frame instanceof Promise ? frame.then(handle) : handle(frame);
    if (pending) {
      const next: Promise<unknown> = pending.catch(fail).finally(() => {
        if (tail === next) tail = undefined;
      });
      tail = next;
    }
  };
}

/** The socket's `data` as a Frame: strings as they are, binary as a Uint8Array view (no copy). */
function toFrame(data: unknown): Frame | Promise<Uint8Array> {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // Blob is a global wherever this runs (browsers, Node >= 20.19, workers).
  if (data instanceof Blob) return data.arrayBuffer().then((b) => new Uint8Array(b));
  return String(data);
}
