/**
 * Multipart `POST /v1/api/sql` (KalamDB §4.3): parts `sql`, optional `params` (JSON array text) and
 * `namespace_id`, and one `file:<name>` part per `FILE("name")` / `FILE('name')` placeholder.
 * Exactly one INSERT or UPDATE on a USER or SHARED table; each placeholder becomes a quoted FileRef
 * JSON string `{"id","sub","name","size","mime","sha256"}`.
 *
 * The body is parsed while it arrives (multipart.ts), limits checked on the way. The files are
 * stored in the statement's own transaction (`executeUpload`): a failed statement keeps none, and a
 * file no row references once the statement ran (an UPDATE that matched nothing) is not kept.
 * Files a row stops referencing are released by the table's triggers (fileSchema.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import type { PGlite } from '@electric-sql/pglite';
import type { PgliteEngine } from '../engine/pgliteEngine.js';
import { executeBatch, type BatchRequest, type BatchResult } from '../engine/sqlExecutor.js';
import { splitStatements, tokenize, type Token } from '../engine/sqlLexer.js';
import type { AuthUser, TableInfo } from '../engine/types.js';
import { dropUnreferencedFiles } from './fileSchema.js';
import { boundaryOf, MultipartError, MultipartLimitError, MultipartParser, readMultipart, type Part } from './multipart.js';

export const MAX_FILE_BYTES = 25 * 1024 * 1024;
export const MAX_FILES_PER_REQUEST = 20;
/** Whole multipart body (files + sql + params + framing): the memory one upload may hold. */
export const MAX_MULTIPART_BYTES = 64 * 1024 * 1024;
/** A text part (`sql` ≤ 1 MiB is checked after, `params`, `namespace_id`). */
const MAX_FIELD_BYTES = 4 * 1024 * 1024;
const MAX_SQL_BYTES = 1024 * 1024;
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

export type FileErrorCode = 'FILE_TOO_LARGE' | 'TOO_MANY_FILES' | 'MISSING_FILE' | 'EXTRA_FILE' | 'FILE_NOT_FOUND' | 'INVALID_MIME_TYPE' | 'INVALID_INPUT' | 'TABLE_NOT_FOUND';

export class FileError extends Error {
  constructor(
    readonly code: FileErrorCode,
    message: string,
    readonly status = code === 'FILE_TOO_LARGE' ? 413 : code === 'FILE_NOT_FOUND' ? 404 : 400,
  ) {
    super(message);
    this.name = 'FileError';
  }
}

export interface FileRef {
  readonly id: string;
  readonly sub: string;
  readonly name: string;
  readonly size: number;
  readonly mime: string;
  readonly sha256: string;
}

interface Placeholder {
  readonly name: string;
  /** Token index range [start, end] of `FILE ( "name" )`. */
  readonly from: number;
  readonly to: number;
}

/** `FILE("name")` / `FILE('name')` (any case) among the tokens. */
export function filePlaceholders(tokens: readonly Token[]): Placeholder[] {
  const out: Placeholder[] = [];
  for (let i = 0; i + 3 < tokens.length; i++) {
    const [f, open, arg, close] = [tokens[i]!, tokens[i + 1]!, tokens[i + 2]!, tokens[i + 3]!];
    if (f.kind !== 'word' || f.value !== 'file' || open.text !== '(' || close.text !== ')') continue;
    if (arg.kind !== 'quoted' && arg.kind !== 'string') continue;
    out.push({ name: arg.kind === 'quoted' ? arg.value : arg.text.slice(1, -1).replace(/''/g, "'"), from: i, to: i + 3 });
  }
  return out;
}

/** For the JSON body: true when the SQL names a FILE placeholder (then INVALID_INPUT). */
export function hasFilePlaceholder(sql: string): boolean {
  if (!/file\s*\(/i.test(sql)) return false;
  try {
    return filePlaceholders(tokenize(sql)).length > 0;
  } catch {
    return false;
  }
}

export interface PreparedUpload {
  readonly batch: BatchRequest;
  readonly table: TableInfo;
  readonly files: readonly StoredFile[];
}

interface StoredFile {
  readonly ref: FileRef;
  readonly storedName: string;
  readonly data: Buffer;
}

/** Reads the multipart body as it arrives; limits map to FILE_TOO_LARGE (413), TOO_MANY_FILES and INVALID_INPUT. */
export async function readUpload(req: http.IncomingMessage, contentType: string): Promise<Part[]> {
  try {
    const limits = { maxBodyBytes: MAX_MULTIPART_BYTES, maxFileBytes: MAX_FILE_BYTES, maxFieldBytes: MAX_FIELD_BYTES, maxFiles: MAX_FILES_PER_REQUEST, maxParts: MAX_FILES_PER_REQUEST + 8 };
    return await readMultipart(req, new MultipartParser(boundaryOf(contentType), limits), MAX_MULTIPART_BYTES);
  } catch (e) {
    if (e instanceof MultipartError) throw new FileError('INVALID_INPUT', e.message);
    if (!(e instanceof MultipartLimitError)) throw e;
    switch (e.limit) {
      case 'file':
        throw new FileError('FILE_TOO_LARGE', `File "${(e.part ?? '').replace(/^file:/, '').slice(0, 80)}" is over the limit of ${MAX_FILE_BYTES} bytes`);
      case 'files':
        throw new FileError('TOO_MANY_FILES', `At most ${MAX_FILES_PER_REQUEST} files per request`);
      case 'parts':
        throw new FileError('INVALID_INPUT', e.message);
      default:
        throw new FileError('INVALID_INPUT', e.message, 413);
    }
  }
}

export function prepareUpload(engine: PgliteEngine, parts: readonly Part[]): PreparedUpload {
  const field = (name: string): string | undefined => parts.find((p) => p.name === name && p.filename === undefined)?.data.toString('utf8');
  const sql = field('sql');
  if (sql === undefined || sql.trim() === '') throw new FileError('INVALID_INPUT', 'A multipart SQL request needs a "sql" part');
  if (Buffer.byteLength(sql) > MAX_SQL_BYTES) throw new FileError('INVALID_INPUT', 'SQL exceeds 1 MiB');
  const files = parts.filter((p) => p.name.startsWith('file:'));
  if (files.length > MAX_FILES_PER_REQUEST) throw new FileError('TOO_MANY_FILES', `At most ${MAX_FILES_PER_REQUEST} files per request (got ${files.length})`);
  let params: BatchRequest['params'];
  const rawParams = field('params');
  if (rawParams !== undefined && rawParams.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawParams);
    } catch {
      throw new FileError('INVALID_INPUT', '"params" must be a JSON array');
    }
    if (!Array.isArray(parsed) || parsed.some((p) => p !== null && typeof p === 'object')) throw new FileError('INVALID_INPUT', '"params" must be a JSON array of scalars');
    params = parsed as (string | number | boolean | null)[];
  }
  const namespace = field('namespace_id') || undefined;

  let statements;
  try {
    statements = splitStatements(sql);
  } catch (e) {
    throw new FileError('INVALID_INPUT', `Invalid SQL: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (statements.length !== 1) throw new FileError('INVALID_INPUT', 'A FILE upload takes exactly one statement');
  const tokens = statements[0]!.tokens;
  const table = targetTable(engine, tokens, namespace ?? 'default');
  const placeholders = filePlaceholders(tokens);
  const byName = new Map(files.map((f) => [f.name.slice('file:'.length), f]));
  for (const p of placeholders) if (!byName.has(p.name)) throw new FileError('MISSING_FILE', `No "file:${p.name.slice(0, 80)}" part for FILE("${p.name.slice(0, 80)}")`);
  for (const name of byName.keys()) if (!placeholders.some((p) => p.name === name)) throw new FileError('EXTRA_FILE', `Part "file:${name.slice(0, 80)}" has no FILE("${name.slice(0, 80)}") in the SQL`);

  const stored = new Map<string, StoredFile>();
  for (const [name, part] of byName) {
    if (part.data.length > MAX_FILE_BYTES) throw new FileError('FILE_TOO_LARGE', `File "${name.slice(0, 80)}" is ${part.data.length} bytes; the limit is ${MAX_FILE_BYTES}`);
    const mime = part.contentType ?? 'application/octet-stream';
    if (!MIME.test(mime)) throw new FileError('INVALID_MIME_TYPE', `File "${name.slice(0, 80)}" has an invalid Content-Type`);
    const id = `${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
    const original = part.filename !== undefined && part.filename !== '' ? part.filename : name;
    const ref: FileRef = { id, sub: 'f0001', name: original, size: part.data.length, mime, sha256: createHash('sha256').update(part.data).digest('hex') };
    stored.set(name, { ref, storedName: storedFileName(id, original), data: part.data });
  }
  // Rewrite from the end so earlier token offsets stay valid.
  const text = statements[0]!.text;
  const base = tokens[0]!.start;
  let rewritten = text;
  for (const p of [...placeholders].reverse()) {
    const literal = `'${JSON.stringify(stored.get(p.name)!.ref).replace(/'/g, "''")}'`;
    rewritten = rewritten.slice(0, tokens[p.from]!.start - base) + literal + rewritten.slice(tokens[p.to]!.end - base);
  }
  const batch: { sql: string; params?: typeof params; namespace?: string } = { sql: rewritten };
  if (params !== undefined) batch.params = params;
  if (namespace !== undefined) batch.namespace = namespace;
  return { batch: batch as BatchRequest, table, files: [...stored.values()] };
}

/**
 * Runs the upload's statement as `user` with its files, in one transaction: the files are stored
 * first (so the statement's triggers see them), then the statement, then any uploaded file that no
 * row references is dropped again; a failure rolls back all of it.
 */
/** bytea parameters as binary (PGlite's default hex text serializer takes seconds for a few MiB). */
const BINARY_BYTEA = { serializers: { 17: (bytes: unknown) => bytes as string } };

export function executeUpload(engine: PgliteEngine, user: AuthUser, upload: PreparedUpload): Promise<BatchResult> {
  return engine.run(async (db: PGlite) => {
    await db.exec('BEGIN');
    for (const f of upload.files) {
      await db.query(
        'INSERT INTO livebind.files (tbl, sub, stored_name, file_id, owner, mime, size, sha256, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [upload.table.qualifiedName, f.ref.sub, f.storedName, f.ref.id, user.id, f.ref.mime, f.ref.size, f.ref.sha256, f.data],
        BINARY_BYTEA,
      );
    }
    const result = await executeBatch(db, engine.catalog, user, upload.batch, { transaction: 'caller' });
    await db.exec('RESET ROLE');
    await dropUnreferencedFiles(db, upload.table, upload.files.map((f) => f.ref.id));
    await db.exec('COMMIT');
    return result;
  });
}

/** `<id>-<sanitized name>.<ext>`, or `<id>.<ext>` when nothing of the name survives (§4.6). */
export function storedFileName(id: string, original: string): string {
  const dot = original.lastIndexOf('.');
  const stem = (dot > 0 ? original.slice(0, dot) : original).replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 64);
  const ext = (dot > 0 ? original.slice(dot + 1) : '').toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 16) || 'bin';
  return stem === '' ? `${id}.${ext}` : `${id}-${stem}.${ext}`;
}

/** The table of `INSERT INTO t` / `UPDATE t` (the only statements an upload may run). */
function targetTable(engine: PgliteEngine, tokens: readonly Token[], namespace: string): TableInfo {
  const kw = tokens[0]?.value;
  const at = kw === 'insert' && tokens[1]?.value === 'into' ? 2 : kw === 'update' ? 1 : -1;
  if (at < 0) throw new FileError('INVALID_INPUT', 'A FILE upload runs one INSERT or UPDATE on a USER or SHARED table');
  const a = tokens[at];
  const dot = tokens[at + 1]?.text === '.';
  const b = dot ? tokens[at + 2] : undefined;
  const ns = dot ? a?.value : namespace;
  const name = dot ? b?.value : a?.value;
  const table = ns !== undefined && name !== undefined ? engine.getTable(ns, name) : undefined;
  if (table === undefined) throw new FileError('TABLE_NOT_FOUND', `Table not found: ${[ns, name].filter(Boolean).join('.').slice(0, 128)}`);
  return table;
}
