/**
 * `GET /v1/files/{namespace}/{table}/{subfolder}/{file_id}[?user_id=]` (KalamDB §4.6): Bearer auth;
 * a USER table's file only to its owner (service, dba and system may name the owner with
 * `?user_id=`), a SHARED table's to whoever may read the table. 404 FILE_NOT_FOUND otherwise.
 */
import type * as http from 'node:http';
import type { PgliteEngine } from '../engine/pgliteEngine.js';
import { isEngineAuthError, type AuthUser } from '../engine/types.js';
import { bearerToken, sendJson } from '../http/httpIo.js';

const ADMIN_ROLES = new Set(['service', 'dba', 'system']);

export async function handleFileDownload(path: string, req: http.IncomingMessage, res: http.ServerResponse, engine: PgliteEngine, headers: Record<string, string>): Promise<void> {
  const fail = (status: number, code: string, message: string): void => sendJson(res, status, { error: message, code }, headers);
  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'METHOD_NOT_ALLOWED', 'Use GET /v1/files/{namespace}/{table}/{subfolder}/{file_id}');
  const token = bearerToken(req);
  if (token === undefined || token === null) return fail(401, 'MISSING_AUTHORIZATION', 'File downloads need a Bearer token');
  let user: AuthUser;
  try {
    user = await engine.verifyAccessToken(token);
  } catch (e) {
    if (isEngineAuthError(e)) return fail(401, e.code, e.code === 'TOKEN_EXPIRED' ? 'Token expired' : 'Invalid credentials');
    throw e;
  }
  const segments = path.split('/').slice(3).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return '';
    }
  });
  const [ns, name, sub, fileId] = segments;
  const notFound = (): void => fail(404, 'FILE_NOT_FOUND', 'File not found');
  if (segments.length !== 4 || !ns || !name || !sub || !fileId) return notFound();
  const table = engine.getTable(ns, name);
  if (table === undefined) return notFound();
  const asked = new URL(req.url ?? '/', 'http://x').searchParams.get('user_id');
  let owner: string | undefined;
  if (table.type === 'user') {
    if (asked !== null && asked !== user.id && !ADMIN_ROLES.has(user.role)) return fail(403, 'PERMISSION_DENIED', "Only service, dba and system users may read another user's files");
    owner = asked ?? user.id;
  } else if (!engine.canRead(user, table)) return fail(403, 'PERMISSION_DENIED', `Table ${table.qualifiedName} is private`);
  // bytea as its hex text, decoded here (PGlite's own bytea parser takes seconds for a few MiB).
  const rows = await engine.run(
    async (db) =>
      (
        await db.query<{ mime: string; data: string }>(
          'SELECT mime, data FROM livebind.files WHERE tbl = $1 AND sub = $2 AND stored_name = $3 AND ($4::text IS NULL OR owner = $4)',
          [table.qualifiedName, sub, fileId, owner ?? null],
          { parsers: { 17: (text: string) => text } },
        )
      ).rows,
    { writes: false },
  );
  const row = rows[0];
  if (row === undefined) return notFound();
  const file = { mime: row.mime, data: Buffer.from(row.data.slice(2), 'hex') };
  res.writeHead(200, {
    ...headers,
    'Content-Type': file.mime,
    'Content-Length': file.data.byteLength,
    'Cache-Control': 'private, no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': 'sandbox',
  });
  res.end(req.method === 'HEAD' ? undefined : file.data);
}
