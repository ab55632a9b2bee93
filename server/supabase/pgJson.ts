/**
 * Wire cells (KalamDB encoding: BIGINT as string, timestamps as µs, dates as days, …) → the JSON
 * that Postgres' `row_to_json` (PostgREST, realtime records) produces, so a row read over `/rest/v1`
 * equals the same row in a postgres_changes record. Exceptions, so no digit is lost: `int8` and
 * `numeric` values a JS number cannot hold exactly stay strings (realtime-js converts string
 * numerics with parseFloat; livebind's driver keeps them).
 */
import type { Cell, ColumnInfo, WireRow } from '../engine/types.js';

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** µs since the epoch → `2026-01-01T12:00:00.123456` (fraction trimmed like PostgreSQL). */
function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  const iso = new Date(ms).toISOString();
  const frac = `${iso.slice(20, 23)}${pad(micros, 3)}`.replace(/0+$/, '');
  return `${iso.slice(0, 19)}${frac === '' ? '' : `.${frac}`}`;
}

function timeOfDay(us: number): string {
  const s = Math.floor(us / 1e6);
  const frac = String(us - s * 1e6).padStart(6, '0').replace(/0+$/, '');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}${frac === '' ? '' : `.${frac}`}`;
}

function exactNumber(text: string): number | string {
  const n = Number(text);
  if (!Number.isFinite(n) || text.trim() === '') return text;
  if (Number.isInteger(n)) return Number.isSafeInteger(n) && BigInt(n).toString() === text.replace(/^\+/, '') ? n : text;
  const normalized = text.replace(/^(-?)0+(?=\d)/, '$1').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return String(n) === normalized ? n : text;
}

export function pgJsonValue(pgType: string, cell: Cell | undefined): unknown {
  if (cell === null || cell === undefined) return null;
  if (pgType.startsWith('_')) return Array.isArray(cell) ? cell.map((v) => pgJsonValue(pgType.slice(1), v as Cell)) : cell;
  switch (pgType) {
    case 'int8':
    case 'numeric':
      return typeof cell === 'string' ? exactNumber(cell) : cell;
    case 'timestamptz':
      return typeof cell === 'number' ? `${isoMicros(cell)}+00:00` : cell;
    case 'timestamp':
      return typeof cell === 'number' ? isoMicros(cell) : cell;
    case 'date':
      return typeof cell === 'number' ? new Date(cell * 86_400_000).toISOString().slice(0, 10) : cell;
    case 'time':
      return typeof cell === 'number' ? timeOfDay(cell) : cell;
    case 'bytea':
      return Array.isArray(cell) ? `\\x${cell.map((b) => (Number(b) & 255).toString(16).padStart(2, '0')).join('')}` : cell;
    default:
      return cell;
  }
}

/** The user columns of a wire row as a Postgres JSON object (system columns `_seq`/`_deleted` left out). */
export function pgJsonRow(columns: readonly ColumnInfo[], row: WireRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) if (!c.system) out[c.name] = pgJsonValue(c.pgType, row[c.name]);
  return out;
}
