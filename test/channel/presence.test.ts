// Presence as pure functions (docs/SPEC.md "Channels" §presence rules): syncState / syncDiff tables,
// the update case, multi-meta keys, immutability, and per-join buffering with stale refs.
import { describe, expect, test } from 'vitest';
import type { PresenceWireDiff, PresenceWireState } from '../../src/channel/ChannelPort.js';
import { emptyPresence, presenceMembers, syncDiff, syncState } from '../../src/channel/presence.js';
import type { PresenceMap } from '../../src/channel/presence.js';
import { initialPresenceSync, presenceDiff, presenceJoining, presenceState } from '../../src/channel/presenceSync.js';
import type { PresenceEvent } from '../../src/channel/types.js';

type M = Record<string, unknown>;

/** `{ key: [ref, ...] }` view of a state (refs in connection order). */
function refs(state: PresenceMap<M>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of presenceMembers(state)) out[m.key] = m.connections.map((c) => c.ref);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Compact event summary: `type key refs` (update: `prev>cur`). */
function summary(events: readonly PresenceEvent<M>[]): string[] {
  return events.map((e) => {
    if (e.type === 'join') return `join ${e.key} ${e.joined.map((c) => c.ref).join(',')}`;
    if (e.type === 'leave') return `leave ${e.key} ${e.left.map((c) => c.ref).join(',')}`;
    return `update ${e.key} ${e.updates.map((u) => `${u.previous.ref}>${u.current.ref}`).join(',')}`;
  });
}

const meta = (ref: string, extra: M = {}, prev?: string) => ({ phx_ref: ref, ...(prev ? { phx_ref_prev: prev } : {}), ...extra });
const wire = (entries: Record<string, ReturnType<typeof meta>[]>): PresenceWireState =>
  Object.fromEntries(Object.entries(entries).map(([k, metas]) => [k, { metas }]));

function build(entries: Record<string, ReturnType<typeof meta>[]>): PresenceMap<M> {
  return syncState(emptyPresence<M>(), wire(entries)).state;
}

describe('syncDiff', () => {
  const table: {
    name: string;
    before: Record<string, ReturnType<typeof meta>[]>;
    diff: { joins?: Record<string, ReturnType<typeof meta>[]>; leaves?: Record<string, ReturnType<typeof meta>[]> };
    after: Record<string, string[]>;
    events: string[];
  }[] = [
    { name: 'join of a new key', before: {}, diff: { joins: { u1: [meta('a')] } }, after: { u1: ['a'] }, events: ['join u1 a'] },
    {
      name: 'second tab of a key: one key, two connections',
      before: { u1: [meta('a')] },
      diff: { joins: { u1: [meta('b')] } },
      after: { u1: ['a', 'b'] },
      events: ['join u1 b'],
    },
    { name: 'leave of the only connection removes the key', before: { u1: [meta('a')] }, diff: { leaves: { u1: [meta('a')] } }, after: {}, events: ['leave u1 a'] },
    {
      name: 'leave of one tab keeps the key',
      before: { u1: [meta('a'), meta('b')] },
      diff: { leaves: { u1: [meta('a')] } },
      after: { u1: ['b'] },
      events: ['leave u1 a'],
    },
    {
      name: 'leave + join with phx_ref_prev is ONE update',
      before: { u1: [meta('a', { s: 1 })] },
      diff: { joins: { u1: [meta('b', { s: 2 }, 'a')] }, leaves: { u1: [meta('a', { s: 1 })] } },
      after: { u1: ['b'] },
      events: ['update u1 a>b'],
    },
    {
      name: 'update of one tab among two keeps the other',
      before: { u1: [meta('a'), meta('b')] },
      diff: { joins: { u1: [meta('c', {}, 'b')] }, leaves: { u1: [meta('b')] } },
      after: { u1: ['a', 'c'] },
      events: ['update u1 b>c'],
    },
    {
      name: 'leave + join WITHOUT phx_ref_prev stays a leave and a join',
      before: { u1: [meta('a')] },
      diff: { joins: { u1: [meta('b')] }, leaves: { u1: [meta('a')] } },
      after: { u1: ['b'] },
      events: ['join u1 b', 'leave u1 a'],
    },
    {
      name: 'update, join and leave on one key in one diff',
      before: { u1: [meta('a'), meta('b')] },
      diff: { joins: { u1: [meta('c', {}, 'a'), meta('d')] }, leaves: { u1: [meta('a'), meta('b')] } },
      after: { u1: ['c', 'd'] },
      events: ['update u1 a>c', 'join u1 d', 'leave u1 b'],
    },
    { name: 'leave of an unknown ref is ignored', before: { u1: [meta('a')] }, diff: { leaves: { u1: [meta('zz')], u9: [meta('y')] } }, after: { u1: ['a'] }, events: [] },
    {
      name: 'several keys in one diff',
      before: { u1: [meta('a')], u2: [meta('b')] },
      diff: { joins: { u3: [meta('c')] }, leaves: { u2: [meta('b')] } },
      after: { u1: ['a'], u3: ['c'] },
      events: ['join u3 c', 'leave u2 b'],
    },
  ];

  test.each(table)('$name', ({ before, diff, after, events }) => {
    const result = syncDiff(build(before), { joins: wire(diff.joins ?? {}), leaves: wire(diff.leaves ?? {}) });
    expect(refs(result.state)).toEqual(after);
    expect(summary(result.events)).toEqual(events);
  });

  test('__proto__ is an ordinary key (no prototype pollution)', () => {
    const joins = JSON.parse('{"__proto__":{"metas":[{"phx_ref":"p","x":1}]}}') as PresenceWireState;
    const { state, events } = syncDiff(emptyPresence<M>(), { joins, leaves: {} } as PresenceWireDiff);
    expect(presenceMembers(state).map((m) => [m.key, m.connections.map((c) => c.ref)])).toEqual([['__proto__', ['p']]]);
    expect(events.map((e) => [e.type, e.key])).toEqual([['join', '__proto__']]);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  test('metas lose phx_ref / phx_ref_prev; the merged view prefers newer connections', () => {
    const s = build({ u1: [meta('a', { name: 'x', tab: 1 }), meta('b', { tab: 2 })] });
    const m = presenceMembers(s)[0]!;
    expect(m.connections).toEqual([
      { ref: 'a', meta: { name: 'x', tab: 1 } },
      { ref: 'b', meta: { tab: 2 } },
    ]);
    expect(m.meta).toEqual({ name: 'x', tab: 2 });
  });

  test('state and events are frozen copies: mutating the wire afterwards changes nothing', () => {
    const joins = wire({ u1: [meta('a', { n: 1 })] });
    const { state, events } = syncDiff(emptyPresence<M>(), { joins, leaves: {} });
    (joins['u1']!.metas[0] as Record<string, unknown>)['n'] = 99;
    const member = presenceMembers(state)[0]!;
    expect(member.connections[0]!.meta).toEqual({ n: 1 });
    expect(Object.isFrozen(member)).toBe(true);
    expect(Object.isFrozen(member.connections[0]!.meta)).toBe(true);
    expect(Object.isFrozen(events[0])).toBe(true);
    // An update event keeps the previous connection as it was (the ghost-member bug: events built from live objects).
    const next = syncDiff(state, { joins: wire({ u1: [meta('b', { n: 2 }, 'a')] }), leaves: wire({ u1: [meta('a', { n: 1 })] }) });
    const e = next.events[0]!;
    expect(e.type === 'update' && e.updates[0]!.previous).toEqual({ ref: 'a', meta: { n: 1 } });
    expect(presenceMembers(state)[0]!.connections.map((c) => c.ref)).toEqual(['a']); // old state untouched
  });

  test('untouched members keep identity; an empty diff returns the same state', () => {
    const s = build({ u1: [meta('a')], u2: [meta('b')] });
    const next = syncDiff(s, { joins: wire({ u3: [meta('c')] }), leaves: {} });
    expect(presenceMembers(next.state).find((m) => m.key === 'u1')).toBe(presenceMembers(s).find((m) => m.key === 'u1'));
    expect(syncDiff(s, { joins: {}, leaves: {} }).state).toBe(s);
  });
});

describe('syncState', () => {
  test.each([
    { name: 'from empty: every key joins', before: {}, state: { u1: [meta('a')], u2: [meta('b')] }, after: { u1: ['a'], u2: ['b'] }, events: ['join u1 a', 'join u2 b'] },
    { name: 'missing keys leave', before: { u1: [meta('a')], u2: [meta('b')] }, state: { u1: [meta('a')] }, after: { u1: ['a'] }, events: ['leave u2 b'] },
    {
      name: 'shared key: new refs join, vanished refs leave',
      before: { u1: [meta('a'), meta('b')] },
      state: { u1: [meta('b'), meta('c')] },
      after: { u1: ['b', 'c'] },
      events: ['join u1 c', 'leave u1 a'],
    },
    { name: 'identical state: no events', before: { u1: [meta('a')] }, state: { u1: [meta('a')] }, after: { u1: ['a'] }, events: [] },
  ])('$name', ({ before, state, after, events }) => {
    const result = syncState(build(before), wire(state));
    expect(refs(result.state)).toEqual(after);
    expect(summary(result.events)).toEqual(events);
  });

  test('an identical state keeps member identity', () => {
    const s = build({ u1: [meta('a')] });
    expect(syncState(s, wire({ u1: [meta('a')] })).state).toBe(s);
  });
});

describe('per-join buffering (presenceSync)', () => {
  test('diffs before the state of the current join are buffered, then applied after it in order', () => {
    let sync = presenceJoining(initialPresenceSync<M>(), 'j1');
    let step = presenceDiff(sync, { joins: wire({ u2: [meta('b')] }), leaves: {} }, 'j1');
    expect(step.events).toEqual([]);
    expect(step.sync.pending).toHaveLength(1);
    sync = presenceDiff(step.sync, { joins: {}, leaves: wire({ u1: [meta('a')] }) }, 'j1').sync;
    step = presenceState(sync, wire({ u1: [meta('a')] }), 'j1');
    expect(step.sync.synced).toBe(true);
    expect(step.sync.pending).toEqual([]);
    expect(summary(step.events)).toEqual(['join u1 a', 'join u2 b', 'leave u1 a']);
    expect(refs(step.sync.state)).toEqual({ u2: ['b'] });
  });

  test('messages of a stale join ref are dropped; a rejoin drops the buffer and waits for a new state', () => {
    let sync = presenceState(presenceJoining(initialPresenceSync<M>(), 'j1'), wire({ u1: [meta('a')] }), 'j1').sync;
    sync = presenceJoining(sync, 'j2');
    expect(sync.synced).toBe(false);
    expect(refs(sync.state)).toEqual({ u1: ['a'] }); // last known members kept while rejoining
    const stale = presenceDiff(sync, { joins: wire({ u9: [meta('z')] }), leaves: {} }, 'j1');
    expect(stale.sync).toBe(sync);
    expect(presenceState(sync, wire({ u9: [meta('z')] }), 'j1').sync).toBe(sync);
    const buffered = presenceDiff(sync, { joins: wire({ u3: [meta('c')] }), leaves: {} }, 'j2').sync;
    const rejoined = presenceJoining(buffered, 'j3');
    expect(rejoined.pending).toEqual([]);
    const step = presenceState(rejoined, wire({ u1: [meta('a')], u2: [meta('b')] }), 'j3');
    expect(summary(step.events)).toEqual(['join u2 b']); // u1 unchanged: no leave/join flap
  });

  test('diffs after the state apply at once', () => {
    const sync = presenceState(presenceJoining(initialPresenceSync<M>(), 'j1'), {}, 'j1').sync;
    const step = presenceDiff(sync, { joins: wire({ u1: [meta('a')] }), leaves: {} }, 'j1');
    expect(summary(step.events)).toEqual(['join u1 a']);
  });
});
