import type * as http from 'node:http';
import { RateLimiter } from '../auth/rateLimiter.js';
import type { PgliteEngine } from '../engine/pgliteEngine.js';
import { handleAuth } from './authHandlers.js';
import { corsHeaders, handlePreflight, type CorsOrigins } from './cors.js';
import { isLoopback, sendJson } from './httpIo.js';
import { sendHomePage, type HomePageInfo } from './homePage.js';
import { handleSql } from './sqlHandler.js';
import { handleSupabaseHttp } from '../supabase/supabaseHttp.js';
import type { SupabaseRealtime } from '../supabase/SupabaseRealtime.js';
import { extensionRoutes } from './extensionRoutes.js';

export interface RequestHandlerOptions {
  readonly engine: PgliteEngine;
  /** Auth requests per second per IP (default 20; 0 disables the limit). */
  readonly authRateLimitPerSec?: number;
  readonly corsOrigins?: CorsOrigins;
  readonly version?: string;
  /** What `GET /` shows besides the tables (demo logins, extra links). */
  readonly home?: Omit<HomePageInfo, 'version'>;
  /** Supabase-style routes (`/rest/v1/<table>`, `/api/broadcast`, `/realtime/v1/api/broadcast`). */
  readonly realtime?: SupabaseRealtime;
}

const BUILD_DATE = new Date().toISOString().slice(0, 10);
/** /health waits this long for `SELECT 1` behind the requests already queued. */
const HEALTH_SQL_TIMEOUT_MS = 3000;

/** Why SQL cannot run right now, or undefined when `SELECT 1` answers in time. */
async function sqlProblem(engine: PgliteEngine): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`SELECT 1 did not answer within ${HEALTH_SQL_TIMEOUT_MS} ms`), HEALTH_SQL_TIMEOUT_MS);
  });
  try {
    return await Promise.race([engine.ping().then(() => undefined, (e: unknown) => `SQL cannot run: ${e instanceof Error ? e.message : String(e)}`), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The HTTP API of the dev server: SQL, auth, health, CORS. WebSocket upgrades are handled elsewhere. */
export function createRequestHandler(options: RequestHandlerOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const limiter = new RateLimiter(options.authRateLimitPerSec ?? 20);
  const origins = options.corsOrigins ?? 'loopback';
  const extensions = extensionRoutes(options.engine);
  return (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error', message: 'Internal error' });
      else res.end();
    });
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const path = url.split('?')[0]!.replace(/\/+$/, '') || '/';
    if (req.method === 'OPTIONS') {
      handlePreflight(req, res, origins);
      return;
    }
    const headers = corsHeaders(req, origins);
    if (headers === undefined) {
      sendJson(res, 403, { error: 'forbidden', message: 'Origin not allowed' });
      return;
    }
    if (path === '/v1/api/sql') {
      if (req.method !== 'POST') {
        sendJson(res, 405, { status: 'error', results: [], took: 0, error: { code: 'INVALID_INPUT', message: 'Use POST /v1/api/sql' } }, headers);
        return;
      }
      await handleSql(req, res, options.engine, headers);
      return;
    }
    if (await extensions(path, req, res, headers)) return;
    if (path.startsWith('/v1/api/auth/')) {
      if (await handleAuth({ engine: options.engine, limiter, headers }, path, req, res)) return;
    }
    if (path === '/health' || path === '/v1/api/healthcheck') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(res, 405, { error: 'method_not_allowed', message: `Use GET ${path}` }, headers);
      } else if (!isLoopback(req)) {
        sendJson(res, 403, { error: 'forbidden', message: 'Health checks are only available from localhost' }, headers);
      } else {
        const problem = await sqlProblem(options.engine);
        const body = { version: options.version ?? '0.1.0', api_version: 'v1', build_date: BUILD_DATE };
        if (problem === undefined) sendJson(res, 200, { status: 'healthy', ...body }, headers);
        else sendJson(res, 503, { status: 'unhealthy', reason: problem, ...body }, headers);
      }
      return;
    }
    if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      if (!isLoopback(req)) sendJson(res, 403, { error: 'forbidden', message: 'The start page is only available from localhost' }, headers);
      else await sendHomePage(req, res, options.engine, { demoLogins: [], ...options.home, supabase: options.realtime !== undefined, version: options.version ?? '0.1.0' }, headers);
      return;
    }
    if (options.realtime !== undefined && (await handleSupabaseHttp(req, res, path, options.engine, options.realtime, headers))) return;
    sendJson(res, 404, { error: 'not_found', message: `No route for ${req.method ?? 'GET'} ${path.slice(0, 200)}` }, headers);
  }
}
