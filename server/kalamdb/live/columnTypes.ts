/**
 * Comparison domains for the live filter: how a column's wire cells (spec §1.4) and SQL literals
 * compare, exactly as PostgreSQL (PGlite, C collation, UTC) compares the stored values.
 * Each literal is normalized once at subscribe time into a comparison key and into SQL text, so the
 * initial load (SQL) and live changes (JS) apply the same condition.
 */
import type { Cell, ColumnInfo } from '../../engine/types.js';
import { quoteLiteral } from '../../engine/quoteIdent.js';

export type TypeClass = 'decimal' | 'float4' | 'float8' | 'text' | 'uuid' | 'bool' | 'timestamp' | 'date' | 'time';

/** A literal converted for one column's domain: `key` for JS comparison, `sql` for the load query. */
export interface TypedLiteral {
  readonly key: string | number | boolean;
  readonly sql: string;
}

/** A SQL literal as written: its kind and its source text (numbers keep every digit). */
export type RawLiteral =
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'boolean'; readonly value: boolean };

export class LiteralError extends Error {}

export function typeClassOf(column: ColumnInfo): TypeClass | undefined {
  const t = column.dataType;
  if (typeof t !== 'string') return 'Decimal' in t ? 'decimal' : undefined;
  switch (t) {
    case 'SmallInt':
    case 'Int':
    case 'BigInt':
      return 'decimal';
    case 'Float':
      return 'float4';
    case 'Double':
      return 'float8';
    case 'Text':
      return 'text';
    case 'Uuid':
      return 'uuid';
    case 'Boolean':
      return 'bool';
    case 'Timestamp':
    case 'DateTime':
      return 'timestamp';
    case 'Date':
      return 'date';
    case 'Time':
      return 'time';
    default:
      return undefined;
  }
}

const DECIMAL = /^[+-]?\d+(\.\d+)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;

/** Converts a literal for a column of class `cls`; throws LiteralError when it cannot be compared exactly. */
export function typedLiteral(cls: TypeClass, raw: RawLiteral): TypedLiteral {
  switch (cls) {
    case 'decimal': {
      if (raw.kind !== 'number' || !DECIMAL.test(raw.text)) throw new LiteralError('expects a plain decimal number literal');
      const key = normalizeDecimal(raw.text);
      return { key, sql: key };
    }
    case 'float4':
    case 'float8': {
      if (raw.kind !== 'number' || !DECIMAL.test(raw.text)) throw new LiteralError('expects a plain number literal');
      return { key: Number(raw.text), sql: normalizeDecimal(raw.text) };
    }
    case 'text':
      if (raw.kind !== 'string') throw new LiteralError('expects a string literal');
      return { key: raw.value, sql: quoteLiteral(raw.value) };
    case 'uuid': {
      const v = raw.kind === 'string' ? raw.value.toLowerCase() : '';
      if (!UUID.test(v)) throw new LiteralError("expects a UUID string literal ('xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx')");
      return { key: v, sql: `${quoteLiteral(v)}::uuid` };
    }
    case 'bool':
      if (raw.kind !== 'boolean') throw new LiteralError('expects TRUE or FALSE');
      return { key: raw.value, sql: raw.value ? 'TRUE' : 'FALSE' };
    case 'timestamp': {
      const us = raw.kind === 'string' ? parseTimestampMicros(raw.value) : undefined;
      if (us === undefined) throw new LiteralError("expects a timestamp string literal such as '2024-01-31T12:00:00Z'");
      return { key: us, sql: quoteLiteral(formatTimestampMicros(us)) };
    }
    case 'date': {
      const m = raw.kind === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw.value) : null;
      const days = m ? civilDays(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
      if (days === undefined) throw new LiteralError("expects a date string literal such as '2024-01-31'");
      return { key: days, sql: `${quoteLiteral(raw.kind === 'string' ? raw.value : '')}::date` };
    }
    case 'time': {
      const m = raw.kind === 'string' ? TIME.exec(raw.value) : null;
      if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) {
        throw new LiteralError("expects a time string literal such as '13:45:00'");
      }
      const us = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1e6 + fractionMicros(m[4]);
      return { key: us, sql: `${quoteLiteral(raw.kind === 'string' ? raw.value : '')}::time` };
    }
  }
}

/** Compares a wire cell with a literal key; null when the cell is NULL (SQL unknown). */
export function compareCell(cls: TypeClass, cell: Cell | undefined, key: string | number | boolean): number | null {
  if (cell === null || cell === undefined) return null;
  switch (cls) {
    case 'decimal': {
      const v = typeof cell === 'number' ? numberToDecimal(cell) : typeof cell === 'string' && DECIMAL.test(cell) ? cell : undefined;
      return v === undefined ? null : compareDecimal(normalizeDecimal(v), key as string);
    }
    case 'float4':
    case 'float8': {
      const n = toFloat(cell);
      if (n === undefined) return null;
      return compareFloat(cls === 'float4' ? Math.fround(n) : n, key as number);
    }
    case 'text':
      return typeof cell === 'string' ? compareCodePoints(cell, key as string) : null;
    case 'uuid':
      return typeof cell === 'string' ? compareCodePoints(cell.toLowerCase(), key as string) : null;
    case 'bool':
      return typeof cell === 'boolean' ? Number(cell) - Number(key) : null;
    case 'timestamp':
    case 'date':
    case 'time': {
      const n = typeof cell === 'number' ? cell : typeof cell === 'string' && /^-?\d+$/.test(cell) ? Number(cell) : undefined;
      return n === undefined ? null : Math.sign(n - (key as number));
    }
  }
}

function toFloat(cell: Cell): number | undefined {
  if (typeof cell === 'number') return cell;
  if (typeof cell !== 'string') return undefined;
  if (cell === 'NaN') return NaN;
  if (cell === 'Infinity') return Infinity;
  if (cell === '-Infinity') return -Infinity;
  return DECIMAL.test(cell) || /^[+-]?\d+(\.\d+)?e[+-]?\d+$/i.test(cell) ? Number(cell) : undefined;
}

/** PostgreSQL float order: NaN equals NaN and sorts above every other value. */
function compareFloat(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function numberToDecimal(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  if (Number.isInteger(n)) return BigInt(n).toString();
  const s = String(n);
  return DECIMAL.test(s) ? s : undefined;
}

/** `-00012.3400` → `-12.34`; `-0` → `0`. Input matches DECIMAL. */
export function normalizeDecimal(text: string): string {
  let s = text;
  let neg = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    neg = s.startsWith('-');
    s = s.slice(1);
  }
  let [int = '0', frac = ''] = s.split('.');
  int = int.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return neg && body !== '0' ? `-${body}` : body;
}

/** Exact comparison of two normalized decimal strings. */
export function compareDecimal(a: string, b: string): number {
  const na = a.startsWith('-');
  const nb = b.startsWith('-');
  if (na !== nb) return na ? -1 : 1;
  const mag = compareMagnitude(na ? a.slice(1) : a, nb ? b.slice(1) : b);
  return na ? -mag : mag;
}

function compareMagnitude(a: string, b: string): number {
  const [ai = '0', af = ''] = a.split('.');
  const [bi = '0', bf = ''] = b.split('.');
  if (ai.length !== bi.length) return ai.length < bi.length ? -1 : 1;
  if (ai !== bi) return ai < bi ? -1 : 1;
  const len = Math.max(af.length, bf.length);
  const pa = af.padEnd(len, '0');
  const pb = bf.padEnd(len, '0');
  return pa === pb ? 0 : pa < pb ? -1 : 1;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Byte order of UTF-8 (C collation) = code point order; differs from UTF-16 order only around surrogates. */
export function compareCodePoints(a: string, b: string): number {
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const ca = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const cb = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = (ca[i] ?? 0) - (cb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return Math.sign(ca.length - cb.length);
}

function fractionMicros(frac: string | undefined): number {
  return frac ? Number(frac.padEnd(6, '0')) : 0;
}

/** Days since 1970-01-01 of a valid calendar date, else undefined. */
function civilDays(y: number, m: number, d: number): number | undefined {
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return undefined;
  return ms / 86_400_000;
}

/** ISO-like timestamp text → µs since the Unix epoch; no zone means UTC (the dev server's TimeZone). */
export function parseTimestampMicros(text: string): number | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const days = civilDays(Number(m[1]), Number(m[2]), Number(m[3]));
  const [h, mi, s] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (days === undefined || h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMin = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 15 || om > 59) return undefined;
    offsetMin = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const seconds = days * 86_400 + h * 3600 + mi * 60 + s - offsetMin * 60;
  return seconds * 1e6 + fractionMicros(m[7]);
}

/** µs since the epoch → `2024-01-31 12:00:00.000001+00`. */
export function formatTimestampMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  const iso = new Date(ms).toISOString(); // 2024-01-31T12:00:00.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(micros).padStart(3, '0')}+00`;
}
