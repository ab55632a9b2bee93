import { describe, expect, it } from 'vitest';
import { DdlError, parseKalamCommand } from '../../server/engine/ddlParser.js';
import { mapKalamType } from '../../server/engine/kalamTypes.js';
import { splitStatements } from '../../server/engine/sqlLexer.js';

function parse(sql: string, ns = 'default') {
  const [stmt] = splitStatements(sql);
  return parseKalamCommand(stmt!.tokens, sql, ns);
}

describe('KalamDB DDL parser', () => {
  it('parses namespaces', () => {
    expect(parse('CREATE NAMESPACE IF NOT EXISTS app')).toEqual({ kind: 'createNamespace', name: 'app', ifNotExists: true });
    expect(parse('DROP NAMESPACE app CASCADE')).toEqual({ kind: 'dropNamespace', name: 'app', ifExists: false, cascade: true });
  });

  it('parses table types, options, keys, defaults and flags', () => {
    const cmd = parse(
      `CREATE USER TABLE IF NOT EXISTS app.todos (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), title TEXT NOT NULL, n DECIMAL(10, 2) DEFAULT 0, at TIMESTAMP DEFAULT NOW(), tag TEXT UNIQUE, v EMBEDDING(3))`,
    );
    expect(cmd?.kind).toBe('createTable');
    if (cmd?.kind !== 'createTable') return;
    expect(cmd.ifNotExists).toBe(true);
    expect(cmd.table).toMatchObject({ namespace: 'app', name: 'todos', type: 'user', accessLevel: 'public', primaryKey: ['id'] });
    const [id, title, n, at, tag, v] = cmd.table.columns;
    expect(id).toMatchObject({ primaryKey: true, notNull: true, defaultSql: 'livebind_fn.snowflake_id()' });
    expect(title).toMatchObject({ notNull: true, defaultSql: undefined });
    expect(n?.type.dataType).toEqual({ Decimal: { precision: 10, scale: 2 } });
    expect(n?.defaultSql).toBe('0');
    expect(at?.defaultSql).toBe('NOW()');
    expect(tag?.unique).toBe(true);
    expect(v?.type).toMatchObject({ pgType: '_float4', dataType: { Embedding: 3 } });
    const shared = parse(`CREATE TABLE t (a INT, b TEXT, PRIMARY KEY (a, b)) WITH (TYPE = 'SHARED', ACCESS_LEVEL = 'PRIVATE', FLUSH_POLICY = 'rows:100')`, 'app');
    expect(shared).toMatchObject({ table: { namespace: 'app', name: 't', type: 'shared', accessLevel: 'private', primaryKey: ['a', 'b'] } });
    expect(parse(`CREATE TABLE x.t (a INT) WITH (TYPE='USER')`)).toMatchObject({ table: { type: 'user' } });
  });

  it('parses drops and users; leaves other statements alone', () => {
    expect(parse('DROP TABLE IF EXISTS app.t')).toEqual({ kind: 'dropTable', namespace: 'app', name: 't', ifExists: true });
    expect(parse(`CREATE USER 'carol' WITH PASSWORD 'p''w' ROLE dba EMAIL 'c@x.io'`)).toEqual({
      kind: 'createUser', name: 'carol', password: "p'w", role: 'dba', email: 'c@x.io',
    });
    expect(parse(`ALTER USER carol SET PASSWORD 'n'`)).toEqual({ kind: 'alterUser', name: 'carol', password: 'n' });
    expect(parse('SELECT 1')).toBeUndefined();
    expect(parse('CREATE INDEX i ON t (a)')).toBeUndefined();
  });

  it('rejects invalid definitions', () => {
    for (const bad of [
      'CREATE TABLE t (_seq INT)',
      'CREATE TABLE t (a FANCYTYPE)',
      'CREATE TABLE t (a INT, a TEXT)',
      'CREATE TABLE t (a INT PRIMARY KEY, b INT PRIMARY KEY)',
      'CREATE TABLE t (a INT, PRIMARY KEY (zz))',
      `CREATE TABLE t (a INT) WITH (TYPE = 'NOPE')`,
      `CREATE STREAM TABLE t (a INT)`,
      'CREATE TABLE t ()',
      'CREATE TABLE t (a INT',
      `CREATE USER bob WITH ROLE user`,
      'CREATE NAMESPACE a b',
    ]) {
      expect(() => parse(bad), bad).toThrow(DdlError);
    }
  });

  it('maps KalamDB types', () => {
    expect(mapKalamType('double precision')?.dataType).toBe('Double');
    expect(mapKalamType('VARCHAR(20)')?.pgType).toBe('text');
    expect(mapKalamType('timestamp with time zone')?.pgType).toBe('timestamptz');
    expect(mapKalamType('uuid')?.dataType).toBe('Uuid');
    expect(mapKalamType('json')?.pgType).toBe('jsonb');
    expect(mapKalamType('geometry')).toBeUndefined();
  });
});
