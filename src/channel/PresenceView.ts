/**
 * What presence$ shows: the synced state plus, for `graceMs`, the connections that just left.
 * A connection that drops and comes back within the grace period (a brief network loss: new
 * `phx_ref`, same key) is reported as one `update` instead of a leave then a join; one that stays
 * away is reported as a `leave` when its grace period ends. `graceMs: 0` reports leaves at once.
 */
import type { Timers } from '../connection/timers.js';
import { emptyPresence, makeMember } from './presence.js';
import type { PresenceMap } from './presence.js';
import { mapEntries, mapGet, mapRemove, mapSet } from './persistentMap.js';
import type { PresenceConnection, PresenceEvent, PresenceMember, PresenceSnapshot } from './types.js';

interface Held<M> {
  readonly connection: PresenceConnection<M>;
  readonly until: number;
}

export interface PresenceViewOptions {
  readonly graceMs: number;
  readonly timers: Timers;
  readonly now: () => number;
  /** Called after every visible change (events may be empty when only `synced` changed). */
  readonly publish: (snapshot: PresenceSnapshot<unknown>, events: readonly PresenceEvent<unknown>[]) => void;
}

export class PresenceView<M> {
  private visible: PresenceMap<M> = emptyPresence<M>();
  private raw: PresenceMap<M> = emptyPresence<M>();
  private readonly held = new Map<string, Held<M>[]>();
  private synced = false;
  private timer: unknown;
  private timerAt = Infinity;
  snapshot: PresenceSnapshot<M> = snapshotOf(emptyPresence(), false);

  constructor(private readonly options: PresenceViewOptions) {}

  /** Feed the events of one sync step (the new raw state and what changed in it). */
  apply(raw: PresenceMap<M>, synced: boolean, events: readonly PresenceEvent<M>[]): void {
    this.raw = raw;
    const out: PresenceEvent<M>[] = [];
    const now = this.options.now();
    // Leaves first: a connection that left and one that joined the same key in one step (a peer that
    // reconnected while we were away) pair up as an update within the grace period.
    const ordered = this.options.graceMs > 0 ? [...events.filter((e) => e.type === 'leave'), ...events.filter((e) => e.type !== 'leave')] : events;
    for (const e of ordered) {
      if (e.type === 'update') {
        this.show(e.key);
        out.push({ ...e, member: mapGet(this.visible, e.key)! });
      } else if (e.type === 'join') {
        const held = this.held.get(e.key) ?? [];
        const updates: { previous: PresenceConnection<M>; current: PresenceConnection<M> }[] = [];
        const joined: PresenceConnection<M>[] = [];
        for (const c of e.joined) {
          const back = held.shift();
          if (back) updates.push({ previous: back.connection, current: c });
          else joined.push(c);
        }
        if (held.length === 0) this.held.delete(e.key);
        const member = this.show(e.key)!;
        if (updates.length > 0) out.push(Object.freeze({ type: 'update', key: e.key, member, updates: Object.freeze(updates) }));
        if (joined.length > 0) out.push(Object.freeze({ type: 'join', key: e.key, member, joined: Object.freeze(joined) }));
      } else if (this.options.graceMs > 0) {
        const held = this.held.get(e.key) ?? [];
        for (const c of e.left) held.push({ connection: c, until: now + this.options.graceMs });
        this.held.set(e.key, held);
        this.show(e.key);
      } else {
        out.push({ ...e, member: this.show(e.key) });
      }
    }
    this.synced = synced;
    this.arm();
    this.publish(out);
  }

  /** Forget everything (the channel left). */
  reset(): void {
    this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.held.clear();
    this.raw = emptyPresence<M>();
    this.visible = emptyPresence<M>();
    this.synced = false;
    this.snapshot = snapshotOf(this.visible, false);
  }

  /** Mark the snapshot as not synced (rejoining) without changing members. */
  unsynced(): void {
    if (!this.synced) return;
    this.synced = false;
    this.publish([]);
  }

  /** Rebuild the visible member of `key` from raw + held connections. */
  private show(key: string): PresenceMember<M> | undefined {
    const raw = mapGet(this.raw, key);
    const held = this.held.get(key);
    if (!held || held.length === 0) {
      this.visible = raw ? mapSet(this.visible, key, raw) : mapRemove(this.visible, key);
      return raw;
    }
    const member = makeMember(key, [...held.map((h) => h.connection), ...(raw?.connections ?? [])]);
    this.visible = mapSet(this.visible, key, member);
    return member;
  }

  private arm(): void {
    let next = Infinity;
    for (const list of this.held.values()) for (const h of list) next = Math.min(next, h.until);
    if (next === this.timerAt) return;
    this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = next;
    if (next === Infinity) return;
    this.timer = this.options.timers.setTimeout(() => this.expire(), Math.max(0, next - this.options.now()));
  }

  private expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.options.now();
    const out: PresenceEvent<M>[] = [];
    for (const [key, list] of [...this.held]) {
      const gone = list.filter((h) => h.until <= now);
      if (gone.length === 0) continue;
      const rest = list.filter((h) => h.until > now);
      if (rest.length > 0) this.held.set(key, rest);
      else this.held.delete(key);
      out.push(Object.freeze({ type: 'leave', key, member: this.show(key), left: Object.freeze(gone.map((h) => h.connection)) }));
    }
    this.arm();
    if (out.length > 0) this.publish(out);
  }

  private publish(events: readonly PresenceEvent<M>[]): void {
    const changed = this.snapshot.synced !== this.synced || events.length > 0 || this.snapshotStateDiffers();
    if (!changed) return;
    this.snapshot = snapshotOf(this.visible, this.synced);
    this.options.publish(this.snapshot as PresenceSnapshot<unknown>, events as readonly PresenceEvent<unknown>[]);
  }

  private snapshotStateDiffers(): boolean {
    return (this.snapshot as SnapshotImpl<M>).state !== this.visible;
  }
}

class SnapshotImpl<M> implements PresenceSnapshot<M> {
  private list: readonly PresenceMember<M>[] | undefined;
  constructor(
    readonly state: PresenceMap<M>,
    readonly synced: boolean,
  ) {}
  get size(): number {
    return this.state.size;
  }
  get(key: string): PresenceMember<M> | undefined {
    return mapGet(this.state, key);
  }
  get members(): readonly PresenceMember<M>[] {
    this.list ??= Object.freeze(
      [...mapEntries(this.state)].map(([, m]) => m).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    );
    return this.list;
  }
}

function snapshotOf<M>(state: PresenceMap<M>, synced: boolean): PresenceSnapshot<M> {
  return new SnapshotImpl(state, synced);
}
