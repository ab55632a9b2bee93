/** Reconnect delay as a pure function of the attempt number (spec §8.3: 1 s, 2 s, 4 s … capped). */
export interface ReconnectOptions {
  /** Delay before the first retry, before jitter (default 1000 ms). */
  readonly initialDelayMs: number;
  /**
   * Cap of the exponential delay (default 2500 ms). Low on purpose: after a server restart every
   * client is back within this cap (plus the connect) of the server accepting connections, and full
   * jitter spreads the attempts. Raise it for very large fleets against a remote server.
   */
  readonly maxDelayMs: number;
  /** 'full': uniform in [0, capped delay) (AWS "full jitter"); 'none': the capped delay exactly. */
  readonly jitter: 'full' | 'none';
}

export const DEFAULT_RECONNECT: ReconnectOptions = { initialDelayMs: 1000, maxDelayMs: 2500, jitter: 'full' };

/** Delay before retry number `attempt` (0-based). `random` returns a number in [0, 1). */
export function backoffDelay(attempt: number, options: ReconnectOptions, random: () => number): number {
  const exp = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 30));
  return options.jitter === 'full' ? Math.floor(random() * exp) : exp;
}
