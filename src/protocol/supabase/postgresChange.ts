/**
 * A `postgres_changes` push (spec §3.8) decoded into a typed change with converted cells.
 * Never throws: a payload of the wrong shape is a ProtocolError value.
 */
import type { ProtocolError } from '../../errors.js';
import { malformed } from './frameErrors.js';
import { convertCell } from './convertCell.js';
import { isRecord } from './phoenixMessage.js';

export type ChangeType = 'INSERT' | 'UPDATE' | 'DELETE';
export type Row = Record<string, unknown>;

export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
}

export interface PostgresChange {
  /** This channel's subscription ids the change matched. */
  readonly ids: readonly number[];
  readonly type: ChangeType;
  readonly schema: string;
  readonly table: string;
  readonly commitTimestamp: string | undefined;
  readonly columns: readonly ColumnInfo[];
  /** INSERT, UPDATE: the new row. */
  readonly record: Row | undefined;
  /** UPDATE, DELETE: the old row (only the primary key unless REPLICA IDENTITY FULL). */
  readonly oldRecord: Row | undefined;
  /** Non-null when the server left values out (e.g. `Error 413: Payload Too Large`): the record is incomplete. */
  readonly errors: readonly string[] | null;
}

export function decodePostgresChange(payload: unknown): PostgresChange | ProtocolError {
  if (!isRecord(payload) || !isRecord(payload['data'])) return malformed('postgres_changes without a "data" object');
  const ids = Array.isArray(payload['ids']) ? payload['ids'].filter((id): id is number => typeof id === 'number') : [];
  const data = payload['data'];
  const type = typeof data['type'] === 'string' ? data['type'].toUpperCase() : '';
  if (type !== 'INSERT' && type !== 'UPDATE' && type !== 'DELETE') return malformed(`postgres_changes of type ${JSON.stringify(data['type'])}`);
  if (typeof data['schema'] !== 'string' || typeof data['table'] !== 'string') return malformed('postgres_changes without schema or table');
  const columns = Array.isArray(data['columns'])
    ? data['columns'].filter(isRecord).flatMap((c) => (typeof c['name'] === 'string' ? [{ name: c['name'], type: typeof c['type'] === 'string' ? c['type'] : '' }] : []))
    : [];
  const record = rowOf(data['record'], columns);
  const oldRecord = rowOf(data['old_record'], columns);
  if (type !== 'DELETE' && record === undefined) return malformed(`postgres_changes ${type} without a "record"`);
  if (type === 'DELETE' && oldRecord === undefined) return malformed('postgres_changes DELETE without an "old_record"');
  const errors = Array.isArray(data['errors']) ? data['errors'].map(String) : null;
  return {
    ids,
    type,
    schema: data['schema'],
    table: data['table'],
    commitTimestamp: typeof data['commit_timestamp'] === 'string' ? data['commit_timestamp'] : undefined,
    columns,
    record,
    oldRecord,
    errors,
  };
}

function rowOf(value: unknown, columns: readonly ColumnInfo[]): Row | undefined {
  if (!isRecord(value)) return undefined;
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const row: Row = {};
  for (const name of Object.keys(value)) {
    const type = types.get(name);
    const cell = type === undefined ? value[name] : convertCell(type, value[name]);
    // A column named `__proto__` stays an own property instead of replacing the prototype.
    if (name === '__proto__') Object.defineProperty(row, name, { value: cell, enumerable: true, writable: true, configurable: true });
    else row[name] = cell;
  }
  return row;
}
