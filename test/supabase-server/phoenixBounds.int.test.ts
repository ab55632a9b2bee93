/**
 * The Phoenix socket has the bounds of /v1/ws (server/ws/wsBounds.ts): the same defaults for frame
 * size and outbound buffering, `ws` options passed on by the dev server, and a client that stops
 * reading closed with 1013 "Notification queue overflow" once the buffered bytes pass the limit.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../server/devServer.js';
import { DEFAULT_KALAM_WS_OPTIONS } from '../../server/kalamdb/ws/attachKalamWs.js';
import { DEFAULT_REALTIME_OPTIONS } from '../../server/supabase/realtimeOptions.js';
import { rawPhoenix } from './rawPhoenix.js';
import { startRealtimeHarness, type RealtimeHarness } from './realtimeHarness.js';

describe('the same bounds as /v1/ws', () => {
  it('defaults: frame size, unsent messages and buffered bytes', () => {
    expect(DEFAULT_REALTIME_OPTIONS.maxFrameBytes).toBe(DEFAULT_KALAM_WS_OPTIONS.maxMessageBytes);
    expect(DEFAULT_REALTIME_OPTIONS.outboundQueueLimit).toBe(DEFAULT_KALAM_WS_OPTIONS.outboundQueueLimit);
    expect(DEFAULT_REALTIME_OPTIONS.outboundBufferLimitBytes).toBe(DEFAULT_KALAM_WS_OPTIONS.outboundBufferLimitBytes);
  });

  it('startDevServer passes its ws bounds on to the realtime socket unless realtime sets its own', async () => {
    const server = await startDevServer({ quiet: true, ws: { maxMessageBytes: 4096, outboundQueueLimit: 77, outboundBufferLimitBytes: 123_456 }, realtime: { outboundQueueLimit: 88 } });
    try {
      expect(server.realtime.options).toMatchObject({ maxFrameBytes: 4096, outboundQueueLimit: 88, outboundBufferLimitBytes: 123_456 });
    } finally {
      await server.close();
    }
  });
});

describe('outbound bytes are bounded', () => {
  let h: RealtimeHarness;
  beforeAll(async () => {
    h = await startRealtimeHarness({ outboundBufferLimitBytes: 1024 * 1024, outboundQueueLimit: 100_000 });
    await h.sql('admin', "CREATE SHARED TABLE app.feed (id BIGINT PRIMARY KEY, body TEXT) WITH (ACCESS_LEVEL = 'PUBLIC')");
  });
  afterAll(() => h.close());

  it('a client that stops reading is closed with 1013 once the buffered bytes pass the limit, long before the message limit', async () => {
    const s = await rawPhoenix(`${h.server.url.replace('http:', 'ws:')}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
    s.send(['1', '1', 'realtime:firehose', 'phx_join', { config: { postgres_changes: [{ event: 'INSERT', schema: 'app', table: 'feed' }] }, access_token: h.tokens.alice }]);
    await s.next((f) => f[3] === 'system' && f[4].message === 'Subscribed to PostgreSQL');
    const raw = (s.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    let batches = 0;
    for (; batches < 60 && h.server.realtime.stats().postgresJoins > 0; batches++) {
      const values = Array.from({ length: 10 }, (_, i) => `(${batches * 10 + i}, '${randomBytes(48_000).toString('base64')}')`);
      await h.sql('alice', `INSERT INTO app.feed (id, body) VALUES ${values.join(', ')}`);
    }
    // Closed by bytes: at most 600 messages were sent, far under outboundQueueLimit (100,000).
    expect(h.server.realtime.stats().postgresJoins).toBe(0);
    expect(batches).toBeLessThan(60);
    raw.resume();
    expect(await s.closed).toEqual({ code: 1013, reason: 'Notification queue overflow' });
  });
});
