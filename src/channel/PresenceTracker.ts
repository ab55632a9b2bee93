/**
 * `track()` as desired state. The tracker remembers the latest meta (or "untracked") and makes the
 * server agree with it: after every (re)join it sends it again (the server forgets presences of an
 * old join), one push in flight at a time, and later calls replace earlier unsent ones (latest
 * wins). Pushes stay under the presence budget (default 5 per 30 s, Supabase's per-client limit,
 * which otherwise closes the channel): when spent, the next push waits for the oldest to age out.
 * A caller's promise resolves once the server acknowledged its meta or a newer desired state; it
 * waits across reconnects and budget delays, and rejects only when a push it depends on was refused
 * or went unanswered (`TIMED_OUT`), or the channel was closed or left.
 */
import type { Timers } from '../connection/timers.js';
import { ChannelError } from '../errors.js';
import type { ChannelPush, PushDone } from './ChannelPort.js';

export interface PresenceBudget {
  /** Track/untrack pushes allowed per window (default 5). */
  readonly count: number;
  readonly windowMs: number;
}

export const DEFAULT_PRESENCE_BUDGET: PresenceBudget = { count: 5, windowMs: 30_000 };

export interface PresenceTrackerOptions {
  readonly topic: string;
  readonly timers: Timers;
  readonly now: () => number;
  readonly budget: PresenceBudget;
  /** How long a sent push may wait for its ack (its callers then fail `TIMED_OUT`; the desired state stays). */
  readonly timeoutMs: number;
  push(message: ChannelPush, done: PushDone): () => void;
  /** Desired presence went from untracked to tracked (true) or back (false): hold / release the channel. */
  holding(on: boolean): void;
}

interface Waiter {
  readonly version: number;
  readonly untrack: boolean;
  readonly resolve: () => void;
  readonly reject: (error: ChannelError) => void;
}

export class PresenceTracker {
  private desired: { readonly meta: Readonly<Record<string, unknown>> } | undefined;
  private version = 0;
  /** Version the server holds under the current join (0 = untracked, as after a join). */
  private acked = 0;
  private serverTracked = false;
  private joined = false;
  private inFlight: { readonly version: number; cancel: () => void } | undefined;
  private budgetTimer: unknown;
  private readonly sentAt: number[] = [];
  private waiters: Waiter[] = [];

  constructor(private readonly options: PresenceTrackerOptions) {}

  get tracking(): boolean {
    return this.desired !== undefined;
  }

  track(meta: Readonly<Record<string, unknown>>): Promise<void> {
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
      return Promise.reject(new ChannelError(`track() on "${this.options.topic}" needs a plain object meta.`, { code: 'PUSH_REJECTED', topic: this.options.topic }));
    }
    if (this.desired && sameMeta(this.desired.meta, meta)) {
      // Identical re-track: nothing to send (it would only spend the presence budget).
      const promise = this.wait(this.version, false);
      this.pump();
      return promise;
    }
    const wasTracking = this.tracking;
    this.desired = { meta: { ...meta } };
    const promise = this.wait(++this.version, false);
    if (!wasTracking) this.options.holding(true);
    this.pump();
    return promise;
  }

  untrack(): Promise<void> {
    if (!this.tracking && !this.serverTracked && this.inFlight === undefined) return Promise.resolve();
    const wasTracking = this.tracking;
    this.desired = undefined;
    const promise = this.wait(++this.version, true);
    this.pump();
    if (wasTracking) this.options.holding(false);
    return promise;
  }

  /** A join succeeded: the server holds no presence of ours; send the desired one. */
  onJoined(): void {
    this.joined = true;
    this.acked = 0;
    this.serverTracked = false;
    this.pump();
  }

  /** The membership is down (socket lost, channel errored or closed): in-flight pushes are void. */
  onDown(): void {
    this.joined = false;
    this.inFlight?.cancel();
    this.inFlight = undefined;
    this.options.timers.clearTimeout(this.budgetTimer);
    this.budgetTimer = undefined;
  }

  /** The channel left for good: nothing is tracked anymore. Pending untracks resolve; tracks reject `error`. */
  onLeft(error: ChannelError): void {
    this.onDown();
    const wasTracking = this.tracking;
    this.desired = undefined;
    this.serverTracked = false;
    for (const w of this.waiters.splice(0)) {
      if (w.untrack) w.resolve();
      else w.reject(error);
    }
    if (wasTracking) this.options.holding(false);
  }

  private wait(version: number, untrack: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => this.waiters.push({ version, untrack, resolve, reject }));
  }

  /** Reject every waiting caller (the server closed the channel); the desired state stays for a rejoin. */
  failWaiters(error: ChannelError): void {
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  private settle(version: number, error?: ChannelError): void {
    const done = this.waiters.filter((w) => w.version <= version);
    this.waiters = this.waiters.filter((w) => w.version > version);
    for (const w of done) {
      if (error) w.reject(error);
      else w.resolve();
    }
  }

  /** Send the desired state if the server differs from it, one push at a time, within the budget. */
  private pump(): void {
    if (!this.joined || this.inFlight || this.budgetTimer !== undefined) return;
    const wantTracked = this.desired !== undefined;
    if (this.acked === this.version || (!wantTracked && !this.serverTracked)) {
      this.acked = this.version;
      this.settle(this.version);
      return;
    }
    const now = this.options.now();
    const { count, windowMs } = this.options.budget;
    while (this.sentAt.length > 0 && this.sentAt[0]! <= now - windowMs) this.sentAt.shift();
    if (this.sentAt.length >= count) {
      this.budgetTimer = this.options.timers.setTimeout(() => {
        this.budgetTimer = undefined;
        this.pump();
      }, this.sentAt[0]! + windowMs - now);
      return;
    }
    this.sentAt.push(now);
    const version = this.version;
    const message: ChannelPush = this.desired ? { kind: 'track', meta: this.desired.meta } : { kind: 'untrack' };
    const flight = { version, cancel: () => {} };
    this.inFlight = flight;
    // An unanswered push must not block later ones: after the timeout its callers fail TIMED_OUT; the
    // desired state stays and is sent again on the next track() or join (not in a loop).
    const timer = this.options.timers.setTimeout(() => {
      if (this.inFlight !== flight) return;
      this.inFlight = undefined;
      flight.cancel();
      this.settle(
        version,
        new ChannelError(`Presence on "${this.options.topic}" was not acknowledged within ${this.options.timeoutMs} ms; it stays desired and is sent again after the next join or track().`, {
          code: 'TIMED_OUT',
          topic: this.options.topic,
        }),
      );
    }, this.options.timeoutMs);
    const cancelPush = this.options.push(message, (error) => {
      if (this.inFlight !== flight) return;
      this.inFlight = undefined;
      this.options.timers.clearTimeout(timer);
      if (error) {
        this.settle(version, error);
        return; // not retried until the next join or track() (a rejected meta would fail again)
      }
      this.acked = version;
      this.serverTracked = message.kind === 'track';
      this.settle(version);
      this.pump();
    });
    flight.cancel = () => {
      this.options.timers.clearTimeout(timer);
      cancelPush();
    };
  }
}

function sameMeta(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && Object.is(a[k], b[k]));
}
