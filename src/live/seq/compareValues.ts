/**
 * Type-aware, exact, total ordering of cell values for `orderBy`.
 *
 * Families, in this order when two values of different families meet:
 *   boolean (false < true)  <  numeric  <  string  <  other (compared by `String(value)`).
 * - numeric: `number`, `bigint`, `Date` (its epoch milliseconds) and decimal-looking strings
 *   (`/^-?\d+(\.\d+)?$/`, e.g. BIGINT/NUMERIC cells sent as `"123"`, `"-5"`, `"10.50"`). They compare
 *   by exact numeric value; decimal strings are compared digit-wise (sign, integer length, digits,
 *   fraction) with no BigInt or Number parsing per compare. Order: -Infinity < finite < Infinity < NaN.
 *   Numerically equal values of different spelling ("7" vs "007", 1 vs 1n) then compare by
 *   family-internal spelling so the order stays total and deterministic.
 * - string: UTF-16 code unit order (`<`), i.e. JavaScript's default, not a locale collation; this
 *   matches Postgres `COLLATE "C"`, and ISO-8601 timestamps sort chronologically.
 * - `null` / `undefined` are not handled here: the row comparator places them (see OrderSpec.nulls).
 */

const FAMILY_BOOLEAN = 0;
const FAMILY_NUMERIC = 1;
const FAMILY_STRING = 2;
const FAMILY_OTHER = 3;

const CH_0 = 48;
const CH_9 = 57;
const CH_MINUS = 45;
const CH_DOT = 46;

/** True when `s` matches /^-?\d+(\.\d+)?$/ (checked by hand: no regex per compare). */
export function isDecimalString(s: string): boolean {
  const n = s.length;
  let i = s.charCodeAt(0) === CH_MINUS ? 1 : 0;
  const digitsStart = i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < CH_0 || c > CH_9) break;
    i++;
  }
  if (i === digitsStart) return false;
  if (i === n) return true;
  if (s.charCodeAt(i) !== CH_DOT) return false;
  i++;
  const fracStart = i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < CH_0 || c > CH_9) return false;
    i++;
  }
  return i > fracStart;
}

function familyOf(v: unknown): number {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return FAMILY_NUMERIC;
    case 'string':
      return isDecimalString(v) ? FAMILY_NUMERIC : FAMILY_STRING;
    case 'boolean':
      return FAMILY_BOOLEAN;
    default:
      return v instanceof Date ? FAMILY_NUMERIC : FAMILY_OTHER;
  }
}

/** Compare two decimal-looking strings numerically. Returns <0, 0, >0. */
export function compareDecimalStrings(a: string, b: string): number {
  const aNeg = a.charCodeAt(0) === CH_MINUS;
  const bNeg = b.charCodeAt(0) === CH_MINUS;
  const aZero = isZeroDecimal(a, aNeg ? 1 : 0);
  const bZero = isZeroDecimal(b, bNeg ? 1 : 0);
  const aSign = aZero ? 0 : aNeg ? -1 : 1;
  const bSign = bZero ? 0 : bNeg ? -1 : 1;
  if (aSign !== bSign) return aSign - bSign;
  if (aSign === 0) return 0;
  const mag = compareMagnitudes(a, aNeg ? 1 : 0, b, bNeg ? 1 : 0);
  return aSign < 0 ? -mag : mag;
}

function isZeroDecimal(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== CH_0 && c !== CH_DOT) return false;
  }
  return true;
}

/** Compare |a| and |b| for unsigned decimal digit runs starting at `ai` / `bi`. */
function compareMagnitudes(a: string, ai: number, b: string, bi: number): number {
  // Skip leading zeros of the integer part.
  while (ai < a.length - 1 && a.charCodeAt(ai) === CH_0 && a.charCodeAt(ai + 1) !== CH_DOT) ai++;
  while (bi < b.length - 1 && b.charCodeAt(bi) === CH_0 && b.charCodeAt(bi + 1) !== CH_DOT) bi++;
  let aDot = a.indexOf('.', ai);
  let bDot = b.indexOf('.', bi);
  if (aDot < 0) aDot = a.length;
  if (bDot < 0) bDot = b.length;
  const aIntLen = aDot - ai;
  const bIntLen = bDot - bi;
  if (aIntLen !== bIntLen) return aIntLen - bIntLen;
  for (let k = 0; k < aIntLen; k++) {
    const d = a.charCodeAt(ai + k) - b.charCodeAt(bi + k);
    if (d !== 0) return d;
  }
  // Fractions: digit-wise, a missing digit counts as 0 (so "1.5" equals "1.50").
  const aFracLen = a.length - aDot - 1;
  const bFracLen = b.length - bDot - 1;
  const len = Math.max(aFracLen, bFracLen);
  for (let k = 0; k < len; k++) {
    const da = k < aFracLen ? a.charCodeAt(aDot + 1 + k) : CH_0;
    const db = k < bFracLen ? b.charCodeAt(bDot + 1 + k) : CH_0;
    if (da !== db) return da - db;
  }
  return 0;
}

/** Rank of a non-finite number relative to finite numerics: -1 (-Inf), 1 (+Inf), 2 (NaN), 0 finite. */
function nonFiniteRank(v: number): number {
  if (v === Infinity) return 1;
  if (v === -Infinity) return -1;
  return Number.isNaN(v) ? 2 : 0;
}

/** Exact decimal spelling of a finite number (used only when a number meets a string/bigint). */
function numberToDecimal(v: number): string {
  if (Number.isInteger(v)) return BigInt(v).toString();
  const s = String(v);
  if (!s.includes('e')) return s;
  // Tiny magnitudes such as 1e-7: spell out with enough digits for the double's precision.
  return v.toFixed(Math.min(100, 20 + Math.ceil(-Math.log10(Math.abs(v)))));
}

function compareNumeric(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    return nonFiniteRank(a) - nonFiniteRank(b);
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') {
    const c = compareDecimalStrings(a, b);
    return c !== 0 ? c : a < b ? -1 : a > b ? 1 : 0;
  }
  // Mixed representations (rare): normalise to exact decimal strings.
  const na = a instanceof Date ? a.getTime() : a;
  const nb = b instanceof Date ? b.getTime() : b;
  if (typeof na === 'number' && typeof nb === 'number') {
    const c = compareNumeric(na, nb);
    return c !== 0 ? c : spellingRank(a) - spellingRank(b);
  }
  const ra = typeof na === 'number' ? nonFiniteRank(na) : 0;
  const rb = typeof nb === 'number' ? nonFiniteRank(nb) : 0;
  if (ra !== 0 || rb !== 0) return ra - rb;
  const c = compareDecimalStrings(toDecimal(na), toDecimal(nb));
  return c !== 0 ? c : spellingRank(a) - spellingRank(b);
}

function toDecimal(v: unknown): string {
  return typeof v === 'number' ? numberToDecimal(v) : String(v);
}

/** Tie-break between numerically equal values of different representation. */
function spellingRank(v: unknown): number {
  return typeof v === 'number' ? 0 : typeof v === 'bigint' ? 1 : v instanceof Date ? 2 : 3;
}

/** Total order on non-null cell values (see the module comment). Returns <0, 0, >0. */
export function compareValues(a: unknown, b: unknown): number {
  // Fast paths for the common same-type cases.
  if (typeof a === 'number' && typeof b === 'number') return compareNumeric(a, b);
  const fa = familyOf(a);
  const fb = familyOf(b);
  if (fa !== fb) return fa - fb;
  switch (fa) {
    case FAMILY_NUMERIC:
      return compareNumeric(a, b);
    case FAMILY_BOOLEAN:
      return a === b ? 0 : a ? 1 : -1;
    case FAMILY_STRING:
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    default: {
      const sa = String(a);
      const sb = String(b);
      return sa < sb ? -1 : sa > sb ? 1 : 0;
    }
  }
}
