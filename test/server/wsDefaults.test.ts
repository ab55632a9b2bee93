/**
 * The /v1/ws default limits are the spec's (kalamdb-protocol.md §5.4 table): 1 MiB frame, 50 msg/s,
 * 100 subscriptions per connection, 10 per user, 3 s auth timeout, 10 s inbound silence checked every
 * 5 s. Changing one must be a deliberate edit here. (The outbound queue differs on purpose: KalamDB
 * drops above 256, the dev server closes 1013 above 10,000.)
 */
import { expect, it } from 'vitest';
import { DEFAULT_KALAM_WS_OPTIONS } from '../../server/kalamdb/ws/attachKalamWs.js';

it('pins the spec default limits', () => {
  expect(DEFAULT_KALAM_WS_OPTIONS.maxMessageBytes).toBe(1024 * 1024); // 1 MiB frame
  expect(DEFAULT_KALAM_WS_OPTIONS.maxMessagesPerSec).toBe(50);
  expect(DEFAULT_KALAM_WS_OPTIONS.maxSubscriptionsPerConnection).toBe(100);
  expect(DEFAULT_KALAM_WS_OPTIONS.maxSubscriptionsPerUser).toBe(10);
  expect(DEFAULT_KALAM_WS_OPTIONS.authTimeoutMs).toBe(3000);
  expect(DEFAULT_KALAM_WS_OPTIONS.idleTimeoutMs).toBe(10_000);
});

it('pins every default (no field added or changed unnoticed)', () => {
  expect(DEFAULT_KALAM_WS_OPTIONS).toEqual({
    authTimeoutMs: 3000,
    maxMessageBytes: 1_048_576,
    maxMessagesPerSec: 50,
    maxSubscriptionsPerConnection: 100,
    maxSubscriptionsPerUser: 10,
    idleTimeoutMs: 10_000,
    heartbeatIntervalMs: 5000,
    outboundQueueLimit: 10_000,
    outboundBufferLimitBytes: 8 * 1024 * 1024,
    heldBackLimit: 1024,
    compressThresholdBytes: 512,
  });
});
