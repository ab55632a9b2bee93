import { PGlite } from '@electric-sql/pglite';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, liveSession, newId, revokeSession, rotateRefresh } from '../auth/sessions.js';
import type { IssuedTokens, TokenService, VerifiedToken } from '../auth/tokens.js';
import { prepareFileStorage } from '../files/fileSchema.js';
import { BOOTSTRAP_SQL } from './bootstrapSql.js';
import { canRead } from './canRead.js';
import { Catalog } from './catalog.js';
import { encodeCell } from './cellEncoding.js';
import { parseCopyText } from './copyText.js';
import { pageReadSql } from './pageRead.js';
import { PlannerStats } from './plannerStats.js';
import { createUser } from './ddlExecutor.js';
import { SerialQueue } from './serialQueue.js';
import { executeBatch, type BatchRequest, type BatchResult } from './sqlExecutor.js';
import { EngineAuthError, type AuthUser, type Cell, type ChangeRecord, type Engine, type ReadRowsQuery, type Role, type TableInfo, type Tombstone, type WireRow } from './types.js';

export interface PgliteEngineOptions {
  /** Directory for persistent storage; in memory when omitted. */
  readonly dataDir?: string;
  readonly tokens: TokenService;
  /**
   * In-memory only: keep an image of the freshly bootstrapped database in this process and start
   * later engines from it (about 5x faster than initdb). Default true.
   */
  readonly reuseTemplate?: boolean;
}

/** Image of a bootstrapped, empty in-memory database, shared by engines of this process. */
let template: Promise<Blob | File> | undefined;

/** The image is also cached in the OS temp dir, keyed by PGlite version and bootstrap SQL. */
function templateFile(): string {
  const key = createHash('sha256').update(`${pgliteIdentity()}\n${BOOTSTRAP_SQL}`).digest('hex').slice(0, 16);
  return join(tmpdir(), `livebind-pglite-template-${key}.tar`);
}

/** Path, size and mtime of the installed PGlite build: changes whenever PGlite is upgraded. */
function pgliteIdentity(): string {
  try {
    const main = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const st = statSync(main);
    return `${main}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'unknown';
  }
}

async function readTemplateFile(): Promise<Blob | undefined> {
  try {
    const bytes = await readFile(templateFile());
    return bytes.length > 1024 ? new Blob([bytes]) : undefined;
  } catch {
    return undefined;
  }
}

async function writeTemplateFile(image: Blob | File): Promise<void> {
  const file = templateFile();
  const tmp = `${file}.${process.pid}.${Date.now()}`;
  try {
    await writeFile(tmp, Buffer.from(await image.arrayBuffer()));
    await rename(tmp, file);
  } catch {
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}

async function loadTemplate(image: Blob): Promise<PGlite | undefined> {
  try {
    const db = new PGlite({ loadDataDir: image });
    await db.waitReady;
    const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'after_write'`);
    if (r.rows[0]?.n === 1) return db;
    await db.close();
  } catch {
    // A damaged or foreign image: fall back to initdb.
  }
  return undefined;
}

async function openDatabase(options: PgliteEngineOptions): Promise<PGlite> {
  if (options.dataDir !== undefined) {
    const db = new PGlite({ dataDir: options.dataDir });
    await db.waitReady;
    await db.exec(BOOTSTRAP_SQL);
    return db;
  }
  if (options.reuseTemplate === false) {
    const db = new PGlite();
    await db.waitReady;
    await db.exec(BOOTSTRAP_SQL);
    return db;
  }
  const cached = template !== undefined ? await template.catch(() => undefined) : await readTemplateFile();
  if (cached !== undefined) {
    const db = await loadTemplate(cached);
    if (db !== undefined) {
      template ??= Promise.resolve(cached);
      return db;
    }
  }
  const db = new PGlite();
  await db.waitReady;
  await db.exec(BOOTSTRAP_SQL);
  const image = db.dumpDataDir('none');
  template = image;
  await image.then(writeTemplateFile, () => (template = undefined));
  return db;
}

export interface StoredUser {
  readonly id: string;
  readonly role: Role;
  readonly email: string | null;
  readonly passwordHash: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A captured change as the change log (and the topic outbox) hold it. */
export interface ChangeRow {
  tbl: string;
  owner: string | null;
  op: 'insert' | 'update' | 'delete';
  seq: string;
  new_row: string | null;
  old_row: string | null;
}

/**
 * Session settings every request starts from. Re-applied after each writing job (with RESET ALL
 * first), so nothing a request changed can reach the next one, whoever sends it.
 */
const SESSION_DEFAULTS = `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1;`;

/** The storage engine: PGlite behind one serial queue, KalamDB catalog, change capture. */
export class PgliteEngine implements Engine {
  private readonly queue = new SerialQueue();
  private readonly listeners = new Set<(change: ChangeRecord) => void>();
  private readonly revokedListeners = new Set<(userId: string) => void>();
  private readonly stats = new PlannerStats((job) => this.run(job, { writes: false }));
  private closed = false;

  private constructor(
    private readonly db: PGlite,
    readonly tokens: TokenService,
    readonly catalog: Catalog,
  ) {}

  static async open(options: PgliteEngineOptions): Promise<PgliteEngine> {
    const db = await openDatabase(options);
    await db.exec(SESSION_DEFAULTS);
    await db.exec(`CREATE SCHEMA IF NOT EXISTS "default"; GRANT USAGE ON SCHEMA "default" TO livebind_user, livebind_admin;`);
    const catalog = new Catalog();
    const rows = await db.query<{ info: TableInfo }>('SELECT info FROM livebind.tables');
    for (const r of rows.rows) catalog.set(r.info);
    await catalog.topics.load(db, catalog);
    await prepareFileStorage(db, catalog);
    return new PgliteEngine(db, options.tokens, catalog);
  }

  /**
   * Runs a job in the serial queue. Afterwards any open transaction is rolled back; writing jobs
   * (the default; they may also change the session's role and settings) reset the session to the
   * superuser and drain captured changes, delivering them to listeners in `_seq` order before the
   * job's promise settles. `writes: false` jobs must leave the session as they found it.
   */
  run<T>(job: (db: PGlite) => Promise<T>, options: { readonly writes?: boolean } = {}): Promise<T> {
    return this.queue.run(async () => {
      if (this.closed) throw new Error('The engine is closed');
      try {
        return await job(this.db);
      } finally {
        if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
        if (options.writes !== false) {
          this.stats.written();
          await this.resetAndDrain();
        }
      }
    });
  }

  /** One round trip: back to the superuser with default settings, then take the captured changes. */
  private async resetAndDrain(): Promise<void> {
    const results = await this.db.exec(
      `RESET ROLE; RESET ALL; ${SESSION_DEFAULTS} SELECT set_config('livebind.user_id', '', false); SET search_path TO "default", public;
       WITH d AS (DELETE FROM livebind.changes RETURNING *) SELECT tbl, owner, op, seq::text AS seq, new_row, old_row FROM d ORDER BY seq`,
    );
    const r = results[results.length - 1] as { rows: ChangeRow[] } | undefined;
    if (r === undefined) return;
    for (const row of r.rows) {
      const table = this.catalog.byQualifiedName(row.tbl);
      if (table === undefined) continue;
      this.stats.changed(table);
      const change = changeRecordOf(table, row);
      for (const listener of [...this.listeners]) {
        try {
          listener(change);
        } catch (e) {
          process.emitWarning(`livebind: change listener threw: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
  }

  getTable(namespace: string, name: string): TableInfo | undefined {
    return this.catalog.get(namespace, name);
  }

  /**
   * The user an access token stands for, checked against the database on every call: its session
   * must be live (not logged out, not revoked by a password or role change or DROP USER) and the
   * user must still have the role the token names.
   */
  async verifyAccessToken(token: string): Promise<AuthUser> {
    const claims = await this.tokens.verify(token, 'access');
    await this.checkSession(claims);
    return { id: claims.id, role: claims.role };
  }

  /** A new login session for `user` and its two tokens. */
  issueTokens(user: AuthUser, email: string | null = null): Promise<IssuedTokens> {
    return this.run(async (db) => {
      const refreshJti = newId();
      const sid = await createSession(db, user.id, refreshJti);
      return this.tokens.issue(user, email, Date.now(), { sid, refreshJti });
    }, { writes: false });
  }

  /**
   * Refresh: the presented refresh token must be its session's current one; the session moves to
   * the new pair. A rotated (older) token presented again revokes the whole session.
   */
  async refreshTokens(refreshToken: string): Promise<{ user: AuthUser; tokens: IssuedTokens }> {
    const claims = await this.tokens.verify(refreshToken, 'refresh');
    const { sid, jti } = claims;
    if (sid === undefined || jti === undefined) throw new EngineAuthError('INVALID_CREDENTIALS', 'Refresh token has no session; log in again');
    const role = await this.checkSession(claims);
    return this.run(async (db) => {
      const next = newId();
      if (!(await rotateRefresh(db, sid, jti, next))) {
        this.sessionsRevoked(claims.id);
        throw new EngineAuthError('INVALID_CREDENTIALS', 'Refresh token was already used (rotated); the session is revoked. Log in again');
      }
      const user = { id: claims.id, role };
      return { user, tokens: await this.tokens.issue(user, null, Date.now(), { sid, refreshJti: next }) };
    }, { writes: false });
  }

  /** Logout: revokes the session of an access or refresh token (a bad token revokes nothing). */
  async revokeToken(token: string): Promise<boolean> {
    const claims = await this.tokens.verify(token, 'access').catch(() => this.tokens.verify(token, 'refresh').catch(() => undefined));
    const sid = claims?.sid;
    if (sid === undefined) return false;
    await this.run((db) => revokeSession(db, sid), { writes: false });
    this.sessionsRevoked(claims!.id);
    return true;
  }

  onSessionsRevoked(listener: (userId: string) => void): () => void {
    const wrapped = (userId: string): void => listener(userId);
    this.revokedListeners.add(wrapped);
    return () => this.revokedListeners.delete(wrapped);
  }

  private sessionsRevoked(userId: string): void {
    for (const listener of [...this.revokedListeners]) {
      try {
        listener(userId);
      } catch {
        // A socket front end's failure must not fail the logout or the statement that revoked.
      }
    }
  }

  /** The user's current role when the token's session is live and the role matches; else EngineAuthError. */
  private async checkSession(claims: VerifiedToken): Promise<Role> {
    const sid = claims.sid;
    const live = sid === undefined ? undefined : await this.run((db) => liveSession(db, sid, claims.id), { writes: false });
    if (live === undefined) throw new EngineAuthError('INVALID_CREDENTIALS', 'Session ended (logged out, password changed or user removed); log in again');
    if (live.role !== claims.role) throw new EngineAuthError('INVALID_CREDENTIALS', "The user's role changed since this token was issued; log in again");
    return live.role as Role;
  }

  /** Runs a trivial query through the same queue as every request (for /health). */
  async ping(): Promise<void> {
    await this.run(async (db) => {
      await db.query('SELECT 1');
    }, { writes: false });
  }

  canRead(user: AuthUser, table: TableInfo): boolean {
    return canRead(user, table);
  }

  snapshotBound(): Promise<bigint> {
    return this.run(async (db) => {
      const r = await db.query<{ s: string }>('SELECT last_seq::text AS s FROM livebind.seq_state WHERE id = 1');
      return BigInt(r.rows[0]?.s ?? '0');
    }, { writes: false });
  }

  async readRows(user: AuthUser, table: TableInfo, query: ReadRowsQuery): Promise<WireRow[]> {
    const { sql, columns } = pageReadSql(user, table, query);
    // COPY text: the same per-cell text as the query protocol, in one buffer (copyText.ts).
    const text = await this.run(async (db) => {
      await this.stats.beforeRead(db, table);
      const r = await db.query(`COPY (${sql}) TO '/dev/blob'`);
      return r.blob === undefined ? '' : await r.blob.text();
    }, { writes: false });
    const names = columns.map((c) => c.name);
    const types = columns.map((c) => c.pgType);
    return parseCopyText(text, columns.length).map((row) => {
      const out: Record<string, Cell> = {};
      for (let i = 0; i < row.length; i++) out[names[i]!] = encodeCell(types[i]!, row[i]);
      return out;
    });
  }

  tombstones(user: AuthUser, table: TableInfo, afterSeq: bigint, upToSeq: bigint): Promise<Tombstone[]> {
    return this.run(async (db) => {
      const r = await db.query<{ seq: string; old_row: string }>(
        'SELECT seq::text AS seq, old_row FROM livebind.tombstones WHERE tbl = $1 AND owner = $2 AND seq > $3::int8 AND seq <= $4::int8 ORDER BY seq',
        [table.qualifiedName, table.type === 'user' ? user.id : '', afterSeq.toString(), upToSeq.toString()],
      );
      return r.rows.map((row) => {
        const last = decodeRowText(table, row.old_row);
        const lastSeq = last['_seq'];
        return {
          seq: BigInt(row.seq),
          oldRow: { ...last, _seq: row.seq, _deleted: true },
          ...(typeof lastSeq === 'string' && /^-?\d+$/.test(lastSeq) ? { lastLiveSeq: BigInt(lastSeq) } : {}),
        };
      });
    }, { writes: false });
  }

  onChange(listener: (change: ChangeRecord) => void): () => void {
    const wrapped = (c: ChangeRecord): void => listener(c);
    this.listeners.add(wrapped);
    return () => this.listeners.delete(wrapped);
  }

  /** HTTP SQL (§4): one batch, run as `user` in the serial queue. */
  executeSql(user: AuthUser, request: BatchRequest): Promise<BatchResult> {
    const revoked = new Set<string>();
    // DDL commits on its own, so sessions ended by ALTER/DROP USER stay ended even when a later statement fails.
    const announce = (): void => revoked.forEach((id) => this.sessionsRevoked(id));
    return this.run((db) => executeBatch(db, this.catalog, user, request, { revoked: (id) => revoked.add(id) })).finally(announce);
  }

  findUser(id: string): Promise<StoredUser | undefined> {
    return this.run(async (db) => {
      const r = await db.query<{ id: string; role: Role; email: string | null; password_hash: string; created_at: Date; updated_at: Date }>(
        'SELECT id, role, email, password_hash, created_at, updated_at FROM livebind.users WHERE id = $1',
        [id],
      );
      const u = r.rows[0];
      return u === undefined
        ? undefined
        : { id: u.id, role: u.role, email: u.email, passwordHash: u.password_hash, createdAt: u.created_at, updatedAt: u.updated_at };
    }, { writes: false });
  }

  countUsers(roles: readonly Role[]): Promise<number> {
    return this.run(async (db) => {
      const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM livebind.users WHERE role = ANY($1::text[])', [roles]);
      return r.rows[0]?.n ?? 0;
    }, { writes: false });
  }

  createUser(id: string, password: string, role: Role, email: string | null = null): Promise<void> {
    return this.run((db) => createUser(db, id, password, role, email), { writes: false });
  }

  /** Runs internal SQL as the superuser (seeding, tests); changes it makes are captured as usual. */
  internalQuery(sql: string, params: unknown[] = []): Promise<unknown[]> {
    return this.run(async (db) => (await db.query(sql, params)).rows);
  }

  async close(): Promise<void> {
    await this.queue.run(async () => {
      if (this.closed) return;
      this.closed = true;
      this.listeners.clear();
      this.revokedListeners.clear();
      this.stats.stop();
      await this.db.close();
    });
  }
}

/** A change-log row of `table` as the ChangeRecord listeners get. */
export function changeRecordOf(table: TableInfo, row: ChangeRow): ChangeRecord {
  return {
    table: row.tbl,
    userId: table.type === 'user' ? row.owner : null,
    op: row.op,
    seq: BigInt(row.seq),
    newRow: row.new_row === null ? undefined : decodeRowText(table, row.new_row),
    oldRow: row.old_row === null ? undefined : decodeRowText(table, row.old_row),
  };
}

/** Decodes a change-log/tombstone row (JSON object of PostgreSQL text values) into a wire row. */
export function decodeRowText(table: TableInfo, text: string): Record<string, Cell> {
  const obj = JSON.parse(text) as Record<string, string | null>;
  const out: Record<string, Cell> = {};
  for (const c of table.columns) out[c.name] = encodeCell(c.pgType, obj[c.name]);
  return out;
}
