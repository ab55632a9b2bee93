/**
 * KalamDB HTTP API (spec §3, §4): login, refresh, `POST /v1/api/sql`. Errors become AuthError or
 * QueryError with the server's code and HTTP status; tokens never appear in messages.
 */
import { abortError, AuthError, ConnectionError, QueryError } from '../../errors.js';
import { checkParam } from '../../sql/sqlLiteral.js';
import type { SqlParam } from '../../types.js';
import type { LoginCalls, Row, SqlOutcome, Tokens } from '../driver.js';
import type { FetchLike } from '../fetch.js';
import { decodeField, isObject, parseJson, str } from './codec.js';

export type { FetchLike } from '../fetch.js';
export type { Tokens } from '../driver.js';

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

/** The HTTP calls of one driver: login and refresh (its LoginCalls) and SQL. */
export interface KalamHttp extends LoginCalls {
  refresh(refreshToken: string): Promise<Tokens>;
  /** Run SQL; throws AuthError (401/403 auth codes), QueryError, or AbortError once `signal` aborts. */
  sql(token: string, sql: string, params: readonly SqlParam[] | undefined, namespace: string | undefined, signal?: AbortSignal): Promise<SqlOutcome>;
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

/** A closure rather than a class: local names minify (this sits in every browser bundle). */
export function kalamHttp(baseUrl: string, fetchImpl: FetchLike): KalamHttp {
  const post = async (path: string, headers: Record<string, string>, body: string | undefined, signal?: AbortSignal): Promise<HttpAnswer> => {
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

  const auth = async (login: boolean, headers: Record<string, string>, body?: string): Promise<Tokens> => {
    const res = await post(login ? '/v1/api/auth/login' : '/v1/api/auth/refresh', headers, body);
    const json = parseJson(res.text);
    const what = `${login ? 'Login' : 'Token refresh'} answered HTTP ${res.status}`;
    if (res.status === 429 || res.status >= 500) {
      // Busy or failing, not a verdict on the credentials: back off (honouring Retry-After) and try again.
      const retryAfterMs = retryAfter(res.retryAfter);
      throw new ConnectionError(`${what}; retrying${retryAfterMs === undefined ? '' : ` in ${Math.ceil(retryAfterMs / 1000)} s`}.`, {
        code: res.status === 429 ? 'RATE_LIMITED' : 'SERVER_ERROR',
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    if (!res.ok || !isObject(json) || typeof json['access_token'] !== 'string') {
      // KalamDB's auth endpoints answer lower-case kinds (`unauthorized`); codes are UPPER_SNAKE everywhere in livebind.
      const error = isObject(json) ? json['error'] : undefined;
      const code = typeof error === 'string' ? error.toUpperCase() : str(isObject(error) && error['code'], `HTTP_${res.status}`);
      throw new AuthError(`${what} (${code}); ${login ? 'check the user name and password' : 'logging in again'}.`, {
        code,
        status: res.status,
        // A login refused with 401/403 is final: the same user name and password will be refused again.
        final: login && (res.status === 401 || res.status === 403),
      });
    }
    return {
      accessToken: json['access_token'],
      refreshToken: typeof json['refresh_token'] === 'string' ? json['refresh_token'] : undefined,
    };
  };

  return {
    login: (user, password) => auth(true, JSON_TYPE, JSON.stringify({ user, password })),
    refresh: (refreshToken) => auth(false, { Authorization: `Bearer ${refreshToken}` }),
    async sql(token, sql, params, namespace, signal) {
      let body = `{"sql":${JSON.stringify(sql)}`;
      if (params !== undefined && params.length > 0) body += `,"params":${wireParams(params)}`;
      if (namespace !== undefined) body += `,"namespace_id":${JSON.stringify(namespace)}`;
      body += '}';
      return sqlOutcome(await post('/v1/api/sql', { ...JSON_TYPE, Authorization: `Bearer ${token}` }, body, signal), sql);
    },
  };
}

interface HttpAnswer {
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

/** `Retry-After` (seconds or an HTTP date) in ms, capped at 60 s; undefined when absent or unreadable. */
function retryAfter(header: string | null): number | undefined {
  if (!header?.trim()) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 60_000) : undefined;
}
