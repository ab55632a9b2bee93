/** Neutral row helpers shared by the live queries. */

/**
 * An update applied to a row: `{...previous, ...patch}`, then every `nulled` column set to null
 * (previous absent: the patch alone). The rule of the materializer's `patch` op and of changes().
 */
export function mergePatch<R>(previous: R | undefined, patch: Partial<R>, nulled: readonly string[] | undefined): R {
  const row = { ...previous, ...patch } as Record<string, unknown>;
  if (nulled !== undefined) for (const name of nulled) row[name] = null;
  return row as R;
}
