import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isLivebindError } from '../../src/errors.js';
import { bindParams, sqlLiteral } from '../../src/sql/sqlLiteral.js';

function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isLivebindError(error) && error.kind === 'usage') return error.code;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('sqlLiteral', () => {
  test.each([
    ['plain', "'plain'"],
    ["it's", "'it''s'"],
    ["''", "''''''"],
    ['back\\slash', "'back\\slash'"],
    ['\\\'', "'\\'''"],
    ['twö 🎉 中文', "'twö 🎉 中文'"],
    ['', "''"],
    ['line\nbreak\ttab', "'line\nbreak\ttab'"],
    ['$1', "'$1'"],
    ['-- not a comment', "'-- not a comment'"],
  ])('string %j', (value, literal) => {
    expect(sqlLiteral(value)).toBe(literal);
  });

  test.each([
    [0, '0'],
    [-0, '0'],
    [42, '42'],
    [-7, '-7'],
    [1.5, '1.5'],
    [1e21, '1e+21'],
    [5e-7, '5e-7'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ])('number %s', (value, literal) => {
    expect(sqlLiteral(value)).toBe(literal);
  });

  test('bigint is exact, booleans and null are keywords', () => {
    expect(sqlLiteral(305419896123456789n)).toBe('305419896123456789');
    expect(sqlLiteral(-9223372036854775808n)).toBe('-9223372036854775808');
    expect(sqlLiteral(true)).toBe('TRUE');
    expect(sqlLiteral(false)).toBe('FALSE');
    expect(sqlLiteral(null)).toBe('NULL');
  });

  test('NaN, Infinity, NUL characters and other types are UsageErrors', () => {
    expect(usageError(() => sqlLiteral(Number.NaN))).toBe('INVALID_PARAMETER');
    expect(usageError(() => sqlLiteral(Number.POSITIVE_INFINITY))).toBe('INVALID_PARAMETER');
    expect(usageError(() => sqlLiteral(Number.NEGATIVE_INFINITY))).toBe('INVALID_PARAMETER');
    expect(usageError(() => sqlLiteral('a\u0000b'))).toBe('INVALID_PARAMETER');
    expect(usageError(() => sqlLiteral({} as unknown as null))).toBe('INVALID_PARAMETER');
    expect(usageError(() => sqlLiteral(undefined as unknown as null))).toBe('INVALID_PARAMETER');
  });
});

describe('bindParams', () => {
  test('replaces placeholders in order of their numbers', () => {
    expect(bindParams('SELECT * FROM app.t WHERE a = $2 AND b = $1', ['x', 5])).toBe("SELECT * FROM app.t WHERE a = 5 AND b = 'x'");
    expect(bindParams('SELECT * FROM app.t WHERE a = $1 OR b = $1', [null])).toBe('SELECT * FROM app.t WHERE a = NULL OR b = NULL');
    expect(bindParams('SELECT 1', undefined)).toBe('SELECT 1');
  });

  test('$10 is parameter ten, not $1 followed by 0', () => {
    const params = Array.from({ length: 10 }, (_, i) => i + 1);
    const sql = `SELECT ${params.map((n) => `$${n}`).reverse().join(', ')}`;
    expect(bindParams(sql, params)).toBe('SELECT 10, 9, 8, 7, 6, 5, 4, 3, 2, 1');
  });

  test('skips string literals, quoted identifiers, comments and dollar quotes', () => {
    expect(bindParams("SELECT '$1', \"$1\", $1 -- $1\n, /* $1 /* nested $1 */ $1 */ $1", ['v'])).toBe(
      "SELECT '$1', \"$1\", 'v' -- $1\n, /* $1 /* nested $1 */ $1 */ 'v'",
    );
    expect(bindParams("SELECT 'it''s $1', $1", [1])).toBe("SELECT 'it''s $1', 1");
    expect(bindParams("SELECT E'\\' $1', $1", [2])).toBe("SELECT E'\\' $1', 2");
    expect(bindParams('SELECT $$ $1 $$, $tag$ $1 $tag$, $1', [3])).toBe('SELECT $$ $1 $$, $tag$ $1 $tag$, 3');
    expect(bindParams('SELECT "a""$1", $1', [4])).toBe('SELECT "a""$1", 4');
  });

  test('a backslash in a plain string does not escape the closing quote', () => {
    expect(bindParams("SELECT 'a\\', $1", [5])).toBe("SELECT 'a\\', 5");
  });

  test('a negative value after a minus sign does not become a -- comment', () => {
    // `a = -$1` with -5 must not read `a = --5 AND b = 'x'` (the rest of the line commented out)
    expect(bindParams("SELECT * FROM app.t WHERE a = -$1 AND b = $2", [-5, 'x'])).toBe("SELECT * FROM app.t WHERE a = - -5 AND b = 'x'");
    expect(bindParams('SELECT * FROM app.t WHERE a = 1-$1', [-9007199254740993n])).toBe('SELECT * FROM app.t WHERE a = 1- -9007199254740993');
    expect(bindParams('SELECT * FROM app.t WHERE a = -$1', [5])).toBe('SELECT * FROM app.t WHERE a = -5');
  });

  test('identifiers containing $ are not placeholders', () => {
    expect(bindParams('SELECT col$1, $1 FROM t', [6])).toBe('SELECT col$1, 6 FROM t');
  });

  test('missing, extra and zero-numbered parameters are UsageErrors', () => {
    expect(usageError(() => bindParams('SELECT $2', [1]))).toBe('INVALID_PARAMETER');
    expect(usageError(() => bindParams('SELECT $0', [1]))).toBe('INVALID_PARAMETER');
    expect(usageError(() => bindParams('SELECT $1', [1, 2]))).toBe('INVALID_PARAMETER');
    expect(usageError(() => bindParams('SELECT $1', []))).toBe('INVALID_PARAMETER');
  });

  test('property: a bound string literal reads back as the original value', () => {
    // A tiny reader for standard SQL string literals: the inverse of sqlLiteral.
    const readLiteral = (sql: string): string => {
      expect(sql.startsWith("'") && sql.endsWith("'")).toBe(true);
      const body = sql.slice(1, -1);
      expect(/(^|[^'])'([^']|$)/.test(body.replaceAll("''", ''))).toBe(false);
      return body.replaceAll("''", "'");
    };
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\u0000')), (s) => {
        expect(readLiteral(bindParams('$1', [s]))).toBe(s);
      }),
      { numRuns: 500 },
    );
  });

  test('property: placeholders inside literals survive, outside ones are replaced', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)), { minLength: 1, maxLength: 5 }), (values) => {
        const sql = values.map((_, i) => `$${i + 1}`).join(', ');
        const clean = values.map((v) => (typeof v === 'string' ? v.replaceAll('\u0000', '') : v));
        expect(bindParams(`SELECT '$1', ${sql} -- $1`, clean)).toBe(`SELECT '$1', ${clean.map(sqlLiteral).join(', ')} -- $1`);
      }),
      { numRuns: 200 },
    );
  });
});
