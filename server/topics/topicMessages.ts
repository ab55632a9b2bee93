/**
 * Pure: the topic messages one captured change produces (KalamDB §9 record shape before storage).
 * A source matches on its table and operation and, with a WHERE, on the new row (the old one for a
 * delete), evaluated by the live-query filter.
 */
import type { Cell, ChangeRecord, TableInfo, WireRow } from '../engine/types.js';
import { cellEquals } from '../kalamdb/live/changeShapes.js';
import { matches } from '../kalamdb/live/filterExpr.js';
import type { TopicDef, TopicSource } from './TopicRegistry.js';

/** One message to append; the log assigns the offset. */
export interface PendingMessage {
  readonly topicId: string;
  readonly partition: number;
  /** JSON text of the payload object. */
  readonly payload: string;
  /** JSON text of the key columns, or null for a table without a primary key. */
  readonly key: string | null;
  readonly timestampMs: number;
  /** Owner of a USER-table row; null otherwise. */
  readonly user: string | null;
  readonly op: 'Insert' | 'Update' | 'Delete';
}

const OPS = { insert: 'Insert', update: 'Update', delete: 'Delete' } as const;

export function messagesFor(
  change: ChangeRecord,
  table: TableInfo,
  sources: readonly TopicSource[],
  topic: (id: string) => TopicDef | undefined,
  now: number,
): PendingMessage[] {
  const row = change.op === 'delete' ? change.oldRow : change.newRow;
  if (row === undefined) return [];
  const out: PendingMessage[] = [];
  for (const s of sources) {
    if (s.op !== change.op || !matches(s.filter, row)) continue;
    const def = topic(s.topicId);
    if (def === undefined) continue;
    const keyObj = keyOf(table, row);
    const key = keyObj === undefined ? null : JSON.stringify(keyObj);
    out.push({
      topicId: s.topicId,
      partition: def.partitions > 1 ? hash(key ?? String(change.seq)) % def.partitions : 0,
      payload: JSON.stringify(payloadOf(s, table, change, row, keyObj)),
      key,
      timestampMs: now,
      user: table.type === 'user' ? change.userId : null,
      op: OPS[change.op],
    });
  }
  return out;
}

function keyOf(table: TableInfo, row: WireRow): Record<string, Cell> | undefined {
  if (table.primaryKey.length === 0) return undefined;
  const key: Record<string, Cell> = {};
  for (const k of table.primaryKey) key[k] = row[k] ?? null;
  return key;
}

function payloadOf(s: TopicSource, table: TableInfo, change: ChangeRecord, row: WireRow, key: Record<string, Cell> | undefined): Record<string, Cell> {
  if (s.payload === 'key') return key ?? { _seq: row['_seq'] ?? null };
  const full: Record<string, Cell> = {};
  for (const [name, value] of Object.entries(row)) if (name !== '_deleted') full[name] = value;
  if (s.payload === 'diff' && change.op === 'update' && change.oldRow !== undefined) {
    const diff: Record<string, Cell> = { ...key };
    for (const [name, value] of Object.entries(full)) {
      if (name === '_seq' || !cellEquals(value, change.oldRow[name] ?? null)) diff[name] = value;
    }
    return { ...diff, _table: table.qualifiedName };
  }
  return { ...full, _table: table.qualifiedName };
}

/** FNV-1a over UTF-16 units: a stable partition for a key. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
