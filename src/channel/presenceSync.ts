/**
 * Presence per join (pure): which join the state belongs to, and the diffs held back until that
 * join's full state arrived (Phoenix presence.js `pendingDiffs`).
 * - `presenceJoining(sync, joinRef)`: a (re)join went out; diffs of older joins are now stale and
 *   buffered ones are dropped; the state is kept (shown as not synced) until the new full state.
 * - `presenceState(sync, wire, joinRef)`: the full state for `joinRef`, then the buffered diffs.
 * - `presenceDiff(sync, diff, joinRef)`: applied when synced for `joinRef`, else buffered.
 * Messages of another join ref are dropped (no events, same object returned).
 */
import type { PresenceWireDiff, PresenceWireState } from './ChannelPort.js';
import { emptyPresence, syncDiff, syncState } from './presence.js';
import type { PresenceMap } from './presence.js';
import type { PresenceEvent } from './types.js';

export interface PresenceSync<M> {
  readonly state: PresenceMap<M>;
  /** The join the next state must belong to (undefined: not joining, everything is dropped). */
  readonly joinRef: string | undefined;
  /** The full state for `joinRef` arrived. */
  readonly synced: boolean;
  readonly pending: readonly PresenceWireDiff[];
}

export interface PresenceStep<M> {
  readonly sync: PresenceSync<M>;
  readonly events: readonly PresenceEvent<M>[];
}

const NO_EVENTS: readonly never[] = Object.freeze([]);

export function initialPresenceSync<M>(): PresenceSync<M> {
  return { state: emptyPresence<M>(), joinRef: undefined, synced: false, pending: NO_EVENTS };
}

export function presenceJoining<M>(sync: PresenceSync<M>, joinRef: string | undefined): PresenceSync<M> {
  return { state: sync.state, joinRef, synced: false, pending: NO_EVENTS };
}

export function presenceState<M>(sync: PresenceSync<M>, wire: PresenceWireState, joinRef: string): PresenceStep<M> {
  if (joinRef !== sync.joinRef) return { sync, events: NO_EVENTS };
  const first = syncState(sync.state, wire);
  let state = first.state;
  const events = [...first.events];
  for (const diff of sync.pending) {
    const step = syncDiff(state, diff);
    state = step.state;
    events.push(...step.events);
  }
  return { sync: { state, joinRef, synced: true, pending: NO_EVENTS }, events };
}

export function presenceDiff<M>(sync: PresenceSync<M>, diff: PresenceWireDiff, joinRef: string): PresenceStep<M> {
  if (joinRef !== sync.joinRef) return { sync, events: NO_EVENTS };
  if (!sync.synced) return { sync: { ...sync, pending: [...sync.pending, diff] }, events: NO_EVENTS };
  const step = syncDiff(sync.state, diff);
  return step.state === sync.state ? { sync, events: NO_EVENTS } : { sync: { ...sync, state: step.state }, events: step.events };
}
