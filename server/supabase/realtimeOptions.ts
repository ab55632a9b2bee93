/** Limits and timers of the Supabase Realtime front end (spec §1, §5); every field optional. */
export interface SupabaseRealtimeOptions {
  /** Largest inbound WebSocket frame; larger frames close the socket with 1009 (default 1 MiB; Supabase: 5,000,000 bytes). */
  readonly maxFrameBytes?: number;
  /** Largest broadcast payload (JSON text or raw bytes); larger: `payload_size_exceeded` when acked, else dropped (default 256 KiB). */
  readonly maxPayloadBytes?: number;
  /** Largest tracked presence payload (JSON); larger: system "Track message size exceeded" + phx_close (default 16 KiB). */
  readonly maxPresenceBytes?: number;
  /** Joined channels per socket (default 100) → join error `ChannelRateLimitReached`. */
  readonly maxChannelsPerSocket?: number;
  /** Joins per second per socket (default 100) → join error `ClientJoinRateLimitReached`, then close 1001. */
  readonly maxJoinsPerSecond?: number;
  /** Inbound messages per second per socket, heartbeats exempt (default 2000) → system "Too many messages per second" + phx_close. */
  readonly maxMessagesPerSecond?: number;
  /** Track/untrack per channel join within `presenceWindowMs` (default 5; Supabase `client_presence_rate_limit`). */
  readonly presenceLimit?: number;
  readonly presenceWindowMs?: number;
  /** postgres_changes bindings per join (default 100). */
  readonly maxBindingsPerJoin?: number;
  /** Inbound silence before the socket is closed (default 60000, like Supabase). */
  readonly idleTimeoutMs?: number;
  /** A socket without channels for this long is closed (default 600000, Supabase `NO_CHANNEL_TIMEOUT_IN_MS`). */
  readonly noChannelTimeoutMs?: number;
  /** How often idle sockets are looked for (default 5000). */
  readonly sweepIntervalMs?: number;
  /** Bytes queued for a socket that does not read before it is closed with 1013 (default 8 MiB). */
  readonly outboundBufferLimitBytes?: number;
  /** Messages waiting behind a token check per socket before it is closed with 1013 (default 256). */
  readonly maxPendingMessages?: number;
  /** Join error replies are sent this late (default 5000, Supabase `CHANNEL_ERROR_BACKOFF_MS`). */
  readonly joinErrorDelayMs?: number;
  /** Delay of "Subscribed to PostgreSQL" after the join reply (default 0; Supabase: typically 1–3 s). */
  readonly postgresReadyDelayMs?: number;
}

export type ResolvedRealtimeOptions = { readonly [K in keyof SupabaseRealtimeOptions]-?: number };

export const DEFAULT_REALTIME_OPTIONS: ResolvedRealtimeOptions = {
  maxFrameBytes: 1024 * 1024,
  maxPayloadBytes: 256 * 1024,
  maxPresenceBytes: 16 * 1024,
  maxChannelsPerSocket: 100,
  maxJoinsPerSecond: 100,
  maxMessagesPerSecond: 2000,
  presenceLimit: 5,
  presenceWindowMs: 30_000,
  maxBindingsPerJoin: 100,
  idleTimeoutMs: 60_000,
  noChannelTimeoutMs: 600_000,
  sweepIntervalMs: 5000,
  outboundBufferLimitBytes: 8 * 1024 * 1024,
  maxPendingMessages: 256,
  joinErrorDelayMs: 5000,
  postgresReadyDelayMs: 0,
};

export function resolveRealtimeOptions(options: SupabaseRealtimeOptions = {}): ResolvedRealtimeOptions {
  const out: Record<string, number> = { ...DEFAULT_REALTIME_OPTIONS };
  for (const [key, value] of Object.entries(options)) if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && key in out) out[key] = value;
  return out as ResolvedRealtimeOptions;
}
