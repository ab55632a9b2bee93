import type { Observable } from 'rxjs';
import { describe, expectTypeOf, test } from 'vitest';
import type { LivebindError } from '../../src/errors.js';
import type { ChangeEvent, ConnectionState, LiveStatus, RowKey, RowSet } from '../../src/types.js';
import {
  useChanges,
  useConnectionState,
  useLiveQuery,
  useObservable,
  useSuspenseLiveQuery,
  type LiveQueryResult,
} from '../../react/index.js';

interface Message {
  readonly id: string;
  readonly room: string;
  readonly body: string;
}

describe('typed rows flow from the generic into the hooks', () => {
  test('useLiveQuery', () => {
    const result = useLiveQuery<Message>('SELECT * FROM app.messages WHERE room = $1', ['lobby'], {
      orderBy: 'id',
      keepPrevious: true,
      initialData: [{ id: '1', room: 'lobby', body: 'hi' }],
    });
    expectTypeOf(result).toEqualTypeOf<LiveQueryResult<Message>>();
    expectTypeOf(result.rows).toEqualTypeOf<readonly Message[]>();
    expectTypeOf(result.byKey).toEqualTypeOf<ReadonlyMap<RowKey, Message>>();
    expectTypeOf(result.status).toEqualTypeOf<LiveStatus>();
    expectTypeOf(result.error).toEqualTypeOf<LivebindError | undefined>();
    expectTypeOf(result.isLoading).toBeBoolean();
    expectTypeOf(result.snapshot).toEqualTypeOf<RowSet<Message>>();
    expectTypeOf(result.snapshot.at(0)).toEqualTypeOf<Message | undefined>();
  });

  test('useLiveQuery without a generic gives records', () => {
    expectTypeOf(useLiveQuery('SELECT 1').rows).toEqualTypeOf<readonly Record<string, unknown>[]>();
  });

  test('initialData must match the row type, params must be SQL values', () => {
    // @ts-expect-error body is missing
    useLiveQuery<Message>('SELECT * FROM app.messages', [], { initialData: [{ id: '1', room: 'x' }] });
    // @ts-expect-error objects are not SQL parameters
    useLiveQuery<Message>('SELECT * FROM app.messages WHERE room = $1', [{ room: 'x' }]);
    useLiveQuery<Message>('SELECT * FROM app.messages WHERE id = $1', [1n, 'a', 2, true, null]);
  });

  test('useSuspenseLiveQuery never reports loading or error', () => {
    const result = useSuspenseLiveQuery<Message>('SELECT * FROM app.messages');
    expectTypeOf(result.rows).toEqualTypeOf<readonly Message[]>();
    expectTypeOf(result.status).toEqualTypeOf<'ready' | 'reconnecting'>();
  });

  test('useChanges hands typed events to the callback', () => {
    useChanges<Message>('SELECT * FROM app.messages', (event) => {
      expectTypeOf(event).toEqualTypeOf<ChangeEvent<Message>>();
      if (!event.expired) expectTypeOf(event.row.body).toBeString(); // an expired stream row carries only its key
      expectTypeOf(event.oldRow).toEqualTypeOf<Partial<Message> | undefined>();
    });
  });

  test('useConnectionState and useObservable', () => {
    expectTypeOf(useConnectionState()).toEqualTypeOf<ConnectionState>();
    const count$ = {} as Observable<number>;
    expectTypeOf(useObservable(count$, 0)).toEqualTypeOf<number>();
    expectTypeOf(useObservable(count$, undefined as number | undefined)).toEqualTypeOf<number | undefined>();
    // @ts-expect-error the initial value must fit the observable's type
    useObservable(count$, 'zero');
  });
});
