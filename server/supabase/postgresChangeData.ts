/**
 * The `data` of a postgres_changes push (spec §3.8), built once per change and shared by every join
 * it reaches: schema (namespace `default` shows as `public`), table, commit_timestamp (from the
 * SeqId's millisecond part), type, columns with pg type names, record (INSERT/UPDATE), old_record
 * (UPDATE/DELETE: the primary key only, like Supabase without REPLICA IDENTITY FULL) and errors.
 */
import { SEQ_EPOCH_MS } from '../engine/bootstrapSql.js';
import type { ChangeRecord, ColumnInfo, TableInfo, WireRow } from '../engine/types.js';
import type { ChangeType } from './postgresBinding.js';
import { schemaForNamespace } from './postgresBinding.js';
import { pgJsonValue } from './pgJson.js';

/** Values longer than this (as JSON) are left out of an oversized record (§3.8). */
const OMIT_OVER_BYTES = 64;

export function changeType(change: ChangeRecord): ChangeType {
  return change.op === 'insert' ? 'INSERT' : change.op === 'update' ? 'UPDATE' : 'DELETE';
}

/** `YYYY-MM-DDTHH:MI:SS.MSZ` of the change's SeqId. */
export function commitTimestamp(seq: bigint): string {
  return new Date(Number((seq >> 22n) + SEQ_EPOCH_MS)).toISOString();
}

export class PostgresChangeData {
  private readonly cache = new Map<string, string>();
  readonly type: ChangeType;

  constructor(
    private readonly change: ChangeRecord,
    private readonly table: TableInfo,
    private readonly maxRecordBytes: number,
  ) {
    this.type = changeType(change);
  }

  /** The data JSON, for all user columns or a `select` list (plus the primary key). */
  json(select: readonly string[] | undefined): string {
    const cacheKey = select === undefined ? '*' : JSON.stringify(select);
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined) return hit;
    const t = this.table;
    const columns = t.columns.filter((c) => !c.system && (select === undefined || select.includes(c.name) || t.primaryKey.includes(c.name)));
    const pk = t.columns.filter((c) => t.primaryKey.includes(c.name));
    const errors: string[] = [];
    const parts = [
      `"schema":${JSON.stringify(schemaForNamespace(t.namespace))}`,
      `"table":${JSON.stringify(t.name)}`,
      `"commit_timestamp":${JSON.stringify(commitTimestamp(this.change.seq))}`,
      `"type":"${this.type}"`,
      `"columns":${JSON.stringify(columns.map((c) => ({ name: c.name, type: c.pgType })))}`,
    ];
    if (this.type !== 'DELETE' && this.change.newRow !== undefined) parts.push(`"record":${this.rowJson(columns, this.change.newRow, errors)}`);
    if (this.type !== 'INSERT' && this.change.oldRow !== undefined) parts.push(`"old_record":${this.rowJson(pk, this.change.oldRow, errors)}`);
    parts.push(`"errors":${errors.length === 0 ? 'null' : JSON.stringify(errors)}`);
    const json = `{${parts.join(',')}}`;
    this.cache.set(cacheKey, json);
    return json;
  }

  private rowJson(columns: readonly ColumnInfo[], row: WireRow, errors: string[]): string {
    const values = columns.map((c) => [c.name, JSON.stringify(pgJsonValue(c.pgType, row[c.name]) ?? null)] as const);
    const total = values.reduce((n, [, v]) => n + v.length, 0);
    const keep = total <= this.maxRecordBytes ? values : values.filter(([, v]) => Buffer.byteLength(v) <= OMIT_OVER_BYTES);
    if (keep !== values && !errors.includes('Error 413: Payload Too Large')) errors.push('Error 413: Payload Too Large');
    return `{${keep.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  }
}
