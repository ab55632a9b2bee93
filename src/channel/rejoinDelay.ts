/** Rejoin delay as a function of consecutive failed joins (Phoenix / realtime-js: 1 s, 2 s, 5 s, then 10 s). */
export const REJOIN_DELAYS_MS: readonly number[] = [1000, 2000, 5000, 10000];

/** Delay before rejoin number `tries` (0-based), capped at the last step. */
export function rejoinDelay(tries: number, steps: readonly number[] = REJOIN_DELAYS_MS): number {
  return steps[Math.min(Math.max(0, tries), steps.length - 1)] ?? 10000;
}
