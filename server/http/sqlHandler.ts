import type * as http from 'node:http';
import type { PgliteEngine } from '../engine/pgliteEngine.js';
import { SqlError, type BatchRequest } from '../engine/sqlExecutor.js';
import { isEngineAuthError, type AuthUser } from '../engine/types.js';
import { bearerToken, BodyError, discardRest, parseJsonObject, readBody, sendJson } from './httpIo.js';
import { executeUpload, FileError, hasFilePlaceholder, MAX_MULTIPART_BYTES, prepareUpload, readUpload } from '../files/fileUpload.js';

export const MAX_SQL_BYTES = 1024 * 1024;
export const MAX_PARAMS = 50;
export const MAX_PARAM_BYTES = 512 * 1024;
/** sql (1 MiB) + params + JSON overhead. */
export const MAX_SQL_BODY_BYTES = 4 * 1024 * 1024;

type Param = string | number | boolean | null;

class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** `POST /v1/api/sql` (§4.1, §4.2, §4.4). */
export async function handleSql(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  engine: PgliteEngine,
  corsHeaders: Record<string, string>,
): Promise<void> {
  const started = performance.now();
  const requestId = req.headers['x-request-id'];
  const headers =
    typeof requestId === 'string' && /^[\x21-\x7e]{1,128}$/.test(requestId) ? { ...corsHeaders, 'X-Request-ID': requestId } : corsHeaders;
  const took = (): number => Math.round((performance.now() - started) * 1000) / 1000;
  const fail = (status: number, code: string, message: string): void =>
    sendJson(res, status, { status: 'error', results: [], took: took(), error: { code, message } }, headers);
  try {
    const user = await authenticate(req, engine);
    const contentType = req.headers['content-type'] ?? '';
    let result;
    if (/^multipart\/form-data/i.test(contentType)) {
      result = await executeUpload(engine, user, prepareUpload(engine, await readUpload(req, contentType)));
    } else {
      const batch = validateSqlBody(parseJsonObject(await readBody(req, MAX_SQL_BODY_BYTES)));
      if (hasFilePlaceholder(batch.sql)) throw new RequestError('INVALID_INPUT', 'FILE placeholders require multipart/form-data', 400);
      result = await engine.executeSql(user, batch);
    }
    const payload: Record<string, unknown> = { status: 'success', results: result.results, took: took() };
    if (result.singleQuery) payload['error'] = null;
    sendJson(res, 200, payload, headers);
  } catch (e) {
    if (e instanceof RequestError) fail(e.status, e.code, e.message);
    else if (e instanceof SqlError) fail(e.status, e.code, e.message);
    else if (e instanceof FileError) {
      fail(e.status, e.code, e.message);
      discardRest(req, res, MAX_MULTIPART_BYTES); // refused while the body was still arriving
    }
    else if (e instanceof BodyError) {
      fail(e.status, 'INVALID_INPUT', e.message);
      if (e.status === 413) discardRest(req, res, MAX_MULTIPART_BYTES);
    } else fail(500, 'INTERNAL_ERROR', 'Internal error');
  }
}

async function authenticate(req: http.IncomingMessage, engine: PgliteEngine): Promise<AuthUser> {
  const token = bearerToken(req);
  if (token === undefined) throw new RequestError('MISSING_AUTHORIZATION', 'Missing Authorization header', 401);
  if (token === null) throw new RequestError('AUTHENTICATION_ERROR', 'This endpoint requires a Bearer token', 401);
  try {
    return await engine.verifyAccessToken(token);
  } catch (e) {
    if (isEngineAuthError(e)) throw new RequestError(e.code, e.code === 'TOKEN_EXPIRED' ? 'Token expired' : 'Invalid credentials', 401);
    throw e;
  }
}

function validateSqlBody(body: Record<string, unknown>): BatchRequest {
  const sql = body['sql'];
  if (sql === undefined || sql === null) throw new RequestError('EMPTY_SQL', 'SQL query cannot be empty', 400);
  if (typeof sql !== 'string') throw new RequestError('INVALID_INPUT', '"sql" must be a string', 400);
  if (Buffer.byteLength(sql) > MAX_SQL_BYTES) throw new RequestError('INVALID_INPUT', 'SQL exceeds 1 MiB', 400);
  if (sql.trim() === '') throw new RequestError('EMPTY_SQL', 'SQL query cannot be empty', 400);
  if (sql.includes('\u0000')) throw new RequestError('INVALID_SQL', 'SQL must not contain NUL characters', 400);
  const rawParams = body['params'];
  let params: Param[] | undefined;
  if (rawParams !== undefined && rawParams !== null) {
    if (!Array.isArray(rawParams)) throw new RequestError('INVALID_PARAMETER', '"params" must be an array', 400);
    if (rawParams.length > MAX_PARAMS) throw new RequestError('INVALID_PARAMETER', `At most ${MAX_PARAMS} parameters are allowed`, 400);
    params = rawParams.map((p: unknown, i) => {
      if (Array.isArray(p)) throw new RequestError('INVALID_PARAMETER', 'Array parameters not yet supported', 400);
      if (p !== null && typeof p === 'object') throw new RequestError('INVALID_PARAMETER', 'Object parameters not supported', 400);
      if (typeof p === 'string') {
        if (Buffer.byteLength(p) > MAX_PARAM_BYTES) throw new RequestError('INVALID_PARAMETER', `Parameter $${i + 1} exceeds 512 KB`, 400);
        if (p.includes('\u0000')) throw new RequestError('INVALID_PARAMETER', `Parameter $${i + 1} contains a NUL character`, 400);
      }
      if (typeof p === 'number' && !Number.isFinite(p)) throw new RequestError('INVALID_PARAMETER', `Parameter $${i + 1} is not a finite number`, 400);
      return p as Param;
    });
  }
  const ns = body['namespace_id'];
  if (ns !== undefined && ns !== null && typeof ns !== 'string') throw new RequestError('INVALID_INPUT', '"namespace_id" must be a string', 400);
  const out: { sql: string; params?: Param[]; namespace?: string } = { sql };
  if (params !== undefined) out.params = params;
  if (typeof ns === 'string' && ns !== '') out.namespace = ns;
  return out;
}
