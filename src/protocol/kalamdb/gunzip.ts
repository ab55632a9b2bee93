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

/**
 * The best decoder for this runtime. In Node it starts loading node:zlib at once; a gzip frame that
 * arrives before it loaded waits for it (a failed load is retried by the next gzip frame).
 */
export function defaultBinaryDecoder(): BinaryDecoder {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (proc?.versions?.node === undefined) return streamDecoder;
  let gunzip: ((bytes: Uint8Array) => Uint8Array) | undefined;
  let loading: Promise<void> | undefined;
  const load = (): Promise<void> =>
    (loading ??= import(/* @vite-ignore */ NODE_ZLIB).then(
      (zlib: typeof import('node:zlib')) => {
        gunzip = zlib.gunzipSync;
      },
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    ));
  void load().catch(() => {}); // ready before the first gzip frame arrives; a failure shows on that frame
  const decode = (bytes: Uint8Array): string => utf8.decode(gunzip!(bytes));
  return (bytes) => (!isGzip(bytes) ? utf8.decode(bytes) : gunzip ? decode(bytes) : load().then(() => decode(bytes)));
}

/** A variable, so bundlers for browsers leave the import alone. */
const NODE_ZLIB = 'node:zlib';

/** DecompressionStream-based decoder (browsers, Deno, workers). */
export const streamDecoder: BinaryDecoder = async (bytes) => {
  if (!isGzip(bytes)) return utf8.decode(bytes);
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text();
};
