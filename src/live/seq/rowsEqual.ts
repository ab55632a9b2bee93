/**
 * Row equality used to keep identity: same own enumerable keys, each value equal by `Object.is`,
 * or (for cells holding JSON columns / timestamps that arrive as fresh objects on every message)
 * structurally equal plain arrays / plain objects, or Dates with the same time.
 */
export function rowsEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return sameOwnEntries(a as Record<string, unknown>, b as Record<string, unknown>, 0);
}

const hasOwn = Object.hasOwn;

/** Same own enumerable keys with equal cells; no key arrays allocated (rows are compared per upsert). */
function sameOwnEntries(ra: Record<string, unknown>, rb: Record<string, unknown>, depth: number): boolean {
  let count = 0;
  for (const k in ra) {
    if (!hasOwn(ra, k)) continue;
    if (!hasOwn(rb, k) || !cellsEqual(ra[k], rb[k], depth)) return false;
    count++;
  }
  for (const k in rb) if (hasOwn(rb, k) && --count < 0) return false;
  return count === 0;
}

const MAX_DEPTH = 32;

function cellsEqual(a: unknown, b: unknown, depth: number): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth >= MAX_DEPTH) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!cellsEqual(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (!isPlain(a) || !isPlain(b)) return false;
  return sameOwnEntries(a as Record<string, unknown>, b as Record<string, unknown>, depth + 1);
}

function isPlain(v: object): boolean {
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}
