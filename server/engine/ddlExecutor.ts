import type { PGlite } from '@electric-sql/pglite';
import { hashPassword } from '../auth/passwords.js';
import { revokeUserSessions } from '../auth/sessions.js';
import { Catalog, OWNER_COLUMN, tableInfoFromDef } from './catalog.js';
import { DdlError, type KalamCommand, type TableDef } from './ddlParser.js';
import { isValidName, quoteIdent, quoteLiteral, quoteQualified } from './quoteIdent.js';
import type { Role } from './types.js';
import { executeTopicCommand } from '../topics/topicDdl.js';
import { fileTriggerSql } from '../files/fileSchema.js';

export const RESERVED_NAMESPACES = new Set(['livebind', 'livebind_fn', 'public', 'information_schema', 'system', 'pg_catalog', 'pg_toast']);
const USER_ROLES = new Set<Role>(['user', 'service', 'dba', 'system']);

/** Raised for a DDL command that cannot run (exists, missing, ...); mapped to SQL_EXECUTION_ERROR / TABLE_NOT_FOUND. */
export class DdlExecutionError extends Error {
  constructor(
    message: string,
    readonly code: 'SQL_EXECUTION_ERROR' | 'TABLE_NOT_FOUND' = 'SQL_EXECUTION_ERROR',
  ) {
    super(message);
    this.name = 'DdlExecutionError';
  }
}

/**
 * Runs KalamDB DDL as the superuser in its own transaction; returns the result message.
 * `revoked` hears the user whose sessions ALTER USER / DROP USER ended.
 */
export async function executeKalamCommand(db: PGlite, catalog: Catalog, cmd: KalamCommand, revoked?: (userId: string) => void): Promise<string> {
  switch (cmd.kind) {
    case 'createTopic':
    case 'dropTopic':
    case 'addTopicSource':
      return executeTopicCommand(db, catalog, cmd);
    case 'createNamespace':
      return createNamespace(db, cmd.name, cmd.ifNotExists);
    case 'dropNamespace':
      return dropNamespace(db, catalog, cmd.name, cmd.ifExists, cmd.cascade);
    case 'createTable':
      return createTable(db, catalog, cmd.table, cmd.ifNotExists);
    case 'dropTable':
      return dropTable(db, catalog, cmd.namespace, cmd.name, cmd.ifExists);
    case 'createUser':
      await createUser(db, cmd.name, cmd.password, cmd.role, cmd.email);
      return `User '${cmd.name}' created successfully`;
    case 'dropUser': {
      const r = await db.query('DELETE FROM livebind.users WHERE id = $1', [cmd.name]);
      if ((r.affectedRows ?? 0) === 0 && !cmd.ifExists) throw new DdlExecutionError(`User '${cmd.name}' not found`);
      await revokeUserSessions(db, cmd.name);
      revoked?.(cmd.name);
      return `User '${cmd.name}' dropped successfully`;
    }
    case 'alterUser': {
      if (cmd.role !== undefined && !USER_ROLES.has(cmd.role as Role)) throw new DdlError(`Unknown role '${cmd.role}'`);
      const r =
        cmd.password !== undefined
          ? await db.query('UPDATE livebind.users SET password_hash = $2, updated_at = now() WHERE id = $1', [cmd.name, await hashPassword(cmd.password)])
          : await db.query('UPDATE livebind.users SET role = $2, updated_at = now() WHERE id = $1', [cmd.name, cmd.role]);
      if ((r.affectedRows ?? 0) === 0) throw new DdlExecutionError(`User '${cmd.name}' not found`);
      // Earlier tokens die with the old password or role: every session of the user ends.
      await revokeUserSessions(db, cmd.name);
      revoked?.(cmd.name);
      return `User '${cmd.name}' updated successfully`;
    }
  }
}

export async function createUser(db: PGlite, name: string, password: string, role: string, email: string | null): Promise<void> {
  if (name.length === 0 || name.length > 128 || /[\u0000-\u001f]/.test(name)) throw new DdlError('User names have 1 to 128 printable characters');
  if (password.length === 0 || password.length > 256) throw new DdlError('Passwords have 1 to 256 characters');
  if (!USER_ROLES.has(role as Role)) throw new DdlError(`Unknown role '${role}' (user, service, dba or system)`);
  const hash = await hashPassword(password);
  const r = await db.query('INSERT INTO livebind.users (id, password_hash, role, email) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
    name,
    hash,
    role,
    email,
  ]);
  if ((r.affectedRows ?? 0) === 0) throw new DdlExecutionError(`User '${name}' already exists`);
}

function checkNamespaceName(name: string): void {
  if (!isValidName(name)) throw new DdlError(`Invalid namespace name '${name}' (lower-case letters, digits and _)`);
  if (RESERVED_NAMESPACES.has(name) || name.startsWith('pg_')) throw new DdlError(`Namespace name '${name}' is reserved`);
}

async function namespaceExists(db: PGlite, name: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name]);
  return r.rows.length > 0;
}

async function inTransaction<T>(db: PGlite, fn: () => Promise<T>): Promise<T> {
  await db.exec('BEGIN');
  try {
    const out = await fn();
    await db.exec('COMMIT');
    return out;
  } catch (e) {
    await db.exec('ROLLBACK');
    throw e;
  }
}

async function createNamespace(db: PGlite, name: string, ifNotExists: boolean): Promise<string> {
  checkNamespaceName(name);
  if (await namespaceExists(db, name)) {
    if (ifNotExists) return `Namespace '${name}' already exists`;
    throw new DdlExecutionError(`Namespace '${name}' already exists`);
  }
  await inTransaction(db, async () => {
    await db.exec(`CREATE SCHEMA ${quoteIdent(name)}; GRANT USAGE ON SCHEMA ${quoteIdent(name)} TO livebind_user, livebind_admin;`);
  });
  return `Namespace '${name}' created successfully`;
}

async function dropNamespace(db: PGlite, catalog: Catalog, name: string, ifExists: boolean, cascade: boolean): Promise<string> {
  checkNamespaceName(name);
  if (!(await namespaceExists(db, name))) {
    if (ifExists) return `Namespace '${name}' does not exist`;
    throw new DdlExecutionError(`Namespace '${name}' does not exist`);
  }
  const tables = catalog.inNamespace(name);
  if (tables.length > 0 && !cascade) throw new DdlExecutionError(`Namespace '${name}' is not empty; use DROP NAMESPACE ${name} CASCADE`);
  await inTransaction(db, async () => {
    await db.exec(`DROP SCHEMA ${quoteIdent(name)} CASCADE`);
    for (const t of tables) await forgetTable(db, t.qualifiedName);
  });
  catalog.deleteNamespace(name);
  return `Namespace '${name}' dropped successfully`;
}

async function forgetTable(db: PGlite, qualified: string): Promise<void> {
  await db.query('DELETE FROM livebind.tables WHERE qualified_name = $1', [qualified]);
  await db.query('DELETE FROM livebind.tombstones WHERE tbl = $1', [qualified]);
  await db.query('DELETE FROM livebind.changes WHERE tbl = $1', [qualified]);
  await db.query('DELETE FROM livebind.files WHERE tbl = $1', [qualified]);
}

async function createTable(db: PGlite, catalog: Catalog, def: TableDef, ifNotExists: boolean): Promise<string> {
  const qualified = `${def.namespace}.${def.name}`;
  if (!isValidName(def.name)) throw new DdlError(`Invalid table name '${def.name}' (lower-case letters, digits and _)`);
  for (const c of def.columns) if (!isValidName(c.name)) throw new DdlError(`Invalid column name '${c.name}' (lower-case letters, digits and _)`);
  if (catalog.get(def.namespace, def.name) !== undefined) {
    if (ifNotExists) return `Table '${qualified}' already exists`;
    throw new DdlExecutionError(`Table '${qualified}' already exists`);
  }
  if (RESERVED_NAMESPACES.has(def.namespace) || !(await namespaceExists(db, def.namespace))) {
    throw new DdlExecutionError(`Namespace '${def.namespace}' does not exist; run CREATE NAMESPACE ${def.namespace} first`);
  }
  const info = tableInfoFromDef(def);
  const isUser = def.type === 'user';
  const q = quoteQualified(def.namespace, def.name);
  const scope = (cols: readonly string[]): string => (isUser ? [OWNER_COLUMN, ...cols] : cols).map(quoteIdent).join(', ');
  const parts = def.columns.map((c) =>
    [quoteIdent(c.name), c.type.pgSql, c.notNull ? 'NOT NULL' : '', c.defaultSql !== undefined ? `DEFAULT ${c.defaultSql}` : '', c.extraSql]
      .filter((s) => s !== '')
      .join(' '),
  );
  parts.push(`"_seq" int8 NOT NULL DEFAULT 0`, `"_deleted" boolean NOT NULL DEFAULT false`);
  if (isUser) parts.push(`${quoteIdent(OWNER_COLUMN)} text NOT NULL DEFAULT ''`);
  if (def.primaryKey.length > 0) parts.push(`PRIMARY KEY (${scope(def.primaryKey)})`);
  for (const c of def.columns) if (c.unique) parts.push(`UNIQUE (${scope([c.name])})`);
  for (const u of def.uniques) parts.push(`UNIQUE (${scope(u)})`);
  parts.push(...def.checks);
  const triggerArgs = [isUser ? 'user' : 'shared', qualified, ...def.primaryKey].map(quoteLiteral).join(', ');
  const grantees = isUser || def.accessLevel === 'public' ? 'livebind_user, livebind_admin' : 'livebind_admin';
  const ownerFilter = `${quoteIdent(OWNER_COLUMN)} = current_setting('livebind.user_id', true)`;
  const statements = [
    `CREATE TABLE ${q} (\n  ${parts.join(',\n  ')}\n)`,
    `CREATE INDEX ON ${q} (${scope(['_seq'])})`,
    `CREATE TRIGGER livebind_before BEFORE INSERT OR UPDATE ON ${q} FOR EACH ROW EXECUTE FUNCTION livebind.before_write(${triggerArgs})`,
    `CREATE TRIGGER livebind_after AFTER INSERT OR UPDATE OR DELETE ON ${q} FOR EACH ROW EXECUTE FUNCTION livebind.after_write(${triggerArgs})`,
    ...fileTriggerSql(info),
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${q} TO ${grantees}`,
    `GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${quoteIdent(def.namespace)} TO livebind_user, livebind_admin`,
  ];
  if (isUser) {
    statements.push(
      `ALTER TABLE ${q} ENABLE ROW LEVEL SECURITY`,
      `CREATE POLICY livebind_owner_only ON ${q} USING (${ownerFilter}) WITH CHECK (${ownerFilter})`,
    );
  }
  await inTransaction(db, async () => {
    for (const s of statements) await db.exec(s);
    await db.query('INSERT INTO livebind.tables (qualified_name, info) VALUES ($1, $2::jsonb)', [qualified, JSON.stringify(info)]);
  });
  catalog.set(info);
  return `Table '${qualified}' created successfully`;
}

async function dropTable(db: PGlite, catalog: Catalog, namespace: string, name: string, ifExists: boolean): Promise<string> {
  const info = catalog.get(namespace, name);
  if (info === undefined) {
    if (ifExists) return `Table '${namespace}.${name}' does not exist`;
    throw new DdlExecutionError(`Table not found: ${namespace}.${name}`, 'TABLE_NOT_FOUND');
  }
  await inTransaction(db, async () => {
    await db.exec(`DROP TABLE IF EXISTS ${quoteQualified(info.namespace, info.name)}`);
    await forgetTable(db, info.qualifiedName);
  });
  catalog.delete(info.qualifiedName);
  return `Table '${info.qualifiedName}' dropped successfully`;
}
