/**
 * Binary frame decoding (spec §5.3): gzip (magic 1f 8b) → UTF-8 text. Injected into the connection
 * so the codec stays pure and the core stays browser-safe: Node uses node:zlib (loaded with a
 * dynamic import, synchronous afterwards so frame order is trivially kept), browsers and workers
 * use DecompressionStream.
 */
export type BinaryDecoder = (bytes: Uint8Array) => string | Promise<string>;

const utf8 = new TextDecoder();

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The best decoder for this runtime. */
export async function defaultBinaryDecoder(): Promise<BinaryDecoder> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (proc?.versions?.node !== undefined) {
    const specifier = 'node:zlib';
    const zlib = (await import(/* @vite-ignore */ specifier)) as typeof import('node:zlib');
    return (bytes) => utf8.decode(isGzip(bytes) ? zlib.gunzipSync(bytes) : bytes);
  }
  return streamDecoder;
}

/** DecompressionStream-based decoder (browsers, Deno, workers). */
export const streamDecoder: BinaryDecoder = async (bytes) => {
  if (!isGzip(bytes)) return utf8.decode(bytes);
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text();
};
