/**
 * Wire rows → user rows and materializer ops (spec §6.4 merge rule, §11.3 done better).
 * User rows drop the system columns `_seq`, `_deleted`, `_commit_seq` (the checkpoint is exposed as
 * `LiveRows.seq`); every other cell stays exactly as the wire sent it (BIGINT as decimal strings,
 * timestamps as µs numbers).
 */
import type { WireRow } from '../protocol/kalamdb/messages.js';

export function isSystemColumn(name: string): boolean {
  return name === '_seq' || name === '_deleted' || name === '_commit_seq';
}

/** The row without system columns (a new object; the wire row is not modified). */
export function userRow(row: WireRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name in row) {
    if (!isSystemColumn(name)) out[name] = row[name];
  }
  return out;
}

/**
 * §6.4: changed columns = keys of `old_values` that are neither key columns nor `_`-prefixed;
 * new row = `{...current, ...rows[0]}`, then changed columns missing from `rows[0]` become null.
 */
export function updatePatch(
  newRow: WireRow,
  oldValues: WireRow | undefined,
  keyColumns: readonly string[],
): { patch: Record<string, unknown>; nulled: string[] } {
  const patch = userRow(newRow);
  const nulled: string[] = [];
  if (oldValues) {
    for (const name in oldValues) {
      if (name.startsWith('_') || keyColumns.includes(name)) continue;
      if (!(name in newRow)) nulled.push(name);
    }
  }
  return { patch, nulled };
}

/** Apply a patch to a known row (the same rule the materializer uses). */
export function mergePatch(
  previous: Record<string, unknown> | undefined,
  patch: Record<string, unknown>,
  nulled: readonly string[],
): Record<string, unknown> {
  const row = { ...previous, ...patch };
  for (const name of nulled) row[name] = null;
  return row;
}
