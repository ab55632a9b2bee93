/**
 * The Supabase-style HTTP routes of the dev server: `GET /rest/v1/<table>` and the REST broadcast
 * under `/api/broadcast` and `/realtime/v1/api/broadcast`. Returns false for other paths.
 */
import type * as http from 'node:http';
import type { PgliteEngine } from '../engine/pgliteEngine.js';
import { sendJson } from '../http/httpIo.js';
import { handleBroadcast } from './broadcastHandler.js';
import { handleRest } from './restHandler.js';
import type { SupabaseRealtime } from './SupabaseRealtime.js';

const BROADCAST_PREFIXES = ['/api/broadcast', '/realtime/v1/api/broadcast'];

export async function handleSupabaseHttp(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  engine: PgliteEngine,
  realtime: SupabaseRealtime,
  headers: Record<string, string>,
): Promise<boolean> {
  if (path.startsWith('/rest/v1/') || path === '/rest/v1') {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let name: string;
    try {
      name = decodeURIComponent(path.slice('/rest/v1/'.length));
    } catch {
      name = '';
    }
    if (name === '' || name.includes('/')) {
      sendJson(res, 404, { code: 'PGRST125', details: null, hint: null, message: 'Use GET /rest/v1/<table> (or <namespace>.<table>)' }, headers);
      return true;
    }
    await handleRest(req, res, engine, url, name, headers);
    return true;
  }
  for (const prefix of BROADCAST_PREFIXES) {
    if (path === prefix || path.startsWith(`${prefix}/`)) {
      await handleBroadcast(req, res, realtime, engine, new URL(req.url ?? '/', 'http://localhost'), path.slice(prefix.length), headers);
      return true;
    }
  }
  return false;
}
