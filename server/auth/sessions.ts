/**
 * Login sessions (table livebind.sessions): what makes tokens revocable. Every token carries its
 * session id (`sid`); the refresh token also its own id (`jti`), which must be the session's current
 * one. A token is good only while its session exists and its user exists with the role the token
 * names, checked on every request (HTTP and WebSocket), as KalamDB looks the user up each time.
 *
 * - refresh rotates: the session's refresh id moves to the new token; presenting a rotated
 *   (older) refresh token again means it leaked, so the whole session is revoked;
 * - logout deletes the session (its access and refresh tokens stop working);
 * - a password change, a role change and DROP USER delete the user's sessions.
 */
import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';

export const SESSIONS_SQL = `CREATE TABLE IF NOT EXISTS livebind.sessions (
  sid text PRIMARY KEY, user_id text NOT NULL, refresh_jti text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS sessions_user ON livebind.sessions (user_id);`;

export function newId(): string {
  return randomBytes(12).toString('base64url');
}

export async function createSession(db: PGlite, userId: string, refreshJti: string): Promise<string> {
  const sid = newId();
  await db.query('INSERT INTO livebind.sessions (sid, user_id, refresh_jti) VALUES ($1, $2, $3)', [sid, userId, refreshJti]);
  return sid;
}

/** The session's user and current role when `sid` is live for `userId`, else undefined. */
export async function liveSession(db: PGlite, sid: string, userId: string): Promise<{ role: string; refreshJti: string } | undefined> {
  const r = await db.query<{ role: string; refresh_jti: string }>(
    'SELECT u.role, s.refresh_jti FROM livebind.sessions s JOIN livebind.users u ON u.id = s.user_id WHERE s.sid = $1 AND s.user_id = $2',
    [sid, userId],
  );
  const row = r.rows[0];
  return row === undefined ? undefined : { role: row.role, refreshJti: row.refresh_jti };
}

/** Moves the session to `next` if `presented` is its current refresh id; otherwise revokes it (reuse). */
export async function rotateRefresh(db: PGlite, sid: string, presented: string, next: string): Promise<boolean> {
  const r = await db.query('UPDATE livebind.sessions SET refresh_jti = $3 WHERE sid = $1 AND refresh_jti = $2', [sid, presented, next]);
  if ((r.affectedRows ?? 0) === 1) return true;
  await revokeSession(db, sid);
  return false;
}

export async function revokeSession(db: PGlite, sid: string): Promise<void> {
  await db.query('DELETE FROM livebind.sessions WHERE sid = $1', [sid]);
}

export async function revokeUserSessions(db: PGlite, userId: string): Promise<void> {
  await db.query('DELETE FROM livebind.sessions WHERE user_id = $1', [userId]);
}
