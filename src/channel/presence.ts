/**
 * Presence sync as pure functions (Phoenix presence.js, STYLE §12) over an immutable state.
 * - `syncState(state, wire)`: the server's full state replaces ours; members whose connections are
 *   unchanged keep their object identity. O(n) (it is a full state).
 * - `syncDiff(state, diff)`: O(changed keys). Per key, a leave and a join whose `phx_ref_prev`
 *   names the left connection are ONE `update` (never leave + join); a join of an unknown ref is a
 *   `join`, a leave of a known ref a `leave`; refs we do not hold are ignored.
 * Events and state hold frozen copies of the wire metas (no live objects are ever handed out),
 * so a consumer keeping an event can never see it change.
 */
import type { PresenceWireDiff, PresenceWireMeta, PresenceWireState } from './ChannelPort.js';
import { emptyMap, mapEntries, mapGet, mapRemove, mapSet } from './persistentMap.js';
import type { PersistentMap } from './persistentMap.js';
import type { PresenceConnection, PresenceEvent, PresenceMember } from './types.js';

export type PresenceMap<M> = PersistentMap<PresenceMember<M>>;

export interface PresenceResult<M> {
  readonly state: PresenceMap<M>;
  /** In key order of the input; per key at most one update, one join and one leave (in that order). */
  readonly events: readonly PresenceEvent<M>[];
}

export function emptyPresence<M>(): PresenceMap<M> {
  return emptyMap<PresenceMember<M>>();
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** A frozen `{ ref, meta }` from a wire meta (`phx_ref`/`phx_ref_prev` removed from the meta). */
export function toConnection<M>(wire: PresenceWireMeta): PresenceConnection<M> {
  const meta: Record<string, unknown> = {};
  for (const field of Object.keys(wire)) {
    if (field !== 'phx_ref' && field !== 'phx_ref_prev') meta[field] = wire[field];
  }
  return Object.freeze({ ref: String(wire.phx_ref), meta: Object.freeze(meta) as M });
}

export function makeMember<M>(key: string, connections: readonly PresenceConnection<M>[]): PresenceMember<M> {
  const merged: Record<string, unknown> = {};
  for (const c of connections) Object.assign(merged, c.meta);
  return Object.freeze({ key, connections: Object.freeze(connections.slice()), meta: Object.freeze(merged) as M });
}

interface Joined<M> {
  readonly connection: PresenceConnection<M>;
  readonly prevRef: string | undefined;
}

/** Apply one key's joins and left refs to `state`; push that key's events. */
function applyKey<M>(
  state: PresenceMap<M>,
  key: string,
  joins: readonly Joined<M>[],
  leftRefs: ReadonlySet<string>,
  events: PresenceEvent<M>[],
): PresenceMap<M> {
  const current = mapGet(state, key);
  const before = current?.connections ?? [];
  const byRef = new Map(before.map((c) => [c.ref, c] as const));
  const replaced = new Set<string>();
  const updates: { previous: PresenceConnection<M>; current: PresenceConnection<M> }[] = [];
  const joined: PresenceConnection<M>[] = [];
  const incoming = new Map<string, PresenceConnection<M>>();
  for (const { connection, prevRef } of joins) {
    incoming.set(connection.ref, connection);
    const same = byRef.get(connection.ref);
    const previous = same ?? (prevRef !== undefined && !replaced.has(prevRef) ? byRef.get(prevRef) : undefined);
    if (previous) {
      replaced.add(previous.ref);
      if (previous !== same || !shallowEqual(previous.meta, connection.meta)) updates.push({ previous, current: connection });
    } else joined.push(connection);
  }
  const left: PresenceConnection<M>[] = [];
  const next: PresenceConnection<M>[] = [];
  for (const c of before) {
    if (incoming.has(c.ref)) continue; // re-sent ref: replaced in place below
    if (replaced.has(c.ref)) continue; // updated by a join with phx_ref_prev
    if (leftRefs.has(c.ref)) left.push(c);
    else next.push(c);
  }
  // Order: surviving connections (oldest first), then the joined/updated ones in wire order.
  for (const { connection } of joins) if (!next.some((c) => c.ref === connection.ref)) next.push(connection);
  if (updates.length === 0 && joined.length === 0 && left.length === 0) return state;
  let member: PresenceMember<M> | undefined;
  if (next.length === 0) state = mapRemove(state, key);
  else {
    member = makeMember(key, dedupe(next));
    state = mapSet(state, key, member);
  }
  if (updates.length > 0 && member) events.push(Object.freeze({ type: 'update', key, member, updates: Object.freeze(updates) }));
  if (joined.length > 0 && member) events.push(Object.freeze({ type: 'join', key, member, joined: Object.freeze(joined) }));
  if (left.length > 0) events.push(Object.freeze({ type: 'leave', key, member, left: Object.freeze(left) }));
  return state;
}

function dedupe<M>(connections: PresenceConnection<M>[]): PresenceConnection<M>[] {
  const seen = new Set<string>();
  return connections.filter((c) => (seen.has(c.ref) ? false : (seen.add(c.ref), true)));
}

function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => hasOwn(b, k) && Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function metasOf(wire: PresenceWireState, key: string): readonly PresenceWireMeta[] {
  const entry = hasOwn(wire, key) ? wire[key] : undefined;
  return Array.isArray(entry?.metas) ? entry.metas : [];
}

/** Apply a `{ joins, leaves }` diff. */
export function syncDiff<M>(state: PresenceMap<M>, diff: PresenceWireDiff): PresenceResult<M> {
  const events: PresenceEvent<M>[] = [];
  const joins = diff.joins ?? {};
  const leaves = diff.leaves ?? {};
  const keys = new Set([...Object.keys(joins), ...Object.keys(leaves)]);
  for (const key of keys) {
    const joined = metasOf(joins, key).map((m) => ({
      connection: toConnection<M>(m),
      prevRef: m.phx_ref_prev === undefined ? undefined : String(m.phx_ref_prev),
    }));
    const leftRefs = new Set(metasOf(leaves, key).map((m) => String(m.phx_ref)));
    state = applyKey(state, key, joined, leftRefs, events);
  }
  return { state, events };
}

/** Replace the state with the server's full state (after a join or rejoin). */
export function syncState<M>(state: PresenceMap<M>, wire: PresenceWireState): PresenceResult<M> {
  const events: PresenceEvent<M>[] = [];
  for (const [key, member] of [...mapEntries(state)]) {
    if (!hasOwn(wire, key)) state = applyKey(state, key, [], new Set(member.connections.map((c) => c.ref)), events);
  }
  for (const key of Object.keys(wire)) {
    const metas = metasOf(wire, key);
    const current = mapGet(state, key);
    const held = new Set(current?.connections.map((c) => c.ref) ?? []);
    const fresh = new Set(metas.map((m) => String(m.phx_ref)));
    const joins = metas.filter((m) => !held.has(String(m.phx_ref))).map((m) => ({ connection: toConnection<M>(m), prevRef: undefined }));
    const leftRefs = new Set([...held].filter((ref) => !fresh.has(ref)));
    state = applyKey(state, key, joins, leftRefs, events);
  }
  return { state, events };
}

/** Every member of a state (hash order). */
export function presenceMembers<M>(state: PresenceMap<M>): PresenceMember<M>[] {
  return [...mapEntries(state)].map(([, member]) => member);
}
