/**
 * The bounds every WebSocket front end of the dev server shares (`/v1/ws` and the Supabase Realtime
 * socket), so neither can be made to hold more than the other:
 * - inbound: frames larger than `maxFrameBytes` are refused (1 MiB by default);
 * - outbound: a client that stops reading must not make the server hold more than
 *   `outboundQueueLimit` unsent messages or `outboundBufferLimitBytes` buffered bytes (beyond the
 *   kernel's buffers); past either bound the connection is closed with 1013 (`OVERFLOW_CLOSE`).
 */
import type { WebSocket } from 'ws';

export interface OutboundLimits {
  /** Unsent server messages per connection before close 1013 (default 10000). */
  readonly outboundQueueLimit: number;
  /** Bytes buffered for a connection that does not read before close 1013 (default 8 MiB). */
  readonly outboundBufferLimitBytes: number;
}

/** Largest inbound frame a front end processes (1 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

export const DEFAULT_OUTBOUND_LIMITS: OutboundLimits = { outboundQueueLimit: 10_000, outboundBufferLimitBytes: 8 * 1024 * 1024 };

/** How a connection over its outbound bound is closed (the client reconnects and resumes). */
export const OVERFLOW_CLOSE = { code: 1013, reason: 'Notification queue overflow' } as const;

/** Sends frames on one socket and tells when it went over its outbound bounds. */
export class BoundedOutbound {
  private pending = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly limits: OutboundLimits,
  ) {}

  /** Queues one frame; false when the connection is now over a bound (the caller closes it with OVERFLOW_CLOSE). */
  send(data: string | Uint8Array, binary: boolean): boolean {
    this.pending++;
    this.ws.send(data, { binary }, () => {
      this.pending--;
    });
    return !this.over(0, 0);
  }

  /** Whether the connection is over a bound, counting `heldMessages` and `heldBytes` not handed to the socket yet. */
  over(heldMessages: number, heldBytes: number): boolean {
    return this.pending + heldMessages > this.limits.outboundQueueLimit || this.ws.bufferedAmount + heldBytes > this.limits.outboundBufferLimitBytes;
  }
}
