/**
 * The SQL forms of topic consumption (KalamDB §9), over `POST /v1/api/sql` beside the HTTP endpoints:
 *
 *   CONSUME FROM topic [GROUP 'g'] [FROM LATEST|EARLIEST|n] [PARTITION p] [LIMIT n]
 *   ACK topic GROUP 'g' [PARTITION p] UPTO OFFSET n
 *
 * Role service, dba or system (else PERMISSION_DENIED). CONSUME reads like the consume endpoint
 * (from the group's committed offset + 1, else `FROM`, default LATEST; every partition unless one
 * is named; LIMIT 1…1000, default 100) and commits nothing; ACK commits `n` inclusive for the group,
 * never moving it back. The result shapes are the dev server's own (§9 gives only the syntax):
 * CONSUME rows `topic_id, partition_id, offset, key, payload (Json, decoded), timestamp_ms, user, op`;
 * ACK one row `acknowledged_offset`.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { Catalog } from '../engine/catalog.js';
import { Cursor, DdlError } from '../engine/ddlParser.js';
import { SqlError, type SchemaField, type StatementResult } from '../engine/sqlExecutor.js';
import type { Token } from '../engine/sqlLexer.js';
import type { AuthUser } from '../engine/types.js';
import { commitOffset, highWaterOf, readBatch, type StartPosition } from './TopicLog.js';
import { DEFAULT_CONSUME_LIMIT, MAX_CONSUME_LIMIT } from './topicHttp.js';

export type TopicSql =
  | { readonly kind: 'consume'; readonly topic: string; readonly group: string | undefined; readonly start: StartPosition; readonly partition: number | undefined; readonly limit: number }
  | { readonly kind: 'ack'; readonly topic: string; readonly group: string; readonly partition: number; readonly upto: number };

const CONSUMER_ROLES = new Set(['service', 'dba', 'system']);
const MAX_GROUP_LENGTH = 256;

const CONSUME_SCHEMA: SchemaField[] = [
  { name: 'topic_id', data_type: 'Text', index: 0 },
  { name: 'partition_id', data_type: 'Int', index: 1 },
  { name: 'offset', data_type: 'BigInt', index: 2 },
  { name: 'key', data_type: 'Text', index: 3 },
  { name: 'payload', data_type: 'Json', index: 4 },
  { name: 'timestamp_ms', data_type: 'BigInt', index: 5 },
  { name: 'user', data_type: 'Text', index: 6 },
  { name: 'op', data_type: 'Text', index: 7 },
];

/** CONSUME / ACK, or undefined for any other statement. Throws SqlError INVALID_SQL when malformed. */
export function parseTopicSql(tokens: readonly Token[], sql: string): TopicSql | undefined {
  const first = tokens[0];
  if (first?.kind !== 'word' || (first.value !== 'consume' && first.value !== 'ack')) return undefined;
  if (first.value === 'consume' && tokens[1]?.value !== 'from') return undefined;
  const c = new Cursor(tokens, sql);
  try {
    if (c.acceptWord('consume', 'from')) {
      const topic = topicName(c);
      const group = c.acceptWord('group') ? groupName(c) : undefined;
      let start: StartPosition = 'latest';
      if (c.acceptWord('from')) {
        if (c.acceptWord('latest')) start = 'latest';
        else if (c.acceptWord('earliest')) start = 'earliest';
        else start = { offset: whole(c, 'FROM takes LATEST, EARLIEST or an offset', Number.MAX_SAFE_INTEGER) };
      }
      const partition = c.acceptWord('partition') ? whole(c, 'PARTITION takes a partition number', 1000) : undefined;
      const limit = c.acceptWord('limit') ? Math.max(1, whole(c, `LIMIT takes 1 to ${MAX_CONSUME_LIMIT}`, MAX_CONSUME_LIMIT)) : DEFAULT_CONSUME_LIMIT;
      c.expectEnd();
      return { kind: 'consume', topic, group, start, partition, limit };
    }
    c.expectWord('ack');
    const topic = topicName(c);
    c.expectWord('group');
    const group = groupName(c);
    const partition = c.acceptWord('partition') ? whole(c, 'PARTITION takes a partition number', 1000) : 0;
    c.expectWord('upto');
    c.expectWord('offset');
    const upto = whole(c, 'UPTO OFFSET takes an offset', Number.MAX_SAFE_INTEGER);
    c.expectEnd();
    return { kind: 'ack', topic, group, partition, upto };
  } catch (e) {
    if (e instanceof DdlError) throw new SqlError('INVALID_SQL', `Invalid SQL: ${e.message}`);
    throw e;
  }
}

/** Runs CONSUME / ACK as `user` (the caller's session role is `pgRole`; topic tables are read as the superuser). */
export async function runTopicSql(db: PGlite, catalog: Catalog, user: AuthUser, pgRole: string, cmd: TopicSql, n: number): Promise<StatementResult> {
  if (!CONSUMER_ROLES.has(user.role)) throw new SqlError('PERMISSION_DENIED', `Statement ${n} failed: Topic consumption requires service, dba, or system role`);
  const topic = catalog.topics.get(cmd.topic);
  if (topic === undefined) throw new SqlError('SQL_EXECUTION_ERROR', `Statement ${n} failed: Topic '${cmd.topic.slice(0, 130)}' not found`);
  const partitions = cmd.kind === 'consume' && cmd.partition === undefined ? [...Array(topic.partitions).keys()] : [cmd.partition ?? 0];
  for (const p of partitions) {
    if (p >= topic.partitions) throw new SqlError('SQL_EXECUTION_ERROR', `Statement ${n} failed: Topic '${topic.id}' has no partition ${p} (it has ${topic.partitions})`);
  }
  await db.exec('RESET ROLE');
  try {
    if (cmd.kind === 'ack') {
      const high = await highWaterOf(db, topic.id, cmd.partition);
      if (cmd.upto > high) throw new SqlError('SQL_EXECUTION_ERROR', `Statement ${n} failed: offset ${cmd.upto} is past the last record of partition ${cmd.partition} (${high})`);
      const acked = await commitOffset(db, topic.id, cmd.group, cmd.partition, cmd.upto);
      return {
        schema: [{ name: 'acknowledged_offset', data_type: 'BigInt', index: 0 }],
        rows: [[String(acked)]],
        row_count: 1,
        message: `Acknowledged offset ${acked} of '${topic.id}' partition ${cmd.partition} for group '${cmd.group.slice(0, 80)}'`,
        as_user: user.id,
      };
    }
    const rows: StatementResult['rows'] & unknown[] = [];
    for (const partition of partitions) {
      if (rows.length >= cmd.limit) break;
      const batch = await readBatch(db, { topic, group: cmd.group, partition, start: cmd.start, limit: cmd.limit - rows.length }, undefined);
      for (const m of batch.messages) {
        const text = Buffer.from(m.payload, 'base64').toString('utf8');
        rows.push([m.topic_id, m.partition_id, String(m.offset), m.key ?? null, JSON.parse(text) as Record<string, unknown>, String(m.timestamp_ms), m.user ?? null, m.op]);
      }
    }
    return { schema: CONSUME_SCHEMA, rows, row_count: rows.length, as_user: user.id };
  } finally {
    await db.exec(`SET ROLE ${pgRole}`).catch(() => undefined);
  }
}

function topicName(c: Cursor): string {
  const parts = [c.ident('a topic name')];
  if (c.isPunct('.')) {
    c.i++;
    parts.push(c.ident('a topic name'));
  }
  return parts.join('.');
}

function groupName(c: Cursor): string {
  const g = c.nameOrString('a group name');
  if (g === '' || g.length > MAX_GROUP_LENGTH) throw new DdlError(`A group name has 1 to ${MAX_GROUP_LENGTH} characters`);
  return g;
}

function whole(c: Cursor, what: string, max: number): number {
  const t = c.peek();
  const v = t?.kind === 'number' && /^\d+$/.test(t.text) ? Number(t.text) : NaN;
  if (!Number.isSafeInteger(v) || v > max) throw new DdlError(what);
  c.i++;
  return v;
}
