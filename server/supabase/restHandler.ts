/**
 * `GET /rest/v1/<table>`: PostgREST-style reads with the same auth and isolation as the SQL API
 * (the query runs through `engine.executeSql` as the caller: USER tables return only the caller's
 * rows, PRIVATE shared tables need service/dba/system). The table is `<table>` in schema `public`
 * (= namespace `default`), the namespace named by `Accept-Profile`, or `<namespace>.<table>`.
 * Rows are JSON objects encoded like Postgres' row_to_json (pgJson.ts), as in postgres_changes.
 */
import type * as http from 'node:http';
import type { PgliteEngine } from '../engine/pgliteEngine.js';
import { SqlError } from '../engine/sqlExecutor.js';
import type { Cell } from '../engine/types.js';
import { sendJson } from '../http/httpIo.js';
import { httpIdentity } from './httpIdentity.js';
import { pgJsonValue } from './pgJson.js';
import { namespaceForSchema } from './postgresBinding.js';
import { planRestQuery, RestError } from './restQuery.js';

/** Rows one read may return; `limit` above it is refused, and a read without `limit` that matches more fails with 413. */
export const REST_MAX_ROWS = 10_000;

function restError(res: http.ServerResponse, headers: Record<string, string>, e: RestError): void {
  sendJson(res, e.status, { code: e.code, details: null, hint: null, message: e.message }, headers);
}

export async function handleRest(req: http.IncomingMessage, res: http.ServerResponse, engine: PgliteEngine, url: URL, name: string, headers: Record<string, string>): Promise<void> {
  try {
    if (req.method !== 'GET') throw new RestError(405, 'PGRST117', `Unsupported HTTP method ${req.method ?? ''}: the livebind dev server serves GET /rest/v1/<table> only (write with POST /v1/api/sql)`);
    const who = await httpIdentity(req, url, engine);
    if (!who.ok) throw new RestError(401, who.code, who.message);
    if (who.user === undefined) {
      throw new RestError(401, 'PGRST301', 'GET /rest/v1 needs a user token: log in with POST /v1/api/auth/login and send Authorization: Bearer <access_token>');
    }
    const profile = req.headers['accept-profile'];
    const dot = name.indexOf('.');
    const schema = dot > 0 ? name.slice(0, dot) : typeof profile === 'string' && profile !== '' ? profile : 'public';
    const tableName = dot > 0 ? name.slice(dot + 1) : name;
    const namespace = namespaceForSchema(schema);
    const table = engine.getTable(namespace, tableName);
    if (table === undefined) throw new RestError(404, 'PGRST205', `Could not find the table '${schema.slice(0, 64)}.${tableName.slice(0, 64)}' (namespace ${namespace.slice(0, 64)})`);
    const query = planRestQuery(table, url.searchParams, REST_MAX_ROWS);
    let result;
    try {
      result = await engine.executeSql(who.user, { sql: query.sql, namespace: table.namespace });
    } catch (e) {
      if (e instanceof SqlError) throw new RestError(e.status === 403 ? 403 : 400, e.code === 'PERMISSION_DENIED' ? '42501' : e.code, e.message);
      throw e;
    }
    const rows = (result.results[0]?.rows ?? []) as Cell[][];
    if (query.limit === undefined && rows.length > REST_MAX_ROWS) {
      throw new RestError(413, 'PGRST_TOO_MANY_ROWS', `More than ${REST_MAX_ROWS} rows match: page with limit and offset, or order=<key>&<key>=gt.<last key>&limit=N`);
    }
    const body = rows.map((row) => {
      const out: Record<string, unknown> = {};
      query.columns.forEach((c, i) => (out[c.name] = pgJsonValue(c.pgType, row[i])));
      return out;
    });
    const range = body.length === 0 ? '*/*' : `${query.offset}-${query.offset + body.length - 1}/*`;
    sendJson(res, 200, body, { ...headers, 'Content-Range': range });
  } catch (e) {
    if (e instanceof RestError) restError(res, headers, e);
    else throw e;
  }
}
