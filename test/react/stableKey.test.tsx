// Hook arguments compared by value: what counts as "the same query" for a re-render.
import { expect, test } from 'vitest';
import { stableKey } from '../../src/observer/stableKey.js';

test('equal values give equal keys; a new array literal of the same params is the same query', () => {
  expect(stableKey({ params: [1, 'a', null] })).toBe(stableKey({ params: [1, 'a', null] }));
  expect(stableKey({ orderBy: { column: 'id', direction: 'desc' }, key: 'id' })).toBe(
    stableKey({ key: 'id', orderBy: { direction: 'desc', column: 'id' } }),
  );
});

test('values that differ in type or content give different keys', () => {
  const keys = [
    stableKey({ params: [1] }),
    stableKey({ params: ['1'] }),
    stableKey({ params: [1n] }),
    stableKey({ params: ['1n'] }),
    stableKey({ params: [true] }),
    stableKey({ params: [null] }),
    stableKey({ params: [Number.NaN] }),
    stableKey({ params: [] }),
    stableKey({ params: [1, 2] }),
    stableKey({ params: [2, 1] }),
  ];
  expect(new Set(keys).size).toBe(keys.length);
  expect(stableKey({ params: [2n ** 70n] })).not.toBe(stableKey({ params: [2n ** 70n + 1n] }));
});
