// Topic DDL parsing (server/topics/topicDdl.ts) and the messages a change produces (topicMessages.ts).
import { describe, expect, test } from 'vitest';
import { parseKalamCommand } from '../../server/engine/ddlParser.js';
import { tokenize } from '../../server/engine/sqlLexer.js';
import type { ChangeRecord, TableInfo } from '../../server/engine/types.js';
import { messagesFor } from '../../server/topics/topicMessages.js';
import type { TopicSource } from '../../server/topics/TopicRegistry.js';

const parse = (sql: string) => parseKalamCommand(tokenize(sql), sql, 'default');

describe('topic DDL', () => {
  test('CREATE / DROP / ALTER … ADD SOURCE', () => {
    expect(parse('CREATE TOPIC app.new_messages')).toEqual({ kind: 'createTopic', id: 'app.new_messages', partitions: 1, ifNotExists: false });
    expect(parse('create topic if not exists t partitions 4')).toEqual({ kind: 'createTopic', id: 't', partitions: 4, ifNotExists: true });
    expect(parse('DROP TOPIC IF EXISTS app.t')).toEqual({ kind: 'dropTopic', id: 'app.t', ifExists: true });
    expect(parse("ALTER TOPIC app.t ADD SOURCE app.messages ON INSERT WHERE room = 'lobby' AND n > 2 WITH (payload = 'diff')")).toEqual({
      kind: 'addTopicSource',
      id: 'app.t',
      table: { namespace: 'app', name: 'messages' },
      op: 'insert',
      whereSql: "room = 'lobby' AND n > 2",
      payload: 'diff',
    });
    expect(parse('ALTER TOPIC t ADD SOURCE messages ON delete')).toMatchObject({ table: { namespace: 'default', name: 'messages' }, op: 'delete', whereSql: undefined, payload: 'full' });
    expect(parse("ALTER TOPIC t ADD SOURCE a.b ON UPDATE WHERE x IN (SELECT 1 WITH (payload='key'))")).toMatchObject({ payload: 'full' });
  });

  test('malformed topic DDL throws DdlError', () => {
    for (const sql of [
      'CREATE TOPIC',
      'CREATE TOPIC t PARTITIONS 0',
      'CREATE TOPIC t PARTITIONS 65',
      'CREATE TOPIC t extra',
      'CREATE TOPIC "bad name"',
      'ALTER TOPIC t ADD SOURCE a.b ON UPSERT',
      'ALTER TOPIC t ADD SOURCE a.b ON INSERT WHERE',
      "ALTER TOPIC t ADD SOURCE a.b ON INSERT WITH (payload = 'all')",
      "ALTER TOPIC t ADD SOURCE a.b ON INSERT WITH (mode = 'key')",
    ]) {
      expect(() => parse(sql), sql).toThrow(expect.objectContaining({ name: 'DdlError' }));
    }
  });
});

describe('messagesFor', () => {
  const table: TableInfo = {
    namespace: 'app',
    name: 'm',
    qualifiedName: 'app.m',
    type: 'user',
    accessLevel: 'public',
    columns: [],
    primaryKey: ['id'],
  };
  const source = (op: TopicSource['op'], payload: TopicSource['payload']): TopicSource => ({ topicId: 't', table: 'app.m', op, whereSql: undefined, filter: undefined, payload });
  const topic = (partitions: number) => () => ({ id: 't', partitions, sources: [] });
  const update: ChangeRecord = {
    table: 'app.m',
    userId: 'alice',
    op: 'update',
    seq: 9n,
    newRow: { id: '1', body: 'new', room: 'x', _seq: '9', _deleted: false },
    oldRow: { id: '1', body: 'old', room: 'x', _seq: '8', _deleted: false },
  };

  test('full, key and diff payloads; op, key, owner; only sources of the change op', () => {
    const [full] = messagesFor(update, table, [source('update', 'full'), source('insert', 'full')], topic(1), 5);
    expect(full).toEqual({ topicId: 't', partition: 0, payload: JSON.stringify({ id: '1', body: 'new', room: 'x', _seq: '9', _table: 'app.m' }), key: '{"id":"1"}', timestampMs: 5, user: 'alice', op: 'Update' });
    expect(JSON.parse(messagesFor(update, table, [source('update', 'key')], topic(1), 5)[0]!.payload)).toEqual({ id: '1' });
    expect(JSON.parse(messagesFor(update, table, [source('update', 'diff')], topic(1), 5)[0]!.payload)).toEqual({ id: '1', body: 'new', _seq: '9', _table: 'app.m' });
    expect(messagesFor(update, table, [source('delete', 'full')], topic(1), 5)).toEqual([]);
  });

  test('a key always lands in the same partition', () => {
    const p = messagesFor(update, table, [source('update', 'full')], topic(8), 5)[0]!.partition;
    for (let i = 0; i < 5; i++) expect(messagesFor(update, table, [source('update', 'full')], topic(8), i)[0]!.partition).toBe(p);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(8);
  });
});
