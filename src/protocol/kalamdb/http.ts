/**
 * KalamDB HTTP SQL (spec §3, §4): `POST /v1/api/sql` for `client.query()` / `client.execute()`,
 * opt-in so live-rows apps bundle none of it:
 *
 *   import { kalamdbSql } from 'livebind/kalamdb';
 *   const client = createClient({ url, auth, sql: kalamdbSql });
 *   const rows = await client.query('SELECT * FROM app.orders WHERE id = $1', [1]);
 *
 * Also the HTTP POST shared with the login calls (./login.ts) and the answer decoding shared with
 * FILE uploads (./fileUploads.ts). Errors become AuthError or QueryError with the server's code and
 * HTTP status; tokens never appear in messages.
 */
import { abortError, AuthError, ConnectionError, isLivebindError, QueryError } from '../../errors.js';
import { checkParam } from '../../sql/sqlLiteral.js';
import type { QueryOptions, SqlParam } from '../../types.js';
import type { DriverContext, Row, SqlOutcome, TokenNeed } from '../driver.js';
import type { FetchLike } from '../fetch.js';
import { decodeField, isObject, parseJson, str } from './codec.js';

export type { FetchLike } from '../fetch.js';

const AUTH_CODES = new Set([
  'MISSING_AUTHORIZATION',
  'TOKEN_EXPIRED',
  'INVALID_CREDENTIALS',
  'REMOTE_ACCESS_DENIED',
  'INSUFFICIENT_PERMISSIONS',
  'SETUP_REQUIRED',
  'ACCOUNT_LOCKED',
  'AUTHENTICATION_ERROR',
]);

/** One SQL call: throws AuthError (401/403 auth codes), QueryError, or AbortError once `options.signal` aborts. */
export type KalamQuery = (sql: string, params: readonly SqlParam[] | undefined, options: QueryOptions | undefined) => Promise<SqlOutcome>;

/** The value of the `sql` option: builds the SQL call for one client. */
export type KalamSql = (baseUrl: string, fetch: FetchLike, context: DriverContext) => KalamQuery;

export const JSON_TYPE = { 'Content-Type': 'application/json' };

/** A POST to the server: its answer, ConnectionError NETWORK_ERROR when unreachable, AbortError once `signal` aborts. */
export type KalamPost = (path: string, headers: Record<string, string>, body: string | undefined, signal?: AbortSignal) => Promise<HttpAnswer>;

export function kalamPost(baseUrl: string, fetchImpl: FetchLike): KalamPost {
  return async (path, headers, body, signal) => {
    const url = baseUrl.replace(/\/+$/, '') + path;
    try {
      // `body` and `signal` may be undefined: fetch treats that as absent.
      const res = await fetchImpl(url, { method: 'POST', headers, body, signal } as Parameters<FetchLike>[1]);
      return { ok: res.ok, status: res.status, text: await res.text(), retryAfter: res.headers?.get('retry-after') ?? null };
    } catch (error) {
      // fetch rejects at once, sending nothing, when the signal was aborted before the call.
      if (signal?.aborted) throw abortError(signal, 'The SQL request');
      throw new ConnectionError(`Could not reach ${url}; check the url option and the server.`, {
        code: 'NETWORK_ERROR',
        cause: error,
      });
    }
  };
}

/** SQL over HTTP with one retry after TOKEN_EXPIRED (spec §3.5). */
export const kalamdbSql: KalamSql = (baseUrl, fetchImpl, context) => {
  const post = kalamPost(baseUrl, fetchImpl);
  return async (sql, params, options) => {
    let body = `{"sql":${JSON.stringify(sql)}`;
    if (params !== undefined && params.length > 0) body += `,"params":${wireParams(params)}`;
    if (options?.namespace !== undefined) body += `,"namespace_id":${JSON.stringify(options.namespace)}`;
    body += '}';
    const call = async (need: TokenNeed): Promise<SqlOutcome> =>
      sqlOutcome(await post('/v1/api/sql', { ...JSON_TYPE, Authorization: `Bearer ${await context.token(need)}` }, body, options?.signal), sql);
    try {
      return await call('http');
    } catch (error) {
      if (!isLivebindError(error) || error.code !== 'TOKEN_EXPIRED') throw error;
      return call('expired');
    }
  };
};

export interface HttpAnswer {
  readonly ok: boolean;
  readonly status: number;
  readonly text: string;
  readonly retryAfter: string | null;
}

/**
 * The SQL endpoint's answer (JSON or multipart request alike) as an outcome, or its typed error.
 * Rows: those of the last result with a schema (or of the last result), keyed by column name;
 * affected: the DML counts (results without a schema).
 */
export function sqlOutcome(res: { ok: boolean; status: number; text: string }, sql: string): SqlOutcome {
  const json = parseJson(res.text);
  const error = isObject(json) && isObject(json['error']) ? json['error'] : undefined;
  if (!res.ok || error || !isObject(json) || json['status'] !== 'success') {
    const code = str(error?.['code'], `HTTP_${res.status}`);
    const message = str(error?.['message'], `SQL request failed with HTTP ${res.status}`);
    if (AUTH_CODES.has(code) || res.status === 401) {
      throw new AuthError(`${message} (${code}).`, { code, status: res.status });
    }
    throw new QueryError(`${message} (${code}).`, { code, status: res.status, sql });
  }
  let last: Record<string, unknown> | undefined;
  let shown: Record<string, unknown> | undefined;
  let affected = 0;
  for (const result of Array.isArray(json['results']) ? json['results'] : []) {
    if (!isObject(result)) continue;
    last = result;
    if (Array.isArray(result['schema'])) shown = result;
    else if (typeof result['row_count'] === 'number') affected += result['row_count'];
  }
  shown ??= last;
  const schema = Array.isArray(shown?.['schema']) ? shown['schema'].filter(isObject).map(decodeField) : [];
  // Positional cells → a row keyed by column name (schema `index` order).
  const rows = Array.isArray(shown?.['rows'])
    ? (shown['rows'] as (readonly unknown[])[]).map((cells) => {
        const row: Row = {};
        for (const field of schema) row[field.name] = cells[field.index] ?? null;
        return row;
      })
    : [];
  return { rows, affected };
}

/** `params` as a JSON array text (the JSON body's field and the multipart `params` part). */
export function wireParams(params: readonly SqlParam[]): string {
  return `[${params.map(wireParam).join(',')}]`;
}

/**
 * One `params` element as JSON text. A bigint within ±2^53 goes as a JSON number; a larger one as
 * a decimal string, which the server casts exactly (a bare integer would be rounded by any server
 * that parses JSON into doubles, the dev server included).
 */
function wireParam(value: SqlParam): string {
  if (typeof value === 'bigint') {
    return value >= -9007199254740991n && value <= 9007199254740991n ? value.toString() : `"${value.toString()}"`;
  }
  checkParam(value);
  return JSON.stringify(value);
}
