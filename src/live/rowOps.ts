/** Neutral row helpers shared by the live queries. */

/** Apply an update's new values to a known row (the rule the materializer's `patch` op uses). */
export function mergePatch(
  previous: Record<string, unknown> | undefined,
  patch: Record<string, unknown>,
  nulled: readonly string[],
): Record<string, unknown> {
  const row = { ...previous, ...patch };
  for (const name of nulled) row[name] = null;
  return row;
}
