/** Fixed one-second window per key (client IP). */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one attempt; false when the key is over its budget for the current second. */
  allow(key: string): boolean {
    if (!Number.isFinite(this.perSecond) || this.perSecond <= 0) return true;
    const t = this.now();
    let w = this.windows.get(key);
    if (w === undefined || t - w.start >= 1000) {
      if (this.windows.size > 10_000) this.prune(t);
      w = { start: t, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count <= this.perSecond;
  }

  private prune(t: number): void {
    for (const [k, w] of this.windows) if (t - w.start >= 1000) this.windows.delete(k);
  }
}
