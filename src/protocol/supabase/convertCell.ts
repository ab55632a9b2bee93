/**
 * String cells of a postgres_changes record, converted by column type (spec §3.8), as realtime-js
 * does: `bool` from `t`/`f`, numerics to numbers, `json`/`jsonb` parsed, `_type` arrays from `{a,b}`,
 * `timestamp` with `T`. Typed JSON (non-strings) passes through. Two differences, both so a row from
 * a change equals the same row read over /rest/v1: `int8` and `numeric` stay strings when a JS number
 * would round them, and unparsable input is kept as the server sent it instead of becoming NaN.
 */
const NUMERIC = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid', 'money']);
const EXACT = new Set(['int8', 'numeric']);

export function convertCell(type: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (type.startsWith('_')) {
    const items = parsePgArray(value);
    return items === undefined ? value : items.map((item) => (item === null ? null : convertCell(type.slice(1), item)));
  }
  switch (type) {
    case 'bool':
      return value === 't' || value === 'true' ? true : value === 'f' || value === 'false' ? false : value;
    case 'json':
    case 'jsonb':
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    case 'timestamp':
      return value.replace(' ', 'T');
    default:
      return NUMERIC.has(type) ? toNumber(type, value) : value;
  }
}

function toNumber(type: string, text: string): number | string {
  const n = Number(text);
  if (text.trim() === '' || Number.isNaN(n)) return text;
  if (EXACT.has(type) && !Number.isSafeInteger(n) && !(Number.isFinite(n) && String(n) === text)) return text;
  return n;
}

/**
 * A one-dimensional Postgres array literal (`{a,"b c",NULL}`) → its elements (strings or null);
 * undefined when it is not one. Nested arrays are kept as their literal text.
 */
export function parsePgArray(text: string): (string | null)[] | undefined {
  if (!text.startsWith('{') || !text.endsWith('}')) return undefined;
  const body = text.slice(1, -1);
  if (body === '') return [];
  const items: (string | null)[] = [];
  let i = 0;
  while (i <= body.length) {
    if (body[i] === '"') {
      let item = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        item += body[i] ?? '';
        i++;
      }
      if (i >= body.length) return undefined;
      items.push(item);
      i++;
    } else {
      let depth = 0;
      const start = i;
      while (i < body.length && (depth > 0 || body[i] !== ',')) {
        if (body[i] === '{') depth++;
        else if (body[i] === '}') depth--;
        i++;
      }
      const raw = body.slice(start, i).trim();
      items.push(raw.toUpperCase() === 'NULL' ? null : raw);
    }
    if (i < body.length && body[i] !== ',') return undefined;
    i++;
  }
  return items;
}
