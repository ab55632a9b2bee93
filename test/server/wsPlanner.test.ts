import { describe, expect, it } from 'vitest';
import type { AuthUser, ColumnInfo, TableInfo, WireRow } from '../../server/engine/types.js';
import { evaluate, matches } from '../../server/kalamdb/live/filterExpr.js';
import { planSubscription, type PlanError, type SubscriptionPlan } from '../../server/kalamdb/live/planSubscription.js';

const col = (name: string, dataType: ColumnInfo['dataType'], pgType: string, flags: ColumnInfo['flags'] = [], system = false): ColumnInfo => ({
  name,
  dataType,
  pgType,
  flags,
  system,
});

const orders: TableInfo = {
  namespace: 'app',
  name: 'orders',
  qualifiedName: 'app.orders',
  type: 'user',
  accessLevel: 'private',
  primaryKey: ['id'],
  columns: [
    col('id', 'BigInt', 'int8', ['pk', 'nn']),
    col('status', 'Text', 'text'),
    col('owner', 'Text', 'text'),
    col('qty', 'Int', 'int4'),
    col('price', { Decimal: { precision: 10, scale: 2 } }, 'numeric'),
    col('ratio', 'Double', 'float8'),
    col('f4', 'Float', 'float4'),
    col('paid', 'Boolean', 'bool'),
    col('created', 'Timestamp', 'timestamptz'),
    col('day', 'Date', 'date'),
    col('doc', 'Json', 'jsonb'),
    col('_seq', 'BigInt', 'int8', [], true),
    col('_deleted', 'Boolean', 'bool', [], true),
  ],
};
const secret: TableInfo = { ...orders, name: 'secret', qualifiedName: 'app.secret', type: 'shared' };

const engine = {
  getTable: (ns: string, name: string) => (ns === 'app' && name === 'orders' ? orders : ns === 'app' && name === 'secret' ? secret : undefined),
  canRead: (_u: AuthUser, t: TableInfo) => t.name !== 'secret',
};
const alice: AuthUser = { id: 'alice', role: 'user' };

function plan(sql: string): SubscriptionPlan {
  const p = planSubscription(sql, alice, engine);
  if ('code' in p) throw new Error(`${p.code}: ${p.message}`);
  return p;
}
function reject(sql: string): PlanError {
  const p = planSubscription(sql, alice, engine);
  if (!('code' in p)) throw new Error(`accepted: ${sql}`);
  return p;
}
const row = (r: Record<string, unknown>): WireRow => ({ id: '1', status: 'open', owner: 'alice', qty: 3, price: '10.50', ratio: 0.5, paid: false, created: 1_700_000_000_000_000, day: 19000, _seq: '100', _deleted: false, ...r }) as WireRow;

describe('planSubscription', () => {
  it('plans a projection with aliases, schema and PK', () => {
    const p = plan('SELECT id, status AS s FROM app.orders');
    expect(p.projection).toEqual([
      { source: 'id', name: 'id' },
      { source: 'status', name: 's' },
    ]);
    expect(p.schema).toEqual([
      { name: 'id', data_type: 'BigInt', index: 0, flags: ['pk', 'nn'] },
      { name: 's', data_type: 'Text', index: 1 },
    ]);
    expect(p.primaryKey).toEqual([{ source: 'id', name: 'id' }]);
    expect(p.filter).toBeUndefined();
  });

  it('plans SELECT * with every column in the schema', () => {
    const p = plan('select * from app.orders');
    expect(p.star).toBe(true);
    expect(p.schema.map((f) => f.name)).toContain('_seq');
    expect(p.projection.map((c) => c.name)).not.toContain('_seq');
  });

  it.each([
    ['SELECT id FROM app.orders ORDER BY id', 'ORDER BY'],
    ['SELECT id FROM app.orders LIMIT 5', 'LIMIT'],
    ['SELECT DISTINCT id FROM app.orders', 'DISTINCT'],
    ['SELECT id FROM app.orders GROUP BY id', 'GROUP BY'],
    ['SELECT id FROM app.orders a JOIN app.orders b ON a.id = b.id', 'JOIN'],
    ['SELECT id FROM app.orders, app.orders', 'JOIN'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'plain SELECT'],
    ['SELECT id FROM (SELECT id FROM app.orders) s', 'subqueries'],
    ['SELECT _seq FROM app.orders', 'system columns'],
    ['SELECT id, _deleted FROM app.orders', 'system columns'],
    ['SELECT id FROM orders', 'namespace.table'],
    ['SELECT 1; SELECT 2', 'exactly one'],
    ['DELETE FROM app.orders', 'plain SELECT'],
    ['SELECT nope FROM app.orders', 'Column not found'],
    ['SELECT id + 1 FROM app.orders', 'only project columns'],
    ['SELECT id FROM app.orders WHERE lower(status) = \'a\'', 'needs a column'],
    ['SELECT id FROM app.orders WHERE status = qty', 'literal'],
    ['SELECT id FROM app.orders WHERE qty = \'3\'', 'decimal number'],
    ['SELECT id FROM app.orders WHERE status = 3', 'string literal'],
    ['SELECT id FROM app.orders WHERE qty LIKE \'3\'', 'text column'],
    ['SELECT id FROM app.orders WHERE doc IS NULL', 'cannot be used'],
    ['SELECT id FROM app.orders WHERE ratio > 1.5e3', ''],
    ['SELECT id FROM app.orders WHERE created > \'yesterday\'', 'timestamp'],
    ['SELECT id FROM app.orders WHERE status IN (SELECT status FROM app.orders)', 'literal'],
    ['SELECT id FROM app.orders WHERE qty', 'not boolean'],
    ['SELEC id FROM app.orders', ''],
  ])('rejects %s with INVALID_SQL', (sql, fragment) => {
    const e = reject(sql);
    expect(e.code).toBe('INVALID_SQL');
    expect(e.message).toMatch(/^Invalid SQL: /);
    expect(e.message).toContain(fragment);
  });

  it('rejects deep nesting instead of overflowing', () => {
    const deep = `SELECT id FROM app.orders WHERE ${'NOT '.repeat(100)}paid`;
    expect(reject(deep).code).toBe('INVALID_SQL');
  });

  it('NOT_FOUND for unknown tables, UNAUTHORIZED without permission', () => {
    expect(reject('SELECT id FROM app.missing')).toEqual({ code: 'NOT_FOUND', message: 'Not found: Table not found: app.missing' });
    expect(reject('SELECT id FROM app.secret').code).toBe('UNAUTHORIZED');
  });

  it('replaces CURRENT_USER() with the user id', () => {
    const p = plan('SELECT id FROM app.orders WHERE owner = CURRENT_USER()');
    expect(p.whereSql).toBe(`("owner" = 'alice')`);
    expect(matches(p.filter, row({}))).toBe(true);
    expect(matches(p.filter, row({ owner: 'bob' }))).toBe(false);
  });

  it('re-serializes the WHERE from the validated tree, never the raw text', () => {
    const p = plan(`SELECT id FROM app.orders WHERE status = 'it''s' AND id > 9007199254740993 OR NOT (qty BETWEEN -1 AND 2.50) AND status NOT IN ('a', NULL) AND created >= '2024-01-01T00:00:00.5+02:00' AND status ILIKE 'A\\_%'`);
    expect(p.whereSql).toBe(
      `((("status" = 'it''s') AND ("id" > 9007199254740993)) OR ((((NOT ("qty" BETWEEN -1 AND 2.5)) AND (NOT ("status" IN ('a', NULL)))) AND ("created" >= '2023-12-31 22:00:00.500000+00')) AND ("status" ILIKE 'A\\_%')))`,
    );
  });
});

describe('live filter evaluation', () => {
  const where = (w: string) => plan(`SELECT id FROM app.orders WHERE ${w}`).filter!;
  it.each<[string, Record<string, unknown>, boolean | null]>([
    ["status = 'open'", {}, true],
    ["status <> 'open'", {}, false],
    ["status != 'open'", { status: null }, null],
    ['id > 9007199254740992', { id: '9007199254740993' }, true],
    ['id > 9007199254740993', { id: '9007199254740993' }, false],
    ['id >= 9007199254740993', { id: '9007199254740993' }, true],
    ['id < -5', { id: '-6' }, true],
    ['price = 10.5', {}, true],
    ['price > 10.49', {}, true],
    ['price < 10.500001', {}, true],
    ['qty BETWEEN 3 AND 4', {}, true],
    ['qty NOT BETWEEN 3 AND 4', {}, false],
    ['qty BETWEEN 4 AND 3', {}, false],
    ['qty IN (1, 2, 3)', {}, true],
    ['qty IN (1, 2)', {}, false],
    ['qty IN (1, NULL)', {}, null],
    ['qty NOT IN (1, NULL)', {}, null],
    ['qty NOT IN (1, 2)', {}, true],
    ['qty = NULL', {}, null],
    ['qty IS NULL', { qty: null }, true],
    ['qty IS NOT NULL', { qty: null }, false],
    ['paid', { paid: true }, true],
    ['NOT paid', { paid: null }, null],
    ['paid = false OR qty > 100', {}, true],
    ['paid = true AND qty IS NULL', { qty: null }, false],
    ['qty > 100 OR status IS NULL', { status: null }, true],
    ['qty > 100 OR qty IS NULL AND status = NULL', {}, false],
    ["status LIKE 'op%'", {}, true],
    ["status LIKE 'O%'", {}, false],
    ["status ILIKE 'O_EN'", {}, true],
    ["status LIKE '%\\%'", { status: '50%' }, true],
    ["status LIKE '%\\%'", { status: '50' }, false],
    ["status NOT LIKE 'x%'", { status: null }, null],
    ["status LIKE 'a.c'", { status: 'abc' }, false],
    ["status LIKE 'a\nc'", { status: 'a\nc' }, true],
    ["status > 'B'", { status: 'a' }, true],
    ["status < '\uFFFF'", { status: '😀' }, false],
    ['ratio > 0.25', {}, true],
    ['f4 = 0.1', { f4: 0.1 }, false],
    ['f4 = 0.5', { f4: 0.5 }, true],
    ['ratio > 1000', { ratio: 'NaN' }, true],
    ["created > '2023-11-14T22:13:19Z'", {}, true],
    ["created = '2023-11-14 22:13:20'", {}, true],
    ["created < '2023-11-14T23:13:20+01:00'", {}, false],
    ["day = '2022-01-08'", {}, true],
    ['_seq > 99', {}, true],
    ['TRUE', {}, true],
    ['NULL', {}, null],
  ])('%s on %j → %s', (w, r, expected) => {
    expect(evaluate(where(w), row(r))).toBe(expected);
  });
});
