/**
 * Inbound frames → text, in arrival order (docs/SPEC.md §1.4). Text frames pass through; binary
 * frames go to the injected decoder (gunzip), which may be asynchronous: later frames then wait
 * behind it on a promise chain. A frame that cannot be decoded is reported to `fail`, never dropped
 * silently (§1.5).
 */
import type { BinaryDecoder } from '../protocol/kalamdb/gunzip.js';

export class FrameReader {
  /** Tail of the in-order pipeline while an asynchronous decode is pending. */
  private tail: Promise<void> | undefined;

  constructor(private readonly decoder: () => BinaryDecoder | undefined) {}

  /** Forget pending decodes (the socket is gone; `handle`/`fail` of the caller ignore late results). */
  reset(): void {
    this.tail = undefined;
  }

  read(data: unknown, handle: (text: string) => void, fail: (error: unknown) => void): void {
    let decoded: string | Promise<string>;
    try {
      decoded = this.toText(data);
    } catch (error) {
      if (this.tail === undefined) {
        fail(error);
        return;
      }
      decoded = Promise.reject(error as Error);
      decoded.catch(() => {}); // handled by the chain below
    }
    if (typeof decoded === 'string' && this.tail === undefined) {
      handle(decoded);
      return;
    }
    const text = decoded;
    const next: Promise<void> = (this.tail ?? Promise.resolve())
      .then(() => text)
      .then(handle, fail)
      .finally(() => {
        if (this.tail === next) this.tail = undefined;
      });
    this.tail = next;
  }

  private toText(data: unknown): string | Promise<string> {
    const decoder = this.decoder();
    if (typeof data === 'string' || !decoder) return String(data);
    if (data instanceof ArrayBuffer) return decoder(new Uint8Array(data));
    if (ArrayBuffer.isView(data)) return decoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (typeof Blob !== 'undefined' && data instanceof Blob) return data.arrayBuffer().then((b) => decoder(new Uint8Array(b)));
    return String(data);
  }
}
