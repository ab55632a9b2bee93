/** Reading a sized stream part: chunks in order, checked against the declared size, released on stop. */
import { UsageError } from '../../../errors.js';
import type { SizedStream } from './multipartBody.js';

export interface ChunkReader {
  /** The next chunk, or undefined after exactly `size` bytes. Throws UsageError FILE_SIZE_MISMATCH. */
  next(): Promise<Uint8Array | undefined>;
  /** Stop early (abort, failure): releases the source (closes a file handle). */
  cancel(reason?: unknown): void;
}

export function readChunks(part: SizedStream): ChunkReader {
  const source = part.stream;
  let read = 0;
  let pull: () => Promise<IteratorResult<unknown>>;
  let release: (reason?: unknown) => void;
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    pull = () => reader.read() as Promise<IteratorResult<unknown>>;
    release = (reason) => void reader.cancel(reason).catch(() => undefined);
  } else {
    const iterator = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    pull = () => iterator.next();
    release = () => void iterator.return?.()?.catch?.(() => undefined);
  }
  const mismatch = (what: string): UsageError => {
    release();
    return new UsageError(`File "${part.name.slice(0, 80)}": the stream ${what} than its declared size of ${part.size} bytes; pass the exact size.`, { code: 'FILE_SIZE_MISMATCH' });
  };
  return {
    async next() {
      for (;;) {
        const r = await pull();
        if (r.done === true) {
          if (read !== part.size) throw mismatch(`ended after ${read} bytes, fewer`);
          return undefined;
        }
        const chunk = r.value;
        if (!(chunk instanceof Uint8Array)) {
          release();
          throw new UsageError(`File "${part.name.slice(0, 80)}": the stream must yield bytes (Uint8Array/Buffer), not ${typeof chunk}; do not set an encoding on it.`, { code: 'INVALID_FILE' });
        }
        if (chunk.byteLength === 0) continue;
        read += chunk.byteLength;
        if (read > part.size) throw mismatch('holds more bytes');
        return chunk;
      }
    },
    cancel: (reason) => release(reason),
  };
}
