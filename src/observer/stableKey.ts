/**
 * Value identity for hook arguments: two arguments that serialize to the same key are the same
 * query, so a new array literal of equal params on every render does not resubscribe.
 * bigint and non-finite numbers are tagged (JSON would throw or collapse them to null);
 * object keys are sorted so `{a, b}` and `{b, a}` match.
 */
export function stableKey(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    // `{ $bigint: "1" }`, `{ $number: "NaN" }`: one template for both tags.
    if (typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v))) return { [`$${typeof v}`]: String(v) };
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}
