import type { KalamDataType } from './types.js';

export interface MappedType {
  /** PostgreSQL type as written in DDL. */
  readonly pgSql: string;
  /** PostgreSQL type name as reported by the catalog (`int8`, `timestamptz`, `_float4`, ...). */
  readonly pgType: string;
  readonly dataType: KalamDataType;
}

/** Maps a KalamDB column type (as written in CREATE TABLE) to PostgreSQL; undefined when unsupported. */
export function mapKalamType(typeText: string): MappedType | undefined {
  const t = typeText.trim().toUpperCase().replace(/\s+/g, ' ').replace(/\s*\(\s*/g, '(').replace(/\s*,\s*/g, ',').replace(/\s*\)/g, ')');
  if (/^(TEXT|STRING|UTF8|VARCHAR(\(\d+\))?|CHAR(\(\d+\))?|CHARACTER VARYING(\(\d+\))?|CHARACTER(\(\d+\))?)$/.test(t)) {
    return { pgSql: 'text', pgType: 'text', dataType: 'Text' };
  }
  if (/^(INT|INTEGER|INT4|INT32)$/.test(t)) return { pgSql: 'int4', pgType: 'int4', dataType: 'Int' };
  if (/^(SMALLINT|INT2|INT16|TINYINT)$/.test(t)) return { pgSql: 'int2', pgType: 'int2', dataType: 'SmallInt' };
  if (/^(BIGINT|INT8|INT64)$/.test(t)) return { pgSql: 'int8', pgType: 'int8', dataType: 'BigInt' };
  if (/^(BOOLEAN|BOOL)$/.test(t)) return { pgSql: 'boolean', pgType: 'bool', dataType: 'Boolean' };
  if (/^(DOUBLE|DOUBLE PRECISION|FLOAT8|FLOAT64)$/.test(t)) return { pgSql: 'float8', pgType: 'float8', dataType: 'Double' };
  if (/^(FLOAT|REAL|FLOAT4|FLOAT32)$/.test(t)) return { pgSql: 'float4', pgType: 'float4', dataType: 'Float' };
  if (/^(TIMESTAMP(\(\d\))?( WITH(OUT)? TIME ZONE)?|TIMESTAMPTZ(\(\d\))?)$/.test(t)) {
    return { pgSql: 'timestamptz', pgType: 'timestamptz', dataType: 'Timestamp' };
  }
  if (t === 'DATETIME') return { pgSql: 'timestamptz', pgType: 'timestamptz', dataType: 'DateTime' };
  if (t === 'DATE') return { pgSql: 'date', pgType: 'date', dataType: 'Date' };
  if (/^TIME(\(\d\))?( WITHOUT TIME ZONE)?$/.test(t)) return { pgSql: 'time', pgType: 'time', dataType: 'Time' };
  if (/^(JSON|JSONB)$/.test(t)) return { pgSql: 'jsonb', pgType: 'jsonb', dataType: 'Json' };
  if (t === 'UUID') return { pgSql: 'uuid', pgType: 'uuid', dataType: 'Uuid' };
  if (/^(BYTES|BYTEA|BLOB|BINARY|VARBINARY)$/.test(t)) return { pgSql: 'bytea', pgType: 'bytea', dataType: 'Bytes' };
  if (t === 'FILE') return { pgSql: 'text', pgType: 'text', dataType: 'File' };
  const dec = /^(DECIMAL|NUMERIC)(?:\((\d+)(?:,(\d+))?\))?$/.exec(t);
  if (dec) {
    const precision = Math.min(Number(dec[2] ?? 38), 1000);
    const scale = Math.min(Number(dec[3] ?? (dec[2] === undefined ? 10 : 0)), precision);
    if (precision < 1) return undefined;
    return { pgSql: `numeric(${precision},${scale})`, pgType: 'numeric', dataType: { Decimal: { precision, scale } } };
  }
  const emb = /^EMBEDDING\((\d+)\)$/.exec(t);
  if (emb) {
    const dim = Number(emb[1]);
    if (dim < 1 || dim > 65535) return undefined;
    return { pgSql: 'float4[]', pgType: '_float4', dataType: { Embedding: dim } };
  }
  return undefined;
}
