import type { Observable } from 'rxjs';
import { describe, expectTypeOf, test } from 'vitest';
import type { ChangeEvent, LiveRows, LivebindClient, UploadFile, UploadProgress } from '../../src/types.js';
import { createClient } from '../../src/client.js';
import { kalamdbFiles, kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';

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

  test('queryWithFiles(): typed rows, progress and signal options, stream inputs with a required size', () => {
    const progress = (p: UploadProgress) => expectTypeOf(p).toEqualTypeOf<UploadProgress>();
    const rows = client.queryWithFiles<Message>('INSERT INTO app.docs (id, f) VALUES (1, FILE("a")) RETURNING id', { a: new Blob(['x']) }, [], {
      onProgress: progress,
      signal: new AbortController().signal,
      namespace: 'app',
    });
    expectTypeOf(rows).toEqualTypeOf<Promise<Message[]>>();
    const stream = new ReadableStream<Uint8Array>();
    expectTypeOf({ stream, size: 10, filename: 'a.bin' }).toMatchTypeOf<UploadFile>();
    // @ts-expect-error a stream needs its size
    const noSize: UploadFile = { stream };
    void noSize;
    // @ts-expect-error onProgress only on queryWithFiles
    void client.query('SELECT 1', [], { onProgress: progress });
  });

  test('createClient takes files: kalamdbFiles', () => {
    expectTypeOf(createClient({ sql: kalamdbSql, url: 'http://x', auth: { token: 't' }, files: kalamdbFiles })).toEqualTypeOf<LivebindClient>();
  });
});
