import { quoteIdent, quoteLiteral, quoteQualified } from './quoteIdent.js';
import type { AuthUser, ColumnInfo, ReadRowsQuery, TableInfo } from './types.js';

/**
 * The SELECT behind Engine.readRows (spec §7.1 step 5): `query.columns` then `_seq` of the user's
 * partition, filtered, bounded by `_seq`, ordered by `_seq`. Read as COPY text by the engine.
 */
export function pageReadSql(user: AuthUser, table: TableInfo, query: ReadRowsQuery): { sql: string; columns: ColumnInfo[] } {
  const visible = new Map(table.columns.map((c) => [c.name, c]));
  const names = [...new Set([...query.columns, '_seq'])];
  const columns = names.map((n) => {
    const c = visible.get(n);
    if (c === undefined) throw new Error(`Unknown column ${n} in ${table.qualifiedName}`);
    return c;
  });
  const where: string[] = [];
  if (table.type === 'user') where.push(`"_livebind_owner" = ${quoteLiteral(user.id)}`);
  if (query.whereSql !== undefined && query.whereSql.trim() !== '') where.push(`(${query.whereSql})`);
  if (query.afterSeq !== undefined) where.push(`"_seq" > ${BigInt(query.afterSeq).toString()}`);
  where.push(`"_seq" <= ${BigInt(query.upToSeq).toString()}`);
  const limit = Math.max(0, Math.min(Math.floor(query.limit), 1_000_000));
  const sql =
    `SELECT ${columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${quoteQualified(table.namespace, table.name)}` +
    ` WHERE ${where.join(' AND ')} ORDER BY "_seq" ${query.newestFirst === true ? 'DESC' : 'ASC'} LIMIT ${limit}`;
  return { sql, columns };
}
