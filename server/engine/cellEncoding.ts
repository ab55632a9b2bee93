import type { Cell, KalamDataType } from './types.js';

/**
 * KalamDB §1.4 cell encoding from PostgreSQL text values. Used for HTTP rows (query results read
 * with raw-text parsers) and for ChangeRecord/readRows rows alike. Accepts both PostgreSQL's text
 * output and the JSON text produced by row_to_json (`T` in timestamps, `true`/`false`, JSON arrays).
 */
export function encodeCell(pgType: string, raw: string | null | undefined): Cell {
  if (raw === null || raw === undefined) return null;
  if (pgType.startsWith('_')) return encodeArray(pgType.slice(1), raw);
  switch (pgType) {
    case 'int8':
    case 'oid':
    case 'xid8':
      return raw;
    case 'int2':
    case 'int4':
      return Number(raw);
    case 'float4':
    case 'float8': {
      const n = Number(raw);
      return Number.isFinite(n) ? n : raw;
    }
    case 'numeric':
      return raw;
    case 'bool':
      return raw === 't' || raw === 'true';
    case 'json':
    case 'jsonb':
      try {
        return JSON.parse(raw) as Cell;
      } catch {
        return raw;
      }
    case 'timestamptz':
    case 'timestamp':
      return timestampToMicros(raw);
    case 'date':
      return dateToDays(raw);
    case 'time':
      return timeToMicros(raw);
    case 'bytea':
      return byteaToArray(raw);
    default:
      return raw;
  }
}

const TS = /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?( BC)?$/;

/** Microseconds since the Unix epoch, or the raw text for values outside the representable range. */
export function timestampToMicros(raw: string): number | string {
  const m = TS.exec(raw);
  if (!m || m[13] !== undefined) return raw;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  const base = d.getTime();
  const frac = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0'));
  let offsetSec = 0;
  if (m[9] !== undefined) {
    offsetSec = (Number(m[10]) * 3600 + Number(m[11] ?? 0) * 60 + Number(m[12] ?? 0)) * (m[9] === '-' ? -1 : 1);
  }
  return (base - offsetSec * 1000) * 1000 + frac;
}

/** Days since 1970-01-01. */
export function dateToDays(raw: string): number | string {
  const m = /^(\d{4,})-(\d{2})-(\d{2})$/.exec(raw);
  if (!m) return raw;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Math.round(d.getTime() / 86_400_000);
}

/** Microseconds since midnight. */
export function timeToMicros(raw: string): number | string {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(raw);
  if (!m) return raw;
  return (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1_000_000 + Number((m[4] ?? '').padEnd(6, '0') || '0');
}

function byteaToArray(raw: string): number[] | string {
  if (!raw.startsWith('\\x')) return raw;
  const out: number[] = [];
  for (let i = 2; i + 1 < raw.length; i += 2) out.push(parseInt(raw.slice(i, i + 2), 16));
  return out;
}

function encodeArray(elementType: string, raw: string): Cell {
  if (raw.startsWith('[')) {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (Array.isArray(parsed)) {
        return parsed.map((v) => (v === null ? null : encodeCell(elementType, typeof v === 'string' ? v : JSON.stringify(v))));
      }
    } catch {
      return raw;
    }
  }
  const items = parsePgArray(raw);
  if (items === undefined) return raw;
  return items.map((v) => encodeCell(elementType, v));
}

/** Parses a one-dimensional PostgreSQL array literal (`{1,2,"a b",NULL}`); undefined otherwise. */
export function parsePgArray(raw: string): (string | null)[] | undefined {
  if (!raw.startsWith('{') || !raw.endsWith('}')) return undefined;
  const body = raw.slice(1, -1);
  if (body.length === 0) return [];
  const out: (string | null)[] = [];
  let i = 0;
  while (i <= body.length) {
    if (body[i] === '{') return undefined;
    if (body[i] === '"') {
      let v = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        v += body[i] ?? '';
        i++;
      }
      i++;
      out.push(v);
    } else {
      let j = body.indexOf(',', i);
      if (j < 0) j = body.length;
      const v = body.slice(i, j);
      out.push(v === 'NULL' ? null : v);
      i = j;
    }
    if (i >= body.length) break;
    i++; // comma
  }
  return out;
}

/** PostgreSQL type OIDs to type names, for query results. */
export const PG_TYPE_BY_OID: Readonly<Record<number, string>> = {
  16: 'bool', 17: 'bytea', 18: 'char', 19: 'name', 20: 'int8', 21: 'int2', 23: 'int4', 25: 'text', 26: 'oid',
  114: 'json', 700: 'float4', 701: 'float8', 705: 'text', 1042: 'bpchar', 1043: 'varchar', 1082: 'date',
  1083: 'time', 1114: 'timestamp', 1184: 'timestamptz', 1186: 'interval', 1266: 'timetz', 1700: 'numeric',
  2950: 'uuid', 3802: 'jsonb', 1000: '_bool', 1005: '_int2', 1007: '_int4', 1009: '_text', 1015: '_varchar',
  1016: '_int8', 1021: '_float4', 1022: '_float8', 1182: '_date', 1115: '_timestamp', 1185: '_timestamptz',
  1231: '_numeric', 2951: '_uuid', 199: '_json', 3807: '_jsonb', 5069: 'xid8',
};

export function pgTypeForOid(oid: number): string {
  return PG_TYPE_BY_OID[oid] ?? 'text';
}

/** The KalamDB data_type for a PostgreSQL type name (catalog columns carry their declared type instead). */
export function dataTypeForPgType(pgType: string): KalamDataType {
  switch (pgType) {
    case 'bool':
      return 'Boolean';
    case 'int2':
      return 'SmallInt';
    case 'int4':
      return 'Int';
    case 'int8':
    case 'oid':
    case 'xid8':
      return 'BigInt';
    case 'float4':
      return 'Float';
    case 'float8':
      return 'Double';
    case 'numeric':
      return { Decimal: { precision: 38, scale: 10 } };
    case 'timestamptz':
    case 'timestamp':
      return 'Timestamp';
    case 'date':
      return 'Date';
    case 'time':
    case 'timetz':
      return 'Time';
    case 'json':
    case 'jsonb':
      return 'Json';
    case 'bytea':
      return 'Bytes';
    case 'uuid':
      return 'Uuid';
    default:
      return 'Text';
  }
}

/** Query parsers that keep every value as PostgreSQL text, so encodeCell sees exactly what the server sent. */
export const RAW_TEXT_PARSERS: Readonly<Record<number, (value: string) => string>> = Object.fromEntries(
  Object.keys(PG_TYPE_BY_OID).map((oid) => [Number(oid), (value: string) => value]),
);
