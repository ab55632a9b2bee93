import type { PGlite } from '@electric-sql/pglite';
import { canRead } from './canRead.js';
import type { Catalog } from './catalog.js';
import { OWNER_COLUMN } from './catalog.js';
import { dataTypeForPgType, encodeCell, pgTypeForOid, RAW_TEXT_PARSERS } from './cellEncoding.js';
import { DdlError, parseKalamCommand, unquoteString } from './ddlParser.js';
import { DdlExecutionError, executeKalamCommand } from './ddlExecutor.js';
import { isValidName, quoteIdent, quoteLiteral } from './quoteIdent.js';
import { leadingKeyword, splitStatements, SqlLexError, type SqlStatement, type Token } from './sqlLexer.js';
import { parseShow, runShow } from './showCommand.js';
import { parseTopicSql, runTopicSql } from '../topics/topicSql.js';
import { checkParams, checkStringTokens, checkUserSql, SurfaceError } from './sqlSurface/checkUserSql.js';
import { checkPlanCost, checkResultSize, WorkLimitError } from './sqlSurface/costLimit.js';
import { plainInsertTable } from './sqlSurface/plainInsert.js';
import { scopeUserConflictTargets } from './userConflictTarget.js';
import type { AuthUser, Cell, ColumnInfo, KalamDataType, TableInfo } from './types.js';

export interface BatchRequest {
  readonly sql: string;
  readonly params?: readonly (string | number | boolean | null)[];
  readonly namespace?: string;
}

export interface SchemaField {
  readonly name: string;
  readonly data_type: KalamDataType;
  readonly index: number;
  readonly flags?: readonly string[];
}

export interface StatementResult {
  schema?: SchemaField[];
  rows?: Cell[][];
  row_count: number;
  message?: string;
  as_user: string;
}

export interface BatchResult {
  readonly results: StatementResult[];
  /** A single SELECT-like statement: the HTTP response ends with `"error":null`. */
  readonly singleQuery: boolean;
}

export type SqlErrorCode =
  | 'EMPTY_SQL'
  | 'INVALID_SQL'
  | 'INVALID_PARAMETER'
  | 'PARAMS_WITH_BATCH'
  | 'INVALID_INPUT'
  | 'SQL_EXECUTION_ERROR'
  | 'TABLE_NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'INTERNAL_ERROR';

export class SqlError extends Error {
  constructor(
    readonly code: SqlErrorCode,
    message: string,
    readonly status = code === 'PERMISSION_DENIED' ? 403 : code === 'INTERNAL_ERROR' ? 500 : 400,
  ) {
    super(message);
    this.name = 'SqlError';
  }
}

const QUERY_KEYWORDS = new Set(['select', 'with', 'values', 'table', 'show', 'explain']);
const DML_KEYWORDS = new Set(['insert', 'update', 'delete']);
const TX_KEYWORDS = new Set(['begin', 'start', 'commit', 'end', 'rollback', 'abort', 'savepoint', 'release']);
const DDL_ROLES = new Set(['dba', 'system']);

/**
 * Runs one HTTP SQL batch (§4.1–§4.4) as `user`. The caller resets the session and drains changes.
 * `transaction: 'caller'`: the caller opened a transaction around the batch and commits it (a FILE
 * upload), so one still open at the end is expected. `revoked` hears each user whose sessions a
 * statement ended (ALTER USER, DROP USER).
 */
export async function executeBatch(
  db: PGlite,
  catalog: Catalog,
  user: AuthUser,
  req: BatchRequest,
  options: { readonly transaction?: 'caller'; readonly revoked?: (userId: string) => void } = {},
): Promise<BatchResult> {
  const namespace = req.namespace ?? 'default';
  if (!isValidName(namespace)) throw new SqlError('INVALID_INPUT', `Invalid namespace_id '${namespace.slice(0, 64)}'`);
  let statements: SqlStatement[];
  try {
    statements = splitStatements(req.sql);
  } catch (e) {
    throw new SqlError('INVALID_SQL', `Invalid SQL: ${(e as SqlLexError).message}`);
  }
  if (statements.length === 0) throw new SqlError('EMPTY_SQL', 'SQL query cannot be empty');
  const params = req.params ?? [];
  if (params.length > 0 && statements.length > 1) {
    throw new SqlError('PARAMS_WITH_BATCH', 'Parameters are not supported with multiple statements');
  }
  try {
    checkParams(params);
  } catch (e) {
    if (e instanceof SurfaceError) throw new SqlError('INVALID_PARAMETER', e.message);
    throw e;
  }
  const pgRole = user.role === 'user' || user.role === 'anonymous' ? 'livebind_user' : 'livebind_admin';
  await db.exec(
    `SELECT set_config('livebind.user_id', ${quoteLiteral(user.id)}, false), set_config('search_path', ${quoteLiteral(`${quoteIdent(namespace)}, public`)}, false); SET ROLE ${pgRole}`,
  );

  const queryResults: StatementResult[] = [];
  const dml = new Map<string, number>();
  let last: StatementResult | undefined;
  for (let i = 0; i < statements.length; i++) {
    const n = i + 1;
    let stmt = statements[i]!;
    let asUser = user.id;
    const impersonate = parseExecuteAs(stmt.tokens, req.sql);
    if (impersonate !== undefined) {
      stmt = await prepareExecuteAs(db, catalog, user, pgRole, impersonate, namespace, n);
      asUser = impersonate.user;
    }
    const keyword = leadingKeyword(stmt.tokens);
    const show = impersonate === undefined ? parseShow(stmt.tokens) : undefined;
    if (show !== undefined) {
      last = runShow(show, catalog, user);
      queryResults.push(last);
      continue;
    }
    const topicSql = impersonate === undefined ? parseTopicSql(stmt.tokens, req.sql) : undefined;
    if (topicSql !== undefined) {
      last = await runTopicSql(db, catalog, user, pgRole, topicSql, n);
      queryResults.push(last);
      continue;
    }
    let command;
    try {
      command = impersonate === undefined ? parseKalamCommand(stmt.tokens, req.sql, namespace) : undefined;
    } catch (e) {
      if (e instanceof DdlError) throw new SqlError('INVALID_SQL', `Statement ${n} failed: ${e.message}`);
      throw e;
    }
    if (command !== undefined) {
      if (!DDL_ROLES.has(user.role)) throw new SqlError('PERMISSION_DENIED', `Statement ${n} failed: ${keyword.toUpperCase()} requires the dba or system role`);
      if (db.isInTransaction()) throw new SqlError('INVALID_SQL', `Statement ${n} failed: DDL is not allowed inside a transaction`);
      await db.exec('RESET ROLE');
      try {
        const message = await executeKalamCommand(db, catalog, command, options.revoked);
        last = { row_count: 0, message, as_user: user.id };
        queryResults.push(last);
      } catch (e) {
        if (e instanceof DdlError) throw new SqlError('INVALID_SQL', `Statement ${n} failed: ${e.message}`);
        if (e instanceof DdlExecutionError) throw new SqlError(e.code, `Statement ${n} failed: ${e.message}`);
        throw mapPgError(e, n);
      } finally {
        await db.exec(`SET ROLE ${pgRole}`);
      }
      continue;
    }
    stmt = await checkSurface(stmt, catalog, namespace, user, keyword, n);
    stmt = scopeUserConflictTargets(stmt, catalog, namespace);
    let res;
    try {
      const bound = await castTimestampParams(db, stmt.text, params);
      if (!TX_KEYWORDS.has(keyword) && !plainInserts.has(stmt)) await checkPlanCost(db, stmt.text, bound);
      res = await db.query<(string | null)[]>(stmt.text, bound, {
        rowMode: 'array',
        parsers: RAW_TEXT_PARSERS,
      });
      checkResultSize(res.rows);
    } catch (e) {
      if (e instanceof WorkLimitError) throw new SqlError('INVALID_SQL', `Statement ${n} failed: ${e.message}`);
      throw mapPgError(e, n);
    } finally {
      // In an aborted transaction this fails; the batch then stops and the session is reset anyway.
      if (impersonate !== undefined) await db.query(`SELECT set_config('livebind.user_id', $1, false)`, [user.id]).catch(() => undefined);
    }
    if (TX_KEYWORDS.has(keyword)) {
      last = { row_count: 0, message: `${(res.command ?? keyword).toUpperCase()} OK`, as_user: asUser };
      continue;
    }
    const count = res.rowCount ?? res.affectedRows ?? res.rows.length;
    const dmlCommand = res.command === 'INSERT' ? 'Inserted' : res.command === 'UPDATE' ? 'Updated' : res.command === 'DELETE' ? 'Deleted' : undefined;
    if (res.fields.length === 0 && dmlCommand !== undefined) {
      dml.set(dmlCommand, (dml.get(dmlCommand) ?? 0) + count);
      last = { row_count: count, message: `${dmlCommand} ${count} row(s)`, as_user: asUser };
      continue;
    }
    last = queryResult(res.fields, res.rows, stmt.tokens, catalog, namespace, asUser);
    if (dmlCommand !== undefined) last.message = `${dmlCommand} ${count} row(s)`;
    queryResults.push(last);
  }
  if (options.transaction !== 'caller' && db.isInTransaction()) {
    throw new SqlError('SQL_EXECUTION_ERROR', 'Transaction was not committed (missing COMMIT); it was rolled back');
  }
  if (statements.length === 1) {
    return { results: last === undefined ? [] : [last], singleQuery: QUERY_KEYWORDS.has(leadingKeyword(statements[0]!.tokens)) };
  }
  const results = [...queryResults];
  for (const [verb, count] of dml) results.push({ row_count: count, message: `${verb} ${count} row(s)`, as_user: user.id });
  if (results.length === 0 && last !== undefined) results.push(last);
  return { results, singleQuery: false };
}

const TIMESTAMP_OIDS = new Set([1114, 1184]);

/**
 * KalamDB accepts integer timestamps; Postgres does not. Numbers bound to TIMESTAMP parameters are
 * read as epoch seconds, ms, µs or ns by magnitude and passed as ISO text (µs precision).
 */
async function castTimestampParams(db: PGlite, text: string, params: readonly (string | number | boolean | null)[]) {
  const out = [...params];
  if (!out.some((p) => typeof p === 'number')) return out;
  const described = await db.describeQuery(text).catch(() => undefined);
  described?.queryParams.forEach((p, i) => {
    const v = out[i];
    if (typeof v === 'number' && TIMESTAMP_OIDS.has(p.dataTypeID)) out[i] = epochNumberToIso(v);
  });
  return out;
}

export function epochNumberToIso(v: number): string {
  const abs = Math.abs(v);
  const micros = abs >= 1e17 ? Math.trunc(v / 1000) : abs >= 1e14 ? Math.trunc(v) : abs >= 1e11 ? Math.trunc(v * 1000) : Math.trunc(v * 1_000_000);
  const ms = Math.floor(micros / 1000);
  const rest = micros - ms * 1000;
  return new Date(ms).toISOString().replace('Z', `${String(rest).padStart(3, '0')}Z`);
}

/** Statements taken on the plain-insert fast path (no plan to check: VALUES only). */
const plainInserts = new WeakSet<SqlStatement>();

const IMPERSONATE_ROLES = new Set(['service', 'dba', 'system']);

interface ExecuteAs {
  readonly user: string;
  readonly inner: string;
}

/** `EXECUTE AS USER 'alice' (<one statement>)` (§1.5); undefined for other statements. */
export function parseExecuteAs(tokens: readonly Token[], sql: string): ExecuteAs | undefined {
  const [a, b, c, name, open] = tokens;
  const close = tokens[tokens.length - 1];
  if (a?.value !== 'execute' || b?.value !== 'as' || c?.value !== 'user' || a.kind !== 'word') return undefined;
  if (name === undefined || !['string', 'word', 'quoted'].includes(name.kind) || open?.text !== '(' || close?.text !== ')' || tokens.length < 7) {
    throw new SqlError('INVALID_SQL', "Invalid SQL: expected EXECUTE AS USER 'name' (<statement>)");
  }
  const user = name.kind === 'string' ? unquoteString(name.text) : name.value;
  return { user, inner: sql.slice(open.end, close.start) };
}

async function prepareExecuteAs(
  db: PGlite,
  catalog: Catalog,
  user: AuthUser,
  pgRole: string,
  target: ExecuteAs,
  namespace: string,
  n: number,
): Promise<SqlStatement> {
  if (!IMPERSONATE_ROLES.has(user.role)) throw new SqlError('PERMISSION_DENIED', `Statement ${n} failed: EXECUTE AS USER requires the service, dba or system role`);
  const inner = splitStatements(target.inner);
  const stmt = inner[0];
  if (inner.length !== 1 || stmt === undefined) throw new SqlError('INVALID_SQL', `Statement ${n} failed: EXECUTE AS USER takes exactly one statement`);
  const kw = leadingKeyword(stmt.tokens);
  if (!QUERY_KEYWORDS.has(kw) && !DML_KEYWORDS.has(kw)) throw new SqlError('INVALID_SQL', `Statement ${n} failed: EXECUTE AS USER takes a SELECT, INSERT, UPDATE or DELETE`);
  if (referencedTables(stmt.tokens, catalog, namespace).some((t) => t.type !== 'user')) {
    throw new SqlError('INVALID_SQL', `Statement ${n} failed: EXECUTE AS USER is not allowed on shared tables`);
  }
  await db.exec('RESET ROLE');
  const found = await db.query('SELECT 1 FROM livebind.users WHERE id = $1', [target.user]);
  await db.exec(`SET ROLE ${pgRole}`);
  if (found.rows.length === 0) throw new SqlError('SQL_EXECUTION_ERROR', `Statement ${n} failed: User '${target.user.slice(0, 128)}' not found`);
  await db.query(`SELECT set_config('livebind.user_id', $1, false)`, [target.user]);
  return stmt;
}

/**
 * Refuses a statement outside the SQL surface (sqlSurface/); returns it unchanged when it is
 * accepted. Transaction control (one or two words) has no operands to check.
 */
async function checkSurface(stmt: SqlStatement, catalog: Catalog, namespace: string, user: AuthUser, keyword: string, n: number): Promise<SqlStatement> {
  if (TX_KEYWORDS.has(keyword) && stmt.tokens.length <= 2 && stmt.tokens.every((t) => t.kind === 'word')) {
    if (keyword === 'savepoint' || keyword === 'release') throw new SqlError('INVALID_SQL', `Statement ${n} failed: ${keyword.toUpperCase()} is not supported`);
    return stmt;
  }
  try {
    const plain = plainInsertTable(stmt.tokens, catalog, namespace);
    if (plain !== undefined) {
      if (!canRead(user, plain)) throw new SurfaceError('PERMISSION_DENIED', `Table ${plain.qualifiedName} is private: only dba, service and system users may use it.`);
      checkStringTokens(stmt.tokens.filter((t) => t.kind === 'string').map((t) => t.value));
      plainInserts.add(stmt);
      return stmt;
    }
    await checkUserSql(stmt.text, catalog, namespace, (t) => canRead(user, t));
    return stmt;
  } catch (e) {
    if (e instanceof SurfaceError) throw new SqlError(e.code, `Statement ${n} failed: ${e.message}`);
    if (e instanceof SqlLexError) throw new SqlError('INVALID_SQL', `Statement ${n} failed: ${e.message}`);
    throw e;
  }
}

function queryResult(
  fields: readonly { name: string; dataTypeID: number }[],
  rows: readonly (readonly (string | null)[])[],
  tokens: readonly Token[],
  catalog: Catalog,
  namespace: string,
  asUser: string,
): StatementResult {
  const tables = referencedTables(tokens, catalog, namespace);
  const keep: number[] = [];
  const schema: SchemaField[] = [];
  const pgTypes: string[] = [];
  fields.forEach((f, i) => {
    if (f.name === OWNER_COLUMN) return;
    const pgType = pgTypeForOid(f.dataTypeID);
    const col = findColumn(tables, f.name, pgType);
    const field: SchemaField = { name: f.name, data_type: col?.dataType ?? dataTypeForPgType(pgType), index: keep.length };
    schema.push(col !== undefined && col.flags.length > 0 ? { ...field, flags: col.flags } : field);
    keep.push(i);
    pgTypes.push(pgType);
  });
  const out = rows.map((row) => keep.map((i, k) => encodeCell(pgTypes[k]!, row[i])));
  return { schema, rows: out, row_count: out.length, as_user: asUser };
}

function findColumn(tables: readonly TableInfo[], name: string, pgType: string): ColumnInfo | undefined {
  for (const t of tables) {
    const c = t.columns.find((col) => col.name === name && col.pgType === pgType);
    if (c !== undefined) return c;
  }
  return undefined;
}

/** Catalog tables named after FROM / JOIN / INTO / UPDATE (best effort, for schema flags and types). */
function referencedTables(tokens: readonly Token[], catalog: Catalog, namespace: string): TableInfo[] {
  const out: TableInfo[] = [];
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'word' || !['from', 'join', 'into', 'update'].includes(t.value)) continue;
    const a = tokens[i + 1];
    if (a === undefined || (a.kind !== 'word' && a.kind !== 'quoted')) continue;
    const dot = tokens[i + 2];
    const b = tokens[i + 3];
    const info =
      dot?.text === '.' && b !== undefined && (b.kind === 'word' || b.kind === 'quoted')
        ? catalog.get(a.value, b.value)
        : catalog.get(namespace, a.value);
    if (info !== undefined && !out.includes(info)) out.push(info);
  }
  return out;
}

interface PgErrorLike {
  code?: string;
  message?: string;
}

export function mapPgError(e: unknown, n: number): SqlError {
  if (e instanceof SqlError) return e;
  const err = e as PgErrorLike;
  const message = `Statement ${n} failed: ${typeof err?.message === 'string' ? err.message : String(e)}`;
  switch (err?.code) {
    case '42P01':
    case '3F000':
      return new SqlError('TABLE_NOT_FOUND', message.replace(/relation "([^"]+)" does not exist/, 'Table not found: $1'));
    case '42501':
      return new SqlError('PERMISSION_DENIED', message);
    case '42601':
      return new SqlError('INVALID_SQL', message);
    case '08P01':
    case '42P02': {
      const counts = /bind message supplies (\d+) parameters?, but prepared statement "[^"]*" requires (\d+)/.exec(err.message ?? '');
      if (counts) {
        const [, sent, wanted] = counts;
        return new SqlError(
          'INVALID_PARAMETER',
          `Statement ${n} failed: it uses ${wanted} parameter(s) ($1…$${wanted}) but ${sent} were sent; pass exactly ${wanted} value(s) in "params".`,
        );
      }
      return new SqlError('INVALID_PARAMETER', message);
    }
    default:
      return new SqlError('SQL_EXECUTION_ERROR', message);
  }
}
