/**
 * postgres_changes bindings (spec §3.2, §3.3, §3.8) and the check of the join reply's echo.
 *
 * realtime-js pairs reply entries with bindings by index and kills the channel on any difference
 * (§7 #11). Here each binding is matched field by field against the echo, the filter compared in
 * canonical form (so a server that normalises `in` lists or condition order still matches), and a
 * failure names the binding and the field that differed.
 */
import { SubscriptionError } from '../../errors.js';
import { isRecord } from './phoenixMessage.js';
import { filterText, parseFilterText } from './postgresFilter.js';

export type PostgresEvent = '*' | 'INSERT' | 'UPDATE' | 'DELETE';

export interface PostgresBinding {
  readonly event: PostgresEvent;
  readonly schema: string;
  readonly table?: string;
  /** Canonical filter text (postgresFilter.ts), absent for none. */
  readonly filter?: string;
}

export function bindingKey(binding: PostgresBinding): string {
  return JSON.stringify([binding.event, binding.schema, binding.table ?? null, binding.filter ?? null]);
}

export function dedupeBindings(bindings: readonly PostgresBinding[]): PostgresBinding[] {
  const seen = new Map<string, PostgresBinding>();
  for (const b of bindings) if (!seen.has(bindingKey(b))) seen.set(bindingKey(b), b);
  return [...seen.values()];
}

export function describeBinding(binding: PostgresBinding): string {
  const target = binding.table === undefined ? `${binding.schema}.*` : `${binding.schema}.${binding.table}`;
  return `${binding.event} on ${target}${binding.filter === undefined ? '' : ` where ${binding.filter}`}`;
}

/**
 * Server ids for `sent` (same order) from the join reply's `postgres_changes`, or a
 * SubscriptionError `BINDING_MISMATCH` naming the first binding the server did not confirm.
 */
export function matchBindings(sent: readonly PostgresBinding[], echoed: unknown, topic: string): number[] | SubscriptionError {
  const entries = Array.isArray(echoed) ? echoed : [];
  const used = new Set<number>();
  const ids: number[] = [];
  for (let i = 0; i < sent.length; i++) {
    const binding = sent[i]!;
    // Prefer the entry at the same index (the server echoes in order), then any unused one.
    const order = [i, ...entries.keys()].filter((j, k, all) => j < entries.length && all.indexOf(j) === k && !used.has(j));
    const found = order.find((j) => mismatchedField(binding, entries[j]) === undefined);
    if (found === undefined) {
      const field = mismatchedField(binding, entries[i]);
      const detail = entries[i] === undefined ? 'the reply has no entry for it' : `the server's entry differs in ${field ?? 'its id'}: ${JSON.stringify(entries[i])}`;
      return new SubscriptionError(
        `Supabase Realtime did not confirm postgres_changes binding #${String(i)} (${describeBinding(binding)}) on ${topic}: ${detail}. Check the table name, the filter syntax and that the server supports these operators.`,
        { code: 'BINDING_MISMATCH', subscriptionId: topic },
      );
    }
    used.add(found);
    ids.push((entries[found] as { id: number }).id);
  }
  return ids;
}

/** The first field of `entry` that does not match `binding` (`id` when it has no integer id), or undefined. */
function mismatchedField(binding: PostgresBinding, entry: unknown): string | undefined {
  if (!isRecord(entry)) return 'shape';
  if (normaliseEvent(entry['event']) !== binding.event) return 'event';
  if (entry['schema'] !== binding.schema) return 'schema';
  if ((entry['table'] ?? undefined) !== binding.table) return 'table';
  if (!sameFilter(binding.filter, entry['filter'])) return 'filter';
  return typeof entry['id'] === 'number' && Number.isInteger(entry['id']) ? undefined : 'id';
}

/** Server rule (§4): `*|INSERT|UPDATE|DELETE` in any case; anything else counts as `*`. */
export function normaliseEvent(value: unknown): PostgresEvent {
  const upper = typeof value === 'string' ? value.toUpperCase() : '*';
  return upper === 'INSERT' || upper === 'UPDATE' || upper === 'DELETE' ? upper : '*';
}

function sameFilter(sent: string | undefined, echoed: unknown): boolean {
  const text = typeof echoed === 'string' && echoed.trim() !== '' ? echoed : undefined;
  if (sent === undefined || text === undefined) return sent === text;
  if (sent === text) return true;
  const a = parseFilterText(sent);
  const b = parseFilterText(text);
  return a !== undefined && b !== undefined && filterText(a) === filterText(b);
}
