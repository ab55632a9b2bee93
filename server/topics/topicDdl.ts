/**
 * Topic DDL (KalamDB §9), parsed and run on the engine's KalamDB DDL path (ddlParser/ddlExecutor):
 *
 *   CREATE TOPIC [IF NOT EXISTS] name [PARTITIONS n]
 *   ALTER TOPIC name ADD SOURCE ns.table ON INSERT|UPDATE|DELETE [WHERE …] [WITH (payload = 'full'|'key'|'diff')]
 *   DROP TOPIC [IF EXISTS] name
 *
 * A topic name is `name` or `namespace.name`, kept as written: it is the `topic_id` consumers send.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { Catalog } from '../engine/catalog.js';
import { Cursor, DdlError, unquoteString } from '../engine/ddlParser.js';
import { DdlExecutionError } from '../engine/ddlExecutor.js';
import type { Token } from '../engine/sqlLexer.js';
import { compileSourceFilter, TopicFilterError, type PayloadMode, type TopicDef, type TopicOp } from './TopicRegistry.js';

export const MAX_PARTITIONS = 64;
const NAME_PART = /^[A-Za-z0-9_]{1,64}$/;

export type TopicCommand =
  | { readonly kind: 'createTopic'; readonly id: string; readonly partitions: number; readonly ifNotExists: boolean }
  | { readonly kind: 'dropTopic'; readonly id: string; readonly ifExists: boolean }
  | {
      readonly kind: 'addTopicSource';
      readonly id: string;
      readonly table: { readonly namespace: string; readonly name: string };
      readonly op: TopicOp;
      readonly whereSql: string | undefined;
      readonly payload: PayloadMode;
    };

/** Recognizes topic DDL; undefined for any other statement. Throws DdlError on a malformed one. */
export function parseTopicCommand(tokens: readonly Token[], sql: string, defaultNamespace: string): TopicCommand | undefined {
  const c = new Cursor(tokens, sql);
  if (c.acceptWord('create', 'topic')) {
    const ifNotExists = c.acceptWord('if', 'not', 'exists');
    const id = topicName(c);
    let partitions = 1;
    if (c.acceptWord('partitions')) {
      const t = c.peek();
      const n = t?.kind === 'number' ? Number(t.text) : NaN;
      if (!Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) throw new DdlError(`PARTITIONS takes a whole number from 1 to ${MAX_PARTITIONS}`);
      c.i++;
      partitions = n;
    }
    c.expectEnd();
    return { kind: 'createTopic', id, partitions, ifNotExists };
  }
  if (c.acceptWord('drop', 'topic')) {
    const ifExists = c.acceptWord('if', 'exists');
    const id = topicName(c);
    c.expectEnd();
    return { kind: 'dropTopic', id, ifExists };
  }
  if (c.acceptWord('alter', 'topic')) {
    const id = topicName(c);
    c.expectWord('add');
    c.expectWord('source');
    const first = c.ident('a table name');
    let table = { namespace: defaultNamespace, name: first };
    if (c.isPunct('.')) {
      c.i++;
      table = { namespace: first, name: c.ident('a table name') };
    }
    c.expectWord('on');
    const opWord = c.ident('INSERT, UPDATE or DELETE').toLowerCase();
    if (opWord !== 'insert' && opWord !== 'update' && opWord !== 'delete') throw new DdlError(`Expected INSERT, UPDATE or DELETE, not '${opWord}'`);
    const withAt = trailingWith(c);
    let whereSql: string | undefined;
    if (c.acceptWord('where')) {
      if (c.i >= withAt) throw new DdlError('WHERE needs a condition');
      whereSql = c.text(c.i, withAt);
    }
    c.i = withAt;
    let payload: PayloadMode = 'full';
    if (c.acceptWord('with')) payload = payloadOption(new Cursor(c.tokens.slice(c.i), c.sql));
    else c.expectEnd();
    return { kind: 'addTopicSource', id, table, op: opWord, whereSql, payload };
  }
  return undefined;
}

function topicName(c: Cursor): string {
  const parts = [c.ident('a topic name')];
  if (c.isPunct('.')) {
    c.i++;
    parts.push(c.ident('a topic name'));
  }
  for (const p of parts) if (!NAME_PART.test(p)) throw new DdlError(`Invalid topic name '${parts.join('.').slice(0, 80)}' (letters, digits and _; at most 64 each side of the dot)`);
  return parts.join('.');
}

/** Index of a top-level `WITH (` that ends the statement, or the end. */
function trailingWith(c: Cursor): number {
  let depth = 0;
  for (let i = c.i; i < c.tokens.length; i++) {
    const t = c.tokens[i]!;
    if (t.kind === 'punct' && t.text === '(') depth++;
    else if (t.kind === 'punct' && t.text === ')') depth--;
    else if (depth === 0 && t.kind === 'word' && t.value === 'with' && c.isPunct('(', i - c.i + 1)) return i;
  }
  return c.tokens.length;
}

function payloadOption(c: Cursor): PayloadMode {
  c.expectPunct('(');
  const key = c.ident('an option name');
  if (key !== 'payload') throw new DdlError(`Unknown topic source option ${key.toUpperCase()} (payload)`);
  c.expectPunct('=');
  const t = c.peek();
  const value = t === undefined ? '' : (t.kind === 'string' ? unquoteString(t.text) : t.value).toLowerCase();
  if (value !== 'full' && value !== 'key' && value !== 'diff') throw new DdlError("payload is 'full', 'key' or 'diff'");
  c.i++;
  c.expectPunct(')');
  c.expectEnd();
  return value;
}

/** Runs topic DDL as the superuser; updates `catalog.topics` once the tables are written. */
export async function executeTopicCommand(db: PGlite, catalog: Catalog, cmd: TopicCommand): Promise<string> {
  switch (cmd.kind) {
    case 'createTopic': {
      const r = await db.query('INSERT INTO livebind.topics (id, partitions) VALUES ($1, $2) ON CONFLICT DO NOTHING', [cmd.id, cmd.partitions]);
      if ((r.affectedRows ?? 0) === 0) {
        if (cmd.ifNotExists) return `Topic '${cmd.id}' already exists`;
        throw new DdlExecutionError(`Topic '${cmd.id}' already exists`);
      }
      catalog.topics.set({ id: cmd.id, partitions: cmd.partitions, sources: [] });
      return `Topic '${cmd.id}' created successfully`;
    }
    case 'dropTopic': {
      const r = await db.query('DELETE FROM livebind.topics WHERE id = $1', [cmd.id]);
      if ((r.affectedRows ?? 0) === 0) {
        if (cmd.ifExists) return `Topic '${cmd.id}' does not exist`;
        throw new DdlExecutionError(`Topic '${cmd.id}' not found`);
      }
      await db.query('DELETE FROM livebind.topic_messages WHERE topic_id = $1', [cmd.id]);
      await db.query('DELETE FROM livebind.topic_offsets WHERE topic_id = $1', [cmd.id]);
      catalog.topics.delete(cmd.id);
      return `Topic '${cmd.id}' dropped successfully`;
    }
    case 'addTopicSource': {
      const topic = catalog.topics.get(cmd.id);
      if (topic === undefined) throw new DdlExecutionError(`Topic '${cmd.id}' not found`);
      const table = catalog.get(cmd.table.namespace, cmd.table.name);
      if (table === undefined) throw new DdlExecutionError(`Table not found: ${cmd.table.namespace}.${cmd.table.name}`, 'TABLE_NOT_FOUND');
      let filter;
      try {
        filter = compileSourceFilter(catalog, table.qualifiedName, cmd.whereSql);
      } catch (e) {
        if (e instanceof TopicFilterError) throw new DdlError(`Topic source WHERE: ${e.message}`);
        throw e;
      }
      await db.query(
        `INSERT INTO livebind.topic_sources (topic_id, tbl, op, where_sql, payload) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (topic_id, tbl, op) DO UPDATE SET where_sql = EXCLUDED.where_sql, payload = EXCLUDED.payload`,
        [cmd.id, table.qualifiedName, cmd.op, cmd.whereSql ?? null, cmd.payload],
      );
      const source = { topicId: cmd.id, table: table.qualifiedName, op: cmd.op, whereSql: cmd.whereSql, filter, payload: cmd.payload };
      const next: TopicDef = {
        ...topic,
        sources: [...topic.sources.filter((s) => !(s.table === source.table && s.op === source.op)), source],
      };
      catalog.topics.set(next);
      return `Source ${table.qualifiedName} ON ${cmd.op.toUpperCase()} added to topic '${cmd.id}'`;
    }
  }
}
