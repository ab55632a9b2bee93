/** The HTTP surface drivers use (injectable: `fetch` option), and the global fetch as default. */
import { UsageError } from '../errors.js';

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{
  readonly ok: boolean;
  readonly status: number;
  /** Read for `Retry-After` on 429/503 answers (optional for custom fetch functions). */
  readonly headers?: { get(name: string): string | null };
  text(): Promise<string>;
}>;

/** globalThis.fetch, looked up on every call (so one installed later still applies). */
export function defaultFetch(): FetchLike {
  return (url, init) => {
    const f = (globalThis as { fetch?: FetchLike }).fetch;
    if (!f) throw new UsageError('No fetch available: pass the `fetch` option.', { code: 'INVALID_OPTION' });
    return f(url, init);
  };
}
