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
  const mag = compareMagnitudes(a, aNeg ? 1 : 0, b, bNeg ? 1 : 0);
  if (aNeg === bNeg) return aNeg ? -mag : mag;
  // Opposite signs: the negative one is smaller, unless both are zero ("-0" equals "0.00").
  return mag === 0 && isZeroDecimal(b) ? 0 : aNeg ? -1 : 1;
}

function isZeroDecimal(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== CH_0 && c !== CH_DOT && c !== CH_MINUS) return false;
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

/** Code unit order (and `<` on any two values of one kind). Returns -1, 0, 1. */
export function compareOrder<T>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rank of a value relative to finite numerics: -1 (-Infinity), 1 (+Infinity), 2 (NaN), else 0. */
function nonFiniteRank(v: unknown): number {
  if (v === Infinity) return 1;
  if (v === -Infinity) return -1;
  return Number.isNaN(v) ? 2 : 0;
}

/** Exact decimal spelling of a finite number (used only when a number meets a string). */
function numberToDecimal(v: number): string {
  if (Number.isInteger(v)) return BigInt(v).toString();
  const s = String(v);
  if (!s.includes('e')) return s;
  // Tiny magnitudes such as 1e-7: spell out with enough digits for the double's precision.
  return v.toFixed(Math.min(100, 20 + Math.ceil(-Math.log10(Math.abs(v)))));
}

/**
 * Numeric family: Dates become their epoch milliseconds; numbers and bigints compare exactly with
 * `<` (JavaScript compares a bigint and a number by mathematical value); a decimal string against
 * anything goes through exact decimal spellings. Numerically equal values then compare by
 * representation, and two strings by code units ("7" < "007" is false: "0" < "7").
 */
function compareNumeric(a: unknown, b: unknown): number {
  // Two decimal strings (BIGINT / NUMERIC cells): the common case, straight to the digit compare.
  if (typeof a === 'string' && typeof b === 'string') return compareDecimalStrings(a, b) || compareOrder(a, b);
  const na = a instanceof Date ? a.getTime() : (a as number | bigint | string);
  const nb = b instanceof Date ? b.getTime() : (b as number | bigint | string);
  const c =
    typeof na === 'string' || typeof nb === 'string'
      ? nonFiniteRank(na) - nonFiniteRank(nb) || compareDecimalStrings(toDecimal(na), toDecimal(nb))
      : na < nb
        ? -1
        : na > nb
          ? 1
          : nonFiniteRank(na) - nonFiniteRank(nb);
  return c || spellingRank(a) - spellingRank(b) || compareOrder(a, b);
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
  const fa = familyOf(a);
  const fb = familyOf(b);
  if (fa !== fb) return fa - fb;
  if (fa === FAMILY_NUMERIC) return compareNumeric(a, b);
  // Booleans (false < true) and strings compare with `<`; other values by their String(...).
  return fa === FAMILY_OTHER ? compareOrder(String(a), String(b)) : compareOrder(a, b);
}
