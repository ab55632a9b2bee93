/**
 * Every registered subscription of the front end, indexed by table and owner partition, so a
 * ChangeRecord reaches exactly the subscriptions that may see it (spec §7.6) without scanning others.
 */
import type { ChangeRecord } from '../../engine/types.js';
import type { LiveSubscription } from './LiveSubscription.js';

interface TableEntry {
  /** SHARED tables: every subscriber. */
  readonly shared: Set<LiveSubscription>;
  /** USER tables: subscribers by owner partition. */
  readonly byOwner: Map<string, Set<LiveSubscription>>;
}

export class SubscriptionIndex {
  private readonly tables = new Map<string, TableEntry>();
  private readonly perUser = new Map<string, number>();
  private total = 0;
  private started = 0;

  get size(): number {
    return this.total;
  }

  /** Subscriptions ever added (cumulative since the index was created; removals do not lower it). */
  get startedCount(): number {
    return this.started;
  }

  countForUser(userId: string): number {
    return this.perUser.get(userId) ?? 0;
  }

  add(sub: LiveSubscription): void {
    let entry = this.tables.get(sub.table);
    if (!entry) {
      entry = { shared: new Set(), byOwner: new Map() };
      this.tables.set(sub.table, entry);
    }
    let set = entry.shared;
    if (sub.owner !== null) {
      set = entry.byOwner.get(sub.owner) ?? new Set();
      entry.byOwner.set(sub.owner, set);
    }
    if (set.has(sub)) return;
    set.add(sub);
    this.total++;
    this.started++;
    this.perUser.set(sub.user.id, this.countForUser(sub.user.id) + 1);
  }

  remove(sub: LiveSubscription): void {
    const entry = this.tables.get(sub.table);
    if (!entry) return;
    const set = sub.owner === null ? entry.shared : entry.byOwner.get(sub.owner);
    if (!set?.delete(sub)) return;
    this.total--;
    const n = this.countForUser(sub.user.id) - 1;
    if (n > 0) this.perUser.set(sub.user.id, n);
    else this.perUser.delete(sub.user.id);
    if (sub.owner !== null && set.size === 0) entry.byOwner.delete(sub.owner);
    if (entry.shared.size === 0 && entry.byOwner.size === 0) this.tables.delete(sub.table);
  }

  /** Fans one change out; a failing subscription never stops the others or the engine. */
  dispatch(change: ChangeRecord, onError: (sub: LiveSubscription, error: unknown) => void): void {
    const entry = this.tables.get(change.table);
    if (!entry) return;
    const set = change.userId === null ? entry.shared : entry.byOwner.get(change.userId);
    if (!set) return;
    for (const sub of set) {
      try {
        sub.onChange(change);
      } catch (error) {
        onError(sub, error);
      }
    }
  }
}
