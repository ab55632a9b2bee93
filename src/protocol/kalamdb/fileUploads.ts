/**
 * FILE uploads (K§4.3): multipart `POST /v1/api/sql` with `FILE("name")` placeholders, with upload
 * progress and abort. Opt-in, so live-rows apps bundle none of it:
 *
 *   import { kalamdbFiles } from 'livebind/kalamdb';
 *   const client = createClient({ url, auth, files: kalamdbFiles });
 *   await client.queryWithFiles('INSERT INTO app.docs (id, f) VALUES ($1, FILE("doc"))', { doc: file }, [1], {
 *     onProgress: ({ loaded, total }) => console.log(loaded / total),
 *     signal: controller.signal,
 *   });
 *
 * Browsers send with XMLHttpRequest (upload progress events); Node and other runtimes without it
 * stream the body through the client's `fetch` (a ReadableStream body, `duplex: 'half'`).
 */
import { abortError, isLivebindError } from '../../errors.js';
import type { SqlParam, UploadFile, UploadOptions, UploadProgress } from '../../types.js';
import type { DriverContext, SqlOutcome } from '../driver.js';
import type { FetchLike } from '../fetch.js';
import { sqlOutcome } from './http.js';
import { multipartBody } from './upload/multipartBody.js';
import { sendWithFetch, type StreamingFetch } from './upload/sendWithFetch.js';
import { sendWithXhr } from './upload/sendWithXhr.js';
import type { UploadAnswer, UploadRequest } from './upload/transport.js';

/** One upload: the server's results, or a typed error (QueryError FILE_TOO_LARGE, AuthError, AbortError, ...). */
export type KalamUpload = (sql: string, files: Readonly<Record<string, UploadFile>>, params: readonly SqlParam[] | undefined, options: UploadOptions | undefined) => Promise<SqlOutcome>;

/** The value of the `files` option: builds the upload call for one client. */
export type KalamFiles = (baseUrl: string, fetch: FetchLike, context: DriverContext) => KalamUpload;

export const kalamdbFiles: KalamFiles = (baseUrl, fetch, context) => {
  const url = `${baseUrl.replace(/\/+$/, '')}/v1/api/sql`;
  const transport = (request: UploadRequest): Promise<UploadAnswer> =>
    typeof XMLHttpRequest === 'function' ? sendWithXhr(request) : sendWithFetch(fetch as unknown as StreamingFetch, request);
  return async (sql, files, params, options) => {
    const outer = options?.signal;
    // Our own signal: the caller's abort, or an onProgress callback that threw, ends the upload.
    const controller = new AbortController();
    const signal = controller.signal;
    const forward = (): void => controller.abort(outer?.reason);
    if (outer?.aborted) forward();
    else outer?.addEventListener('abort', forward, { once: true });
    let thrown: { readonly error: unknown } | undefined;
    const body = multipartBody(sql, files, params, options?.namespace);
    const report = progressReporter(body.size, options?.onProgress, (error) => {
      thrown ??= { error };
      controller.abort(error);
    });
    const send = async (need: 'http' | 'expired'): Promise<SqlOutcome> => {
      if (signal.aborted) throw abortError(signal, 'The upload');
      const token = await context.token(need);
      if (signal.aborted) throw abortError(signal, 'The upload');
      let loaded = 0;
      report(0);
      const answer = await transport({
        url,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': body.contentType },
        body,
        signal,
        sent: (bytes) => report((loaded += bytes)),
      });
      return sqlOutcome(answer, sql);
    };
    try {
      return await send('http');
    } catch (e) {
      if (thrown !== undefined) throw thrown.error;
      // A stream part cannot be read twice: only a body of Blobs and bytes is sent again.
      if (!isLivebindError(e) || e.code !== 'TOKEN_EXPIRED' || !body.replayable) throw e;
      return await send('expired');
    } finally {
      outer?.removeEventListener('abort', forward);
    }
  };
};

/**
 * onProgress as promised: `loaded` never decreases and never passes `total` (a retry restarts the
 * byte count; its events are held back until it passes what was reported). A throwing callback is
 * called no more and handed to `failed`, which aborts the upload.
 */
function progressReporter(total: number, onProgress: ((progress: UploadProgress) => void) | undefined, failed: (error: unknown) => void): (loaded: number) => void {
  let last = -1;
  return (loaded) => {
    const value = Math.min(loaded, total);
    if (onProgress === undefined || value <= last) return;
    last = value;
    try {
      onProgress({ loaded: value, total });
    } catch (error) {
      onProgress = undefined;
      failed(error);
    }
  };
}
