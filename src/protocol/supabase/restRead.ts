/**
 * PostgREST-style reads over `GET /rest/v1/<table>` (the initial rows of a postgres_changes feed):
 * the URL, the headers, and the response parser. Filters use the same canonical conditions as the
 * realtime binding, so the load and the live changes select the same rows.
 */
import { AuthError, ProtocolError, QueryError } from '../../errors.js';
import type { LivebindError } from '../../errors.js';
import { isRecord } from './phoenixMessage.js';
import type { Row } from './postgresChange.js';
import type { RowFilter } from './postgresFilter.js';
import { operandText } from './postgresFilter.js';

export interface RestOrder {
  readonly column: string;
  readonly direction: 'asc' | 'desc';
}

export interface RestReadRequest {
  /** Project URL (`http(s)://host[:port][/prefix]`); the read goes to `<url>/rest/v1/<table>`. */
  readonly url: string;
  readonly schema: string;
  readonly table: string;
  readonly filter: RowFilter;
  /** Columns to select (default `*`). */
  readonly select?: readonly string[];
  readonly order?: readonly RestOrder[];
  readonly limit?: number;
  readonly offset?: number;
}

export function restReadUrl(request: RestReadRequest): string {
  const base = request.url.replace(/\/+$/, '');
  const query: string[] = [`select=${request.select === undefined ? '*' : request.select.map(encodeURIComponent).join(',')}`];
  for (const condition of request.filter) query.push(`${encodeURIComponent(condition.column)}=${encodeURIComponent(operandText(condition))}`);
  if (request.order !== undefined && request.order.length > 0) {
    query.push(`order=${request.order.map((o) => `${encodeURIComponent(o.column)}.${o.direction}`).join(',')}`);
  }
  if (request.limit !== undefined) query.push(`limit=${String(request.limit)}`);
  if (request.offset !== undefined && request.offset > 0) query.push(`offset=${String(request.offset)}`);
  return `${base}/rest/v1/${encodeURIComponent(request.table)}?${query.join('&')}`;
}

/** `apikey`, the bearer token (the apikey when there is no user token), and the schema profile. */
export function restHeaders(apikey: string, token: string | undefined, schema: string): Record<string, string> {
  const headers: Record<string, string> = { apikey, Authorization: `Bearer ${token ?? apikey}`, Accept: 'application/json' };
  if (schema !== 'public') headers['Accept-Profile'] = schema;
  return headers;
}

/** Rows from a response, or a typed error: 401/403 AuthError, other statuses QueryError, bad bodies ProtocolError. */
export function parseRestRows(status: number, body: string, table: string): Row[] | LivebindError {
  let json: unknown;
  try {
    json = body === '' ? undefined : JSON.parse(body);
  } catch (error) {
    if (status >= 200 && status < 300) return new ProtocolError(`GET /rest/v1/${table} answered ${String(status)} with a body that is not JSON.`, { code: 'MALFORMED_RESPONSE', cause: error });
    json = undefined;
  }
  if (status >= 200 && status < 300) {
    if (!Array.isArray(json) || !json.every(isRecord)) {
      return new ProtocolError(`GET /rest/v1/${table} answered ${String(status)} without a JSON array of rows.`, { code: 'MALFORMED_RESPONSE' });
    }
    return json;
  }
  const detail = isRecord(json) ? json : {};
  const serverCode = typeof detail['code'] === 'string' ? detail['code'] : undefined;
  const serverMessage = typeof detail['message'] === 'string' ? detail['message'] : typeof detail['error'] === 'string' ? detail['error'] : undefined;
  const said = serverMessage === undefined ? '' : `: ${serverMessage}`;
  if (status === 401 || status === 403) {
    return new AuthError(`GET /rest/v1/${table} was refused (${String(status)})${said}. Check the apikey and the user token.`, { code: serverCode ?? (status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN'), status });
  }
  return new QueryError(`GET /rest/v1/${table} failed (${String(status)})${said}. Check the table name and the filter columns.`, { code: serverCode ?? `HTTP_${String(status)}`, status });
}
