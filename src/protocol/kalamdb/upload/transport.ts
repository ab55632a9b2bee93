/** What an upload transport gets and answers (sendWithXhr in browsers, sendWithFetch elsewhere). */
import type { MultipartBody } from './multipartBody.js';

export interface UploadRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: MultipartBody;
  readonly signal: AbortSignal | undefined;
  /** `bytes` more of the body went out. */
  readonly sent: (bytes: number) => void;
}

export interface UploadAnswer {
  readonly ok: boolean;
  readonly status: number;
  readonly text: string;
  readonly retryAfter: string | null;
}
