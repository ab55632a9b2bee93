// The persistent map under presence state: model-checked against Map, old versions unchanged.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { emptyMap, mapEntries, mapGet, mapRemove, mapSet } from '../../src/channel/persistentMap.js';
import type { PersistentMap } from '../../src/channel/persistentMap.js';

const contents = (m: PersistentMap<number>) => new Map([...mapEntries(m)]);

test('set/remove/get agree with Map; every earlier version stays as it was', () => {
  const op = fc.oneof(
    fc.record({ set: fc.string({ maxLength: 3 }), value: fc.integer() }),
    fc.record({ remove: fc.string({ maxLength: 3 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      let map = emptyMap<number>();
      const model = new Map<string, number>();
      const versions: [PersistentMap<number>, Map<string, number>][] = [];
      for (const o of ops) {
        if ('set' in o) {
          map = mapSet(map, o.set, o.value);
          model.set(o.set, o.value);
        } else {
          map = mapRemove(map, o.remove);
          model.delete(o.remove);
        }
        versions.push([map, new Map(model)]);
        expect(map.size).toBe(model.size);
      }
      for (const [version, expected] of versions) expect(contents(version)).toEqual(expected);
      for (const [k, v] of model) expect(mapGet(map, k)).toBe(v);
    }),
    { numRuns: 200 },
  );
});

test('20 000 keys: deep tries, removal back to empty, no-op writes return the same map', () => {
  let map = emptyMap<number>();
  for (let i = 0; i < 20_000; i++) map = mapSet(map, `user-${i}`, i);
  expect(map.size).toBe(20_000);
  expect(mapGet(map, 'user-12345')).toBe(12345);
  expect(mapSet(map, 'user-7', 7)).toBe(map);
  expect(mapRemove(map, 'absent')).toBe(map);
  for (let i = 0; i < 20_000; i++) map = mapRemove(map, `user-${i}`);
  expect(map.size).toBe(0);
  expect([...mapEntries(map)]).toEqual([]);
});
