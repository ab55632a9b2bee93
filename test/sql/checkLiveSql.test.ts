import { describe, expect, test } from 'vitest';
import { checkLiveSql } from '../../src/sql/checkLiveSql.js';

describe('checkLiveSql (spec §7.4, §7.5)', () => {
  test.each([
    'SELECT * FROM app.messages',
    'SELECT id, body AS text FROM app.messages WHERE room = \'lobby\'',
    "SELECT id FROM app.t WHERE (a = 1 OR b <> -2.5) AND NOT c LIKE 'x%' AND d ILIKE 'Y' AND e != TRUE AND f >= 1e3",
    "SELECT id FROM app.t WHERE owner = CURRENT_USER()",
    "SELECT id FROM \"App\".\"T\" WHERE note = 'IN BETWEEN ORDER BY ; _seq' -- ORDER BY in a comment",
    'SELECT id FROM app.t;',
  ])('accepts %s', (sql) => {
    expect(checkLiveSql(sql)).toBeUndefined();
  });

  test.each([
    ['WITH x AS (SELECT 1) SELECT * FROM app.t', 'single SELECT'],
    ['SELECT * FROM app.t ORDER BY id', 'ORDER'],
    ['SELECT * FROM app.t LIMIT 5', 'LIMIT'],
    ['SELECT DISTINCT room FROM app.t', 'DISTINCT'],
    ['SELECT * FROM app.t a JOIN app.u b ON a.id = b.id', 'JOIN'],
    ['SELECT * FROM t', 'namespace.table'],
    ['SELECT * FROM app.t, app.u', 'only one table'],
    ['SELECT * FROM (SELECT * FROM app.t) x', 'namespace.table'],
    ['SELECT id, _seq FROM app.t', '_seq'],
    ['SELECT * FROM app.t WHERE id IN (1, 2)', 'IN'],
    ['SELECT * FROM app.t WHERE id BETWEEN 1 AND 2', 'BETWEEN'],
    ['SELECT * FROM app.t WHERE body IS NULL', 'IS'],
    ['SELECT * FROM app.t WHERE lower(body) = \'x\'', 'function calls'],
    ['SELECT * FROM app.t WHERE n + 1 > 2', 'operator +'],
    ['SELECT * FROM app.t WHERE (a = 1', 'unbalanced'],
    ['SELECT * FROM app.t; DELETE FROM app.t', 'single statement'],
    ["SELECT * FROM app.t WHERE a = 'open", 'unterminated'],
  ])('rejects %s', (sql, reason) => {
    expect(checkLiveSql(sql)).toContain(reason);
  });
});
