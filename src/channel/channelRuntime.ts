/**
 * Client-wide channel settings (timers, clock, limits), injected so tests drive them (STYLE §4).
 * `resolveChannelRuntime` fills the documented defaults and validates what the caller gave.
 */
import { defaultTimers } from '../connection/timers.js';
import type { Timers } from '../connection/timers.js';
import { UsageError } from '../errors.js';
import { DEFAULT_PRESENCE_BUDGET } from './PresenceTracker.js';
import type { PresenceBudget } from './PresenceTracker.js';
import { REJOIN_DELAYS_MS } from './rejoinDelay.js';

/** A typed warning about how a channel is used (not an error: the channel keeps working). */
export interface ChannelDiagnostic {
  /** `PRESENCE_DIFFS_WITHOUT_STATE`: presence diffs arrive but no presence state did (presence disabled server-side?). */
  readonly code: 'PRESENCE_DIFFS_WITHOUT_STATE';
  readonly topic: string;
  readonly message: string;
}

export interface ChannelRuntime {
  readonly timers: Timers;
  readonly now: () => number;
  /** The last user leaves → the channel leaves after this long (the `releaseGraceMs` of live queries). */
  readonly graceMs: number;
  /** A join without a reply within this long counts as failed and is retried (10 000). */
  readonly joinTimeoutMs: number;
  /** Default push timeout for send/track (10 000). */
  readonly pushTimeoutMs: number;
  /** Rejoin delays per consecutive failure (1000, 2000, 5000, then 10 000 ms). */
  readonly rejoinDelaysMs: readonly number[];
  /** How long a departed presence stays visible (2000; 0 = leaves show at once). */
  readonly presenceGraceMs: number;
  /** Track/untrack pushes per window (5 per 30 s). */
  readonly presenceBudget: PresenceBudget;
  /** `queue` policy: at most this many messages (100) for at most this long (10 000 ms). */
  readonly queueMax: number;
  readonly queueTtlMs: number;
  /** Diffs buffered this long without a presence state → a diagnostic (5000). */
  readonly bufferedDiffWarnMs: number;
  readonly onDiagnostic: (diagnostic: ChannelDiagnostic) => void;
}

export const DEFAULT_CHANNEL_RUNTIME: ChannelRuntime = {
  timers: defaultTimers,
  now: () => Date.now(),
  graceMs: 50,
  joinTimeoutMs: 10_000,
  pushTimeoutMs: 10_000,
  rejoinDelaysMs: REJOIN_DELAYS_MS,
  presenceGraceMs: 2000,
  presenceBudget: DEFAULT_PRESENCE_BUDGET,
  queueMax: 100,
  queueTtlMs: 10_000,
  bufferedDiffWarnMs: 5000,
  onDiagnostic: (d) => console.warn(`livebind: ${d.message}`),
};

export function resolveChannelRuntime(overrides: Partial<ChannelRuntime> = {}): ChannelRuntime {
  const runtime = { ...DEFAULT_CHANNEL_RUNTIME, ...definedOnly(overrides) };
  for (const name of ['graceMs', 'presenceGraceMs', 'queueTtlMs', 'bufferedDiffWarnMs'] as const) nonNegative(runtime[name], name);
  for (const name of ['joinTimeoutMs', 'pushTimeoutMs', 'queueMax'] as const) {
    nonNegative(runtime[name], name);
    if (runtime[name] === 0) throw invalid(name, runtime[name], 'a positive number');
  }
  const { count, windowMs } = runtime.presenceBudget;
  if (!Number.isSafeInteger(count) || count < 1 || !(windowMs >= 0)) throw invalid('presenceBudget', runtime.presenceBudget, '{ count >= 1, windowMs >= 0 }');
  if (runtime.rejoinDelaysMs.length === 0 || runtime.rejoinDelaysMs.some((d) => !(d >= 0))) throw invalid('rejoinDelaysMs', runtime.rejoinDelaysMs, 'a non-empty list of delays');
  return runtime;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function nonNegative(value: number, name: string): void {
  if (!(typeof value === 'number' && value >= 0 && Number.isFinite(value))) throw invalid(name, value, 'a number >= 0');
}

function invalid(name: string, value: unknown, expected: string): UsageError {
  return new UsageError(`Channel option "${name}" must be ${expected}; got ${JSON.stringify(value)}.`, { code: 'INVALID_OPTION' });
}
