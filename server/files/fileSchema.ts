/**
 * Stored FILE uploads (KalamDB §4.3, §4.6): bytes in PGlite, so `--data` keeps them.
 *
 * A file lives while a FILE column of its table references it (its FileRef `id`). Each table with
 * FILE columns gets two statement-level triggers (UPDATE, DELETE) that release, in the writing
 * statement's own transaction, every file the statement's rows stopped referencing and no other
 * row of the table still references. Uploads drop the files their statement did not use
 * (fileUpload.ts), DROP TABLE drops the table's files, and engine start sweeps what older versions
 * left behind.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { Catalog } from '../engine/catalog.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '../engine/quoteIdent.js';
import type { TableInfo } from '../engine/types.js';

export const FILES_SQL = `
CREATE TABLE IF NOT EXISTS livebind.files (
  tbl text NOT NULL, sub text NOT NULL, stored_name text NOT NULL, owner text NOT NULL, mime text NOT NULL,
  size int8 NOT NULL, sha256 text NOT NULL, data bytea NOT NULL, PRIMARY KEY (tbl, sub, stored_name));
ALTER TABLE livebind.files ADD COLUMN IF NOT EXISTS file_id text;
UPDATE livebind.files SET file_id = substring(stored_name from '^[0-9a-z]+') WHERE file_id IS NULL;
CREATE INDEX IF NOT EXISTS files_by_id ON livebind.files (tbl, file_id);

-- The FileRef id a FILE cell names (its first "id":"…"), or NULL: never fails on text that is not JSON.
CREATE OR REPLACE FUNCTION livebind.file_ref_id(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT substring(v from '"id"\\s*:\\s*"([0-9a-z]{1,64})"')
$$;

-- AFTER UPDATE / DELETE, FOR EACH STATEMENT, transition tables old_rows (and new_rows).
-- TG_ARGV = [qualified name, FILE columns...]. Releases the files old rows named that neither the
-- new rows nor any other row of the table name any more.
CREATE OR REPLACE FUNCTION livebind.release_files() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog AS $$
DECLARE
  olds text := '';
  news text := '';
  refs text := '';
  gone text[];
BEGIN
  FOR i IN 1 .. coalesce(array_upper(TG_ARGV, 1), 0) LOOP
    olds := olds || CASE WHEN i > 1 THEN ', ' ELSE '' END || format('(o.%I)', TG_ARGV[i]);
    news := news || CASE WHEN i > 1 THEN ', ' ELSE '' END || format('(n.%I)', TG_ARGV[i]);
    refs := refs || CASE WHEN i > 1 THEN ' OR ' ELSE '' END || format('livebind.file_ref_id(t.%I) = f.file_id', TG_ARGV[i]);
  END LOOP;
  IF olds = '' THEN RETURN NULL; END IF;
  IF TG_OP = 'UPDATE' THEN
    EXECUTE format('SELECT array_agg(id) FROM (SELECT livebind.file_ref_id(v) AS id FROM old_rows o, LATERAL (VALUES %s) x(v)'
      ' EXCEPT SELECT livebind.file_ref_id(v) FROM new_rows n, LATERAL (VALUES %s) x(v)) s WHERE id IS NOT NULL', olds, news) INTO gone;
  ELSE
    EXECUTE format('SELECT array_agg(DISTINCT id) FROM (SELECT livebind.file_ref_id(v) AS id FROM old_rows o, LATERAL (VALUES %s) x(v)) s'
      ' WHERE id IS NOT NULL', olds) INTO gone;
  END IF;
  IF gone IS NULL THEN RETURN NULL; END IF;
  EXECUTE format('DELETE FROM livebind.files f WHERE f.tbl = $1 AND f.file_id = ANY ($2) AND NOT EXISTS (SELECT 1 FROM %I.%I t WHERE %s)',
    TG_TABLE_SCHEMA, TG_TABLE_NAME, refs) USING TG_ARGV[0], gone;
  RETURN NULL;
END $$;
`;

export function fileColumns(table: TableInfo): string[] {
  return table.columns.filter((c) => c.dataType === 'File' && !c.system).map((c) => c.name);
}

/** The release triggers (and reference indexes) of a table with FILE columns (none otherwise); idempotent. */
export function fileTriggerSql(table: TableInfo): string[] {
  const cols = fileColumns(table);
  if (cols.length === 0) return [];
  const q = quoteQualified(table.namespace, table.name);
  const args = [table.qualifiedName, ...cols].map(quoteLiteral).join(', ');
  return [
    // Lookups of "does another row still name this file" by index, not by scanning the table.
    ...cols.map((c) => `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${table.name}_${c}_file_ref`.slice(0, 63))} ON ${q} (livebind.file_ref_id(${quoteIdent(c)}))`),
    `CREATE OR REPLACE TRIGGER livebind_files_update AFTER UPDATE ON ${q} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION livebind.release_files(${args})`,
    `CREATE OR REPLACE TRIGGER livebind_files_delete AFTER DELETE ON ${q} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION livebind.release_files(${args})`,
  ];
}

/** Drops the files of `ids` (all of the table's files when undefined) that no FILE cell of the table names. Runs as the superuser. */
export async function dropUnreferencedFiles(db: PGlite, table: TableInfo, ids: readonly string[] | undefined): Promise<number> {
  if (ids !== undefined && ids.length === 0) return 0;
  const cols = fileColumns(table);
  const referenced =
    cols.length === 0
      ? ''
      : ` AND NOT EXISTS (SELECT 1 FROM ${quoteQualified(table.namespace, table.name)} t WHERE ${cols.map((c) => `livebind.file_ref_id(t.${quoteIdent(c)}) = f.file_id`).join(' OR ')})`;
  const r = await db.query(
    `DELETE FROM livebind.files f WHERE f.tbl = $1${ids === undefined ? '' : ' AND f.file_id = ANY ($2::text[])'}${referenced}`,
    ids === undefined ? [table.qualifiedName] : [table.qualifiedName, ids],
  );
  return r.affectedRows ?? 0;
}

/**
 * At engine start: release triggers on every table with FILE columns (tables created before they
 * existed get them too), and drop stored files nothing references (left by older versions, which
 * kept replaced and deleted files, or by dropped tables).
 */
export async function prepareFileStorage(db: PGlite, catalog: Catalog): Promise<void> {
  const tables = catalog.all();
  for (const t of tables) for (const sql of fileTriggerSql(t)) await db.exec(sql);
  await db.query('DELETE FROM livebind.files WHERE NOT (tbl = ANY ($1::text[]))', [tables.map((t) => t.qualifiedName)]);
  const stored = await db.query<{ tbl: string }>('SELECT DISTINCT tbl FROM livebind.files');
  for (const { tbl } of stored.rows) {
    const table = catalog.byQualifiedName(tbl);
    if (table !== undefined) await dropUnreferencedFiles(db, table, undefined);
  }
}
