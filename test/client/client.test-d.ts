import type { Observable } from 'rxjs';
import { describe, expectTypeOf, test } from 'vitest';
import type { ChangeEvent, LiveRows, LivebindClient } from '../../src/types.js';

interface Message {
  readonly id: string;
  readonly body: string;
}

declare const client: LivebindClient;

describe('typed rows flow from the generic through the core observables', () => {
  test('changes(): subscribers get events (never undefined); the store snapshot may be undefined', () => {
    const changes$ = client.changes<Message>('SELECT id, body FROM app.messages');
    expectTypeOf(changes$).toMatchTypeOf<Observable<ChangeEvent<Message>>>();
    changes$.subscribe((event) => {
      expectTypeOf(event).toEqualTypeOf<ChangeEvent<Message>>();
      expectTypeOf(event.type).toEqualTypeOf<'insert' | 'update' | 'delete'>();
    });
    expectTypeOf(changes$.getSnapshot()).toEqualTypeOf<ChangeEvent<Message> | undefined>();
  });

  test('liveRows(): snapshots of typed rows', () => {
    const live$ = client.liveRows<Message>('SELECT id, body FROM app.messages', { orderBy: 'id' });
    live$.subscribe((s) => {
      expectTypeOf(s).toEqualTypeOf<LiveRows<Message>>();
      expectTypeOf(s.rows).toEqualTypeOf<readonly Message[]>();
    });
    expectTypeOf(live$.getSnapshot()).toEqualTypeOf<LiveRows<Message>>();
  });

  test('query(): typed rows', () => {
    expectTypeOf(client.query<Message>('SELECT id, body FROM app.messages')).toEqualTypeOf<Promise<Message[]>>();
  });
});
