import { describe, expect, it } from 'vitest';
import { convertCell, parsePgArray } from '../../../src/protocol/supabase/convertCell.js';
import { decodePostgresChange } from '../../../src/protocol/supabase/postgresChange.js';

describe('postgres_changes decoding (§3.8)', () => {
  it('decodes the spec example', () => {
    const change = decodePostgresChange({
      ids: [81391024],
      data: {
        schema: 'public',
        table: 'todos',
        commit_timestamp: '2026-01-01T12:00:00.123Z',
        type: 'UPDATE',
        columns: [
          { name: 'id', type: 'int8' },
          { name: 'done', type: 'bool' },
        ],
        record: { id: 1, done: true },
        old_record: { id: 1 },
        errors: null,
      },
    });
    expect(change).toEqual({
      ids: [81391024],
      type: 'UPDATE',
      schema: 'public',
      table: 'todos',
      commitTimestamp: '2026-01-01T12:00:00.123Z',
      columns: [
        { name: 'id', type: 'int8' },
        { name: 'done', type: 'bool' },
      ],
      record: { id: 1, done: true },
      oldRecord: { id: 1 },
      errors: null,
    });
  });

  it('converts string cells by column type', () => {
    const change = decodePostgresChange({
      ids: [1],
      data: {
        schema: 'public',
        table: 't',
        type: 'insert',
        columns: [
          { name: 'b', type: 'bool' },
          { name: 'n', type: 'int4' },
          { name: 'f', type: 'float8' },
          { name: 'j', type: 'jsonb' },
          { name: 'a', type: '_text' },
          { name: 'ts', type: 'timestamp' },
          { name: 'big', type: 'int8' },
        ],
        record: { b: 't', n: '42', f: '1.5', j: '{"k":[1]}', a: '{x,"y z",NULL}', ts: '2026-01-01 12:00:00', big: '9007199254740993' },
      },
    });
    expect(change).toMatchObject({
      type: 'INSERT',
      record: { b: true, n: 42, f: 1.5, j: { k: [1] }, a: ['x', 'y z', null], ts: '2026-01-01T12:00:00', big: '9007199254740993' },
      oldRecord: undefined,
    });
  });

  it('keeps a __proto__ column as data', () => {
    const change = decodePostgresChange(JSON.parse('{"ids":[1],"data":{"schema":"public","table":"t","type":"INSERT","columns":[],"record":{"__proto__":{"polluted":true}}}}'));
    expect(Object.getPrototypeOf((change as { record: object }).record)).toBe(Object.prototype);
    expect(Object.keys((change as { record: object }).record)).toEqual(['__proto__']);
  });

  it('rejects payloads of the wrong shape with a ProtocolError value', () => {
    for (const bad of [null, {}, { data: { type: 'TRUNCATE', schema: 's', table: 't' } }, { data: { type: 'INSERT', schema: 's', table: 't' } }, { data: { type: 'DELETE', schema: 's', table: 't' } }]) {
      expect(decodePostgresChange(bad)).toMatchObject({ kind: 'protocol', code: 'MALFORMED_FRAME' });
    }
  });
});

describe('cell conversion', () => {
  it('passes typed JSON through and keeps text it cannot convert', () => {
    expect(convertCell('int4', 7)).toBe(7);
    expect(convertCell('int4', 'x')).toBe('x');
    expect(convertCell('jsonb', '{')).toBe('{');
    expect(convertCell('bool', 'maybe')).toBe('maybe');
    expect(convertCell('_int4', '{1,2,NULL}')).toEqual([1, 2, null]);
    expect(convertCell('numeric', '1.25')).toBe(1.25);
    expect(convertCell('text', '12')).toBe('12');
  });

  it('parses array literals', () => {
    expect(parsePgArray('{}')).toEqual([]);
    expect(parsePgArray('{"a\\"b",c}')).toEqual(['a"b', 'c']);
    expect(parsePgArray('{{1,2},{3}}')).toEqual(['{1,2}', '{3}']);
    expect(parsePgArray('nope')).toBeUndefined();
    expect(parsePgArray('{"open}')).toBeUndefined();
  });
});
