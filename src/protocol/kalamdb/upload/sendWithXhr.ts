/**
 * Browsers: XMLHttpRequest, the only browser API that reports upload progress (`upload.onprogress`;
 * fetch cannot, and streams request bodies only over HTTP/2). The body is one Blob built from the
 * segments; stream parts are read into it first (browsers keep large Blobs on disk).
 */
import { abortError, ConnectionError } from '../../../errors.js';
import type { Segment } from './multipartBody.js';
import { isStream } from './multipartBody.js';
import { readChunks } from './readChunks.js';
import type { UploadAnswer, UploadRequest } from './transport.js';

export async function sendWithXhr(request: UploadRequest): Promise<UploadAnswer> {
  const { url, body, signal, sent } = request;
  const blob = new Blob(await Promise.all(body.segments.map((s) => blobPart(s, signal))) as BlobPart[], { type: body.contentType });
  if (signal?.aborted) throw abortError(signal, 'The upload');
  return new Promise<UploadAnswer>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    let reported = 0;
    const progress = (loaded: number): void => {
      if (loaded > reported) sent(loaded - reported);
      reported = Math.max(reported, loaded);
    };
    const onAbort = (): void => xhr.abort();
    const done = (): void => signal?.removeEventListener('abort', onAbort);
    const failed = (what: string) => (): void => {
      done();
      reject(new ConnectionError(`The upload to ${url} ${what}; check the url option and that the server is running.`, { code: 'NETWORK_ERROR' }));
    };
    xhr.open('POST', url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => progress(Math.min(e.loaded, blob.size));
    xhr.upload.onload = () => progress(blob.size);
    xhr.onload = () => {
      done();
      if (xhr.status >= 200 && xhr.status < 300) progress(blob.size);
      resolve({ ok: xhr.status >= 200 && xhr.status < 300, status: xhr.status, text: xhr.responseText, retryAfter: xhr.getResponseHeader('retry-after') });
    };
    xhr.onerror = failed('failed');
    xhr.ontimeout = failed('timed out');
    xhr.onabort = () => {
      done();
      reject(signal?.aborted ? abortError(signal, 'The upload') : new ConnectionError(`The upload to ${url} was cancelled by the browser.`, { code: 'NETWORK_ERROR' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    xhr.send(blob);
  });
}

async function blobPart(segment: Segment, signal: AbortSignal | undefined): Promise<Blob | Uint8Array> {
  if (!isStream(segment)) return segment;
  const reader = readChunks(segment);
  const chunks: Uint8Array[] = [];
  for (let chunk = await reader.next(); chunk !== undefined; chunk = await reader.next()) {
    if (signal?.aborted) {
      reader.cancel(signal.reason);
      throw abortError(signal, 'The upload');
    }
    chunks.push(chunk);
  }
  return new Blob(chunks as BlobPart[]);
}
