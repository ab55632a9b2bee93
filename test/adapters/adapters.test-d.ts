// Typed rows flow from the generic into every framework adapter (the `types` project: expectTypeOf).
import { QueryObserver, type QueryClient } from '@tanstack/query-core';
import type { Accessor } from 'solid-js';
import { describe, expectTypeOf, test } from 'vitest';
import type { ShallowRef } from 'vue';
import * as solid from '../../adapters/solid/index.js';
import * as svelte from '../../adapters/svelte/index.js';
import { createLiveQueryOptions, liveQueryOptions, type LiveQueryKey } from '../../adapters/tanstack-query/index.js';
import * as vue from '../../adapters/vue/index.js';
import type { SendReceipt } from '../../src/channel/types.js';
import type { LivebindError } from '../../src/errors.js';
import type { LiveQueryResult } from '../../src/index.js';
import type { ConnectionState, LivebindClient, LiveStatus, RowSet } from '../../src/types.js';

interface Message {
  readonly id: string;
  readonly room: string;
  readonly body: string;
}
// A type alias (not an interface): track metas are Record<string, unknown>, as in livebind/react.
type Cursor = { readonly name: string; readonly x: number };

const client = {} as LivebindClient;
const sql = 'SELECT * FROM app.messages WHERE room = $1';
const names = (p: { members: readonly { meta: Cursor }[] }) => p.members.map((m) => m.meta.name);

describe('livebind/vue', () => {
  test('useLiveQuery<Row>: a shallowRef of the typed result', () => {
    const result = vue.useLiveQuery<Message>(sql, () => ['lobby'], { client, orderBy: 'id', initialData: [{ id: '1', room: 'lobby', body: 'hi' }] });
    expectTypeOf(result).toEqualTypeOf<Readonly<ShallowRef<LiveQueryResult<Message>>>>();
    expectTypeOf(result.value.rows).toEqualTypeOf<readonly Message[]>();
    expectTypeOf(result.value.snapshot).toEqualTypeOf<RowSet<Message>>();
    expectTypeOf(vue.useLiveQuery(sql).value.rows).toEqualTypeOf<readonly Record<string, unknown>[]>();
    // @ts-expect-error initialData must match the row type
    vue.useLiveQuery<Message>(sql, [], { initialData: [{ id: '1' }] });
  });

  test('presence, track, send and state composables', () => {
    expectTypeOf(vue.usePresence<Cursor, string[]>('room', { selector: names }).value).toEqualTypeOf<string[]>();
    expectTypeOf(vue.useTrack<Cursor>('room', () => ({ name: 'ann', x: 1 })).value).toEqualTypeOf<LivebindError | undefined>();
    expectTypeOf(vue.useSend('room')).returns.toEqualTypeOf<Promise<SendReceipt>>();
    expectTypeOf(vue.useConnectionState().value).toEqualTypeOf<ConnectionState>();
    expectTypeOf(vue.isServerRender()).toBeBoolean();
  });
});

describe('livebind/svelte', () => {
  test('liveQuery<Row>: typed getters and a typed store', () => {
    const q = svelte.liveQuery<Message>(sql, () => ['lobby'], { client, orderBy: 'id' });
    expectTypeOf(q.rows).toEqualTypeOf<readonly Message[]>();
    expectTypeOf(q.status).toEqualTypeOf<LiveStatus>();
    expectTypeOf(q.current).toEqualTypeOf<LiveQueryResult<Message>>();
    expectTypeOf(q.subscribe).parameter(0).toEqualTypeOf<(value: LiveQueryResult<Message>) => void>();
    expectTypeOf(svelte.liveQuery(sql).rows).toEqualTypeOf<readonly Record<string, unknown>[]>();
  });

  test('presence, track and state bindings', () => {
    expectTypeOf(svelte.presence<Cursor, string[]>('room', { selector: names }).current).toEqualTypeOf<string[]>();
    expectTypeOf(svelte.track<Cursor>('room', () => null).current).toEqualTypeOf<LivebindError | undefined>();
    expectTypeOf(svelte.connectionState().current).toEqualTypeOf<ConnectionState>();
    expectTypeOf(svelte.SERVER_RENDER).toBeBoolean();
  });
});

describe('livebind/solid', () => {
  test('createLiveQuery<Row>: a store of typed rows and the raw result accessor', () => {
    const q = solid.createLiveQuery<Message>(sql, () => ['lobby'], { client, orderBy: 'id' });
    expectTypeOf(q.rows).toEqualTypeOf<Message[]>();
    expectTypeOf(q.status).toEqualTypeOf<LiveStatus>();
    expectTypeOf(q.result).toEqualTypeOf<Accessor<LiveQueryResult<Message>>>();
    expectTypeOf(solid.createLiveQuery(sql).rows).toEqualTypeOf<Record<string, unknown>[]>();
  });

  test('presence, track and state primitives', () => {
    expectTypeOf(solid.createPresence<Cursor, string[]>('room', { selector: names })).toEqualTypeOf<Accessor<string[]>>();
    expectTypeOf(solid.createTrack<Cursor>('room', () => null)).toEqualTypeOf<Accessor<LivebindError | undefined>>();
    expectTypeOf(solid.createConnectionState()).toEqualTypeOf<Accessor<ConnectionState>>();
  });
});

describe('livebind/tanstack-query', () => {
  test('liveQueryOptions<Row>: typed data, a scoped key', () => {
    const options = liveQueryOptions<Message>(client, sql, ['lobby'], { scope: 'user:1', orderBy: 'id' });
    expectTypeOf(options.queryKey).toEqualTypeOf<LiveQueryKey>();
    const observer = new QueryObserver({} as QueryClient, options);
    expectTypeOf(observer.getCurrentResult().data).toEqualTypeOf<readonly Message[] | undefined>();
    // @ts-expect-error the scope is a string (part of the key)
    liveQueryOptions<Message>(client, sql, [], { scope: 42 });
  });

  test('createLiveQueryOptions: the bound factory keeps the row generic', () => {
    const live = createLiveQueryOptions(client, { scope: 'eu' });
    const observer = new QueryObserver({} as QueryClient, live<Message>(sql, ['lobby']));
    expectTypeOf(observer.getCurrentResult().data).toEqualTypeOf<readonly Message[] | undefined>();
    expectTypeOf(live(sql).queryKey).toEqualTypeOf<LiveQueryKey>();
  });
});
