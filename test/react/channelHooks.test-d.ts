import { describe, expectTypeOf, test } from 'vitest';
import type { ChannelBroadcast, ChannelState, PresenceMember, PresenceSnapshot, SendReceipt } from '../../src/channel/types.js';
import type { LivebindError } from '../../src/errors.js';
import { shallow, useBroadcast, useChannelState, usePresence, useSend, useTrack } from '../../react/index.js';

interface Cursor {
  readonly x: number;
  readonly y: number;
}

describe('channel hooks: typed presence flows from the meta type', () => {
  test('usePresence without a selector: the snapshot', () => {
    expectTypeOf(usePresence<Cursor>('room')).toEqualTypeOf<PresenceSnapshot<Cursor>>();
    expectTypeOf(usePresence<Cursor>('room').get('u1')).toEqualTypeOf<PresenceMember<Cursor> | undefined>();
  });

  test('usePresence with a typed selector infers meta and selection', () => {
    const xs = usePresence('room', { selector: (p: PresenceSnapshot<Cursor>) => p.members.map((m) => m.meta.x), isEqual: shallow });
    expectTypeOf(xs).toEqualTypeOf<number[]>();
  });

  test('useTrack, useBroadcast, useSend, useChannelState', () => {
    expectTypeOf(useTrack('room', { x: 1, y: 2 })).toEqualTypeOf<LivebindError | undefined>();
    useTrack('room', null);
    useBroadcast('room', 'cursor', (m) => expectTypeOf(m).toEqualTypeOf<ChannelBroadcast>());
    expectTypeOf(useSend('room')).returns.toEqualTypeOf<Promise<SendReceipt>>();
    expectTypeOf(useChannelState('room')).toEqualTypeOf<ChannelState>();
  });
});
