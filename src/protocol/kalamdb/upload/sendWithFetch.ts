/**
 * Node (and any runtime without XMLHttpRequest): the multipart body as a pull-based ReadableStream
 * sent with `fetch(…, { body, duplex: 'half' })` and an exact Content-Length. Nothing is read ahead:
 * a chunk (at most 64 KiB) is produced only when fetch asks for the next one to write to the
 * socket, so progress counts bytes handed to the socket and a stream part is never buffered whole.
 */
import { abortError, ConnectionError, isLivebindError } from '../../../errors.js';
import type { MultipartBody } from './multipartBody.js';
import { isStream } from './multipartBody.js';
import { readChunks, type ChunkReader } from './readChunks.js';
import type { UploadAnswer, UploadRequest } from './transport.js';

export const CHUNK_BYTES = 64 * 1024;

/** The fetch an upload needs: a ReadableStream request body (Node's fetch, undici). */
export type StreamingFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: ReadableStream<Uint8Array>; duplex: 'half'; signal?: AbortSignal },
) => Promise<{ readonly ok: boolean; readonly status: number; readonly headers?: { get(name: string): string | null }; text(): Promise<string> }>;

export async function sendWithFetch(fetch: StreamingFetch, request: UploadRequest): Promise<UploadAnswer> {
  const { url, body, signal, sent } = request;
  let failure: unknown;
  const stream = bodyStream(body, sent, (error) => (failure ??= error));
  const init = {
    method: 'POST',
    headers: { ...request.headers, 'Content-Length': String(body.size) },
    body: stream,
    duplex: 'half' as const,
    ...(signal === undefined ? {} : { signal }),
  };
  try {
    const res = await fetch(url, init);
    const text = await res.text();
    return { ok: res.ok, status: res.status, text, retryAfter: res.headers?.get('retry-after') ?? null };
  } catch (error) {
    void stream.cancel().catch(() => undefined);
    if (signal?.aborted) throw abortError(signal, 'The upload');
    if (isLivebindError(failure)) throw failure;
    throw new ConnectionError(`The upload to ${url} failed; check the url option and that the server is running.`, { code: 'NETWORK_ERROR', cause: failure ?? error });
  }
}

function bodyStream(body: MultipartBody, sent: (bytes: number) => void, failed: (error: unknown) => void): ReadableStream<Uint8Array> {
  let index = 0;
  let bytes: Uint8Array | undefined;
  let reader: ChunkReader | undefined;
  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, chunk: Uint8Array): void => {
    controller.enqueue(chunk);
    sent(chunk.byteLength);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            if (bytes !== undefined && bytes.byteLength > 0) {
              const chunk = bytes.subarray(0, CHUNK_BYTES);
              bytes = bytes.subarray(chunk.byteLength);
              return emit(controller, chunk);
            }
            if (reader !== undefined) {
              const chunk = await reader.next();
              if (chunk !== undefined) {
                bytes = chunk;
                continue;
              }
              reader = undefined;
            }
            const segment = body.segments[index++];
            if (segment === undefined) return controller.close();
            if (segment instanceof Uint8Array) bytes = segment;
            else if (isStream(segment)) reader = readChunks(segment);
            else reader = readChunks({ stream: segment.stream(), size: segment.size, name: 'blob' });
          }
        } catch (error) {
          failed(error);
          controller.error(error);
        }
      },
      cancel(reason) {
        reader?.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
