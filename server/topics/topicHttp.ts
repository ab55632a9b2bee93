/**
 * `POST /v1/api/topics/consume` and `POST /v1/api/topics/ack` (KalamDB §9). Bearer auth, role
 * service, dba or system. Errors are `{"error": message, "code": CODE}`: 401 auth codes, 403
 * FORBIDDEN, 404 NOT_FOUND (topic), 400 INVALID_INPUT (body), 413 (body over 64 KiB), 500.
 *
 * Bounds: `limit` 1…1000 (default 100); `timeout_seconds` is a long poll on the dev server (KalamDB
 * ignores it) capped at 30 s, default 0 (answer at once, as KalamDB does).
 */
import type * as http from 'node:http';
import type { PgliteEngine } from '../engine/pgliteEngine.js';
import { isEngineAuthError, type AuthUser } from '../engine/types.js';
import { bearerToken, BodyError, parseJsonObject, readBody, sendJson } from '../http/httpIo.js';
import { TopicLog, type StartPosition } from './TopicLog.js';
import type { TopicDef } from './TopicRegistry.js';

export const MAX_TOPIC_BODY_BYTES = 64 * 1024;
export const MAX_CONSUME_LIMIT = 1000;
export const DEFAULT_CONSUME_LIMIT = 100;
export const MAX_WAIT_SECONDS = 30;
const MAX_ID_LENGTH = 256;
const CONSUMER_ROLES = new Set(['service', 'dba', 'system']);

class TopicHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type TopicRoute = (path: string, req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>) => Promise<boolean>;

/** The topic endpoints over one engine's log; answers false for paths it does not own. */
export function topicRoutes(engine: PgliteEngine): TopicRoute {
  const log = new TopicLog(engine);
  return async (path, req, res, headers) => {
    if (path !== '/v1/api/topics/consume' && path !== '/v1/api/topics/ack') return false;
    try {
      if (req.method !== 'POST') throw new TopicHttpError(405, 'METHOD_NOT_ALLOWED', `Use POST ${path}`);
      await authorize(req, engine);
      const body = parseJsonObject(await readBody(req, MAX_TOPIC_BODY_BYTES));
      const topic = topicOf(engine, body);
      const group = idField(body, 'group_id');
      const partition = partitionOf(topic, body);
      if (path.endsWith('/consume')) {
        const controller = new AbortController();
        const abort = (): void => controller.abort();
        res.on('close', abort);
        try {
          const result = await log.consume({
            topic,
            group,
            partition,
            start: startOf(body['start']),
            limit: intField(body, 'limit', 1, MAX_CONSUME_LIMIT, DEFAULT_CONSUME_LIMIT),
            waitMs: Math.round(numberField(body, 'timeout_seconds', 0, MAX_WAIT_SECONDS, 0) * 1000),
            signal: controller.signal,
          });
          if (!controller.signal.aborted) sendJson(res, 200, result, headers);
        } finally {
          res.off('close', abort);
        }
      } else {
        const upto = intField(body, 'upto_offset', 0, Number.MAX_SAFE_INTEGER, undefined);
        const high = await log.highWater(topic, partition);
        if (upto > high) throw new TopicHttpError(400, 'INVALID_INPUT', `upto_offset ${upto} is past the last message of partition ${partition} (${high})`);
        const acknowledged = await log.ack(topic, group, partition, upto);
        sendJson(res, 200, { success: true, acknowledged_offset: acknowledged }, headers);
      }
    } catch (e) {
      if (e instanceof TopicHttpError) sendJson(res, e.status, { error: e.message, code: e.code }, headers);
      else if (e instanceof BodyError) {
        sendJson(res, e.status, { error: e.message, code: 'INVALID_INPUT' }, headers);
        if (e.status === 413) res.on('finish', () => req.destroy());
      } else sendJson(res, 500, { error: 'Internal error', code: 'INTERNAL_ERROR' }, headers);
    }
    return true;
  };
}

async function authorize(req: http.IncomingMessage, engine: PgliteEngine): Promise<AuthUser> {
  const token = bearerToken(req);
  if (token === undefined) throw new TopicHttpError(401, 'MISSING_AUTHORIZATION', 'Missing Authorization header');
  if (token === null) throw new TopicHttpError(401, 'AUTHENTICATION_ERROR', 'This endpoint requires a Bearer token');
  let user: AuthUser;
  try {
    user = await engine.verifyAccessToken(token);
  } catch (e) {
    if (isEngineAuthError(e)) throw new TopicHttpError(401, e.code, e.code === 'TOKEN_EXPIRED' ? 'Token expired' : 'Invalid credentials');
    throw e;
  }
  if (!CONSUMER_ROLES.has(user.role)) throw new TopicHttpError(403, 'FORBIDDEN', 'Topic consumption requires service, dba, or system role');
  return user;
}

function topicOf(engine: PgliteEngine, body: Record<string, unknown>): TopicDef {
  const id = idField(body, 'topic_id');
  const topic = engine.catalog.topics.get(id) ?? engine.catalog.topics.get(id.toLowerCase());
  if (topic === undefined) throw new TopicHttpError(404, 'NOT_FOUND', `Topic '${id.slice(0, 80)}' not found`);
  return topic;
}

function idField(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (typeof v !== 'string' || v === '' || v.length > MAX_ID_LENGTH || /[\u0000-\u001f]/.test(v)) {
    throw new TopicHttpError(400, 'INVALID_INPUT', `"${name}" must be a non-empty string of at most ${MAX_ID_LENGTH} printable characters`);
  }
  return v;
}

function partitionOf(topic: TopicDef, body: Record<string, unknown>): number {
  const p = intField(body, 'partition_id', 0, Number.MAX_SAFE_INTEGER, 0);
  if (p >= topic.partitions) throw new TopicHttpError(400, 'INVALID_INPUT', `Topic '${topic.id}' has partitions 0…${topic.partitions - 1}; partition_id ${p} does not exist`);
  return p;
}

function numberField(body: Record<string, unknown>, name: string, min: number, max: number, fallback: number | undefined): number {
  const v = body[name];
  if (v === undefined || v === null) {
    if (fallback === undefined) throw new TopicHttpError(400, 'INVALID_INPUT', `"${name}" is required`);
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new TopicHttpError(400, 'INVALID_INPUT', `"${name}" must be a number from ${min} to ${max}`);
  return Math.min(v, max);
}

function intField(body: Record<string, unknown>, name: string, min: number, max: number, fallback: number | undefined): number {
  const v = numberField(body, name, min, Number.MAX_SAFE_INTEGER, fallback);
  if (!Number.isSafeInteger(v)) throw new TopicHttpError(400, 'INVALID_INPUT', `"${name}" must be a whole number`);
  return Math.min(v, max);
}

/** `"Latest"` (default) | `"Earliest"` (any case) | `{"Offset": n}` / `{"offset": n}`. */
function startOf(v: unknown): StartPosition {
  if (v === undefined || v === null) return 'latest';
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'latest' || s === 'earliest') return s;
  } else if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const n = o['Offset'] ?? o['offset'];
    if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && Object.keys(o).length === 1) return { offset: n };
  }
  throw new TopicHttpError(400, 'INVALID_INPUT', '"start" is "Latest", "Earliest" or {"Offset": n}');
}
