import { describe, expect, test } from 'vitest';
import { backoffDelay, DEFAULT_RECONNECT } from '../../src/connection/backoff.js';

describe('backoffDelay (SPEC §1.3)', () => {
  const none = { ...DEFAULT_RECONNECT, jitter: 'none' as const };

  test('doubles from 1 s and caps at 2.5 s without jitter (the default: back within 2.5 s of a restart)', () => {
    expect(Array.from({ length: 5 }, (_, i) => backoffDelay(i, none, () => 0.5))).toEqual([1000, 2000, 2500, 2500, 2500]);
    const wide = { ...none, maxDelayMs: 30000 };
    expect(Array.from({ length: 8 }, (_, i) => backoffDelay(i, wide, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  test('huge attempt numbers stay at the cap', () => {
    expect(backoffDelay(10_000, none, Math.random)).toBe(2500);
  });

  test('full jitter is uniform in [0, capped delay)', () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const cap = Math.min(2500, 1000 * 2 ** attempt);
      expect(backoffDelay(attempt, DEFAULT_RECONNECT, () => 0)).toBe(0);
      expect(backoffDelay(attempt, DEFAULT_RECONNECT, () => 0.999999)).toBe(cap - 1);
      expect(backoffDelay(attempt, DEFAULT_RECONNECT, () => 0.5)).toBe(cap / 2);
    }
  });

  test('respects configured initial and max delays', () => {
    const opts = { initialDelayMs: 50, maxDelayMs: 300, jitter: 'none' as const };
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, opts, Math.random))).toEqual([50, 100, 200, 300, 300]);
  });
});
