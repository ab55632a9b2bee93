import { describe, expect, it } from 'vitest';
import { dataTypeForPgType, encodeCell, parsePgArray, timestampToMicros } from '../../server/engine/cellEncoding.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../server/engine/quoteIdent.js';

describe('encodeCell (§1.4)', () => {
  it('encodes BIGINT as decimal strings and small ints as numbers', () => {
    expect(encodeCell('int8', '9007199254740993')).toBe('9007199254740993');
    expect(encodeCell('int4', '-42')).toBe(-42);
    expect(encodeCell('int2', '7')).toBe(7);
    expect(encodeCell('float8', '1.5')).toBe(1.5);
    expect(encodeCell('float8', 'NaN')).toBe('NaN');
    expect(encodeCell('numeric', '200.75')).toBe('200.75');
  });

  it('encodes timestamps as integer microseconds from both text forms', () => {
    expect(encodeCell('timestamptz', '2024-01-01 00:00:00.123456+00')).toBe(1704067200123456);
    expect(encodeCell('timestamptz', '2024-01-01T00:00:00.123456+00:00')).toBe(1704067200123456);
    expect(encodeCell('timestamptz', '2024-01-01 02:00:00+02')).toBe(1704067200000000);
    expect(encodeCell('timestamp', '1970-01-01T00:00:01.5')).toBe(1_500_000);
    const y99 = new Date(0);
    y99.setUTCFullYear(99, 0, 1);
    expect(timestampToMicros('0099-01-01 00:00:00+00')).toBe(y99.getTime() * 1000);
    expect(encodeCell('timestamptz', 'infinity')).toBe('infinity');
  });

  it('encodes booleans, JSON, dates, times, bytes, uuids, arrays and NULL', () => {
    expect(encodeCell('bool', 't')).toBe(true);
    expect(encodeCell('bool', 'false')).toBe(false);
    expect(encodeCell('jsonb', '{"a": [1, null]}')).toEqual({ a: [1, null] });
    expect(encodeCell('date', '1970-01-11')).toBe(10);
    expect(encodeCell('time', '00:00:01.25')).toBe(1_250_000);
    expect(encodeCell('bytea', '\\x0aff')).toEqual([10, 255]);
    expect(encodeCell('uuid', '123e4567-e89b-12d3-a456-426614174000')).toBe('123e4567-e89b-12d3-a456-426614174000');
    expect(encodeCell('_float4', '{1.5,2}')).toEqual([1.5, 2]);
    expect(encodeCell('_float4', '[1.5,2]')).toEqual([1.5, 2]);
    expect(encodeCell('_int8', '{1,NULL}')).toEqual(['1', null]);
    expect(encodeCell('text', null)).toBeNull();
    expect(encodeCell('text', undefined)).toBeNull();
    expect(parsePgArray('{"a b","c\\"d",NULL}')).toEqual(['a b', 'c"d', null]);
  });

  it('maps PostgreSQL types to KalamDB data types', () => {
    expect(dataTypeForPgType('int8')).toBe('BigInt');
    expect(dataTypeForPgType('timestamptz')).toBe('Timestamp');
    expect(dataTypeForPgType('jsonb')).toBe('Json');
    expect(dataTypeForPgType('weird')).toBe('Text');
  });
});

describe('quoting', () => {
  it('quotes identifiers and literals', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteQualified('app', 'default')).toBe('"app"."default"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(() => quoteIdent('')).toThrow();
    expect(() => quoteIdent('x'.repeat(64))).toThrow();
    expect(() => quoteLiteral('a\u0000')).toThrow();
  });
});
