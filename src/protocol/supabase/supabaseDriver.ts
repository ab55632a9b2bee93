/**
 * The Supabase Realtime driver: one Phoenix socket per client carrying postgres_changes feeds
 * (liveRows/changes, initial rows over /rest/v1) and channels (presence, broadcast). Protocol
 * knowledge stays in this folder; the connection (socket, backoff, queue) and the channel and live
 * machinery are neutral. SQL over HTTP does not exist on Supabase Realtime: `sql()` throws
 * UnsupportedError naming what to use instead.
 */
import type { ChannelConfig, ChannelPort, ChannelSink } from '../../channel/ChannelPort.js';
import { defaultTimers } from '../../connection/timers.js';
import type { Timers } from '../../connection/timers.js';
import { UnsupportedError, UsageError } from '../../errors.js';
import { REJOIN_DELAYS_MS } from '../../channel/rejoinDelay.js';
import type { FeedSpecInput } from './feedSpec.js';
import { feedSpec } from './feedSpec.js';
import type { FetchLike } from './loadRows.js';
import { PhoenixHub } from './PhoenixHub.js';
import type { TokenNeed } from './PhoenixHub.js';
import { PhoenixSession } from './PhoenixSession.js';
import type { HeartbeatObserver } from './PhoenixSession.js';
import { PostgresFeed } from './PostgresFeed.js';
import { RefCounter } from './RefCounter.js';
import type { FeedHandle, Link, RowSink } from './seam.js';
import { serializerFor } from './serializer.js';
import type { PhoenixSerializer, PhoenixVsn } from './serializer.js';
import { SupabaseChannelPort } from './SupabaseChannelPort.js';

export interface SupabaseDriverOptions {
  /** Project URL, e.g. `https://xyz.supabase.co` or the dev server's `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The project's API key (anon/publishable); sent as `apikey` on the socket and on /rest/v1. */
  readonly apikey: string;
  /** Phoenix serializer: `2.0.0` (default; JSON arrays + binary broadcasts) or `1.0.0` (JSON objects). */
  readonly vsn?: PhoenixVsn;
  /** Heartbeat interval (25 000 ms); a heartbeat unanswered for one interval marks the socket dead. */
  readonly heartbeatMs?: number;
  /** Feed join reply timeout (10 000 ms). */
  readonly joinTimeoutMs?: number;
  /** Feed "Subscribed to PostgreSQL" timeout after the join (20 000 ms). */
  readonly readyTimeoutMs?: number;
  readonly rejoinDelaysMs?: readonly number[];
  /** Refresh the user token this long before its `exp` (30 000 ms). */
  readonly tokenMarginMs?: number;
  readonly fetch?: FetchLike;
  readonly timers?: Timers;
  readonly now?: () => number;
  readonly onHeartbeat?: HeartbeatObserver;
}

/** How the client plugs the driver into its connection and credentials. */
export interface SupabaseDriverHost {
  /** Open the socket if it is not open (lazy connect). */
  connect(): void;
  /** A user token (`need` = a fresh one); absent when the apikey alone authorises. */
  readonly token?: ((need: TokenNeed) => Promise<string>) | undefined;
}

export const SUPABASE_MAX_FRAME_BYTES = 5_000_000;

export class SupabaseDriver {
  readonly name = 'supabase' as const;
  readonly limits: { readonly maxFrameBytes: number; readonly heartbeatMs: number };
  readonly serializer: PhoenixSerializer;
  private readonly refs = new RefCounter();
  private hubInstance: PhoenixHub | undefined;
  private host: SupabaseDriverHost | undefined;
  private feeds = 0;
  private readonly timers: Timers;
  private readonly now: () => number;

  constructor(private readonly options: SupabaseDriverOptions) {
    if (typeof options.url !== 'string' || !/^https?:\/\//.test(options.url)) {
      throw new UsageError(`url must be the project's http(s) URL (e.g. https://xyz.supabase.co); got ${JSON.stringify(options.url)}.`, { code: 'INVALID_OPTION' });
    }
    if (typeof options.apikey !== 'string' || options.apikey === '') {
      throw new UsageError('apikey is required (the project anon or publishable key; the dev server accepts any).', { code: 'INVALID_OPTION' });
    }
    const vsn = options.vsn ?? '2.0.0';
    if (vsn !== '1.0.0' && vsn !== '2.0.0') throw new UsageError(`vsn must be "1.0.0" or "2.0.0"; got ${JSON.stringify(vsn)}.`, { code: 'INVALID_OPTION' });
    this.serializer = serializerFor(vsn);
    this.limits = { maxFrameBytes: SUPABASE_MAX_FRAME_BYTES, heartbeatMs: options.heartbeatMs ?? 25_000 };
    this.timers = options.timers ?? defaultTimers;
    this.now = options.now ?? (() => Date.now());
  }

  /** Wire the driver to a client (once). */
  attach(host: SupabaseDriverHost): void {
    if (this.hubInstance !== undefined) throw new UsageError('A Supabase driver is attached to one client, before first use; create one driver per client.', { code: 'DRIVER_IN_USE' });
    this.host = host;
  }

  /** `ws(s)://host/realtime/v1/websocket?apikey=…&vsn=…` (spec §1). */
  socketUrl(): string {
    const url = new URL(this.options.url);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/realtime/v1/websocket`;
    url.search = `?apikey=${encodeURIComponent(this.options.apikey)}&vsn=${this.serializer.vsn}`;
    url.hash = '';
    return url.toString();
  }

  session(link: Link): PhoenixSession {
    return new PhoenixSession(link, this.hub, { serializer: this.serializer, refs: this.refs, now: this.now, onHeartbeat: this.options.onHeartbeat, maxFrameBytes: this.limits.maxFrameBytes });
  }

  /** liveRows (`load: true`) or changes (`load: false`) of one table over postgres_changes. */
  liveFeed(input: FeedSpecInput, sink: RowSink): FeedHandle {
    const spec = feedSpec(input);
    this.feeds += 1;
    const feed = new PostgresFeed(`realtime:livebind-${spec.table}-${String(this.feeds)}`, spec, sink, this.hub, {
      timers: this.timers,
      joinTimeoutMs: this.options.joinTimeoutMs ?? 10_000,
      readyTimeoutMs: this.options.readyTimeoutMs ?? 20_000,
      rejoinDelaysMs: this.options.rejoinDelaysMs ?? REJOIN_DELAYS_MS,
      rest: {
        url: this.options.url,
        apikey: this.options.apikey,
        fetch: this.options.fetch ?? ((url, init) => globalThis.fetch(url, init)),
        token: (refresh) => this.hub.joinToken(refresh),
      },
    });
    feed.start();
    return feed;
  }

  /** A channel port for `topic` (`room1` → `realtime:room1`). */
  channel(topic: string, config: ChannelConfig, sink: ChannelSink): ChannelPort {
    const name = topic.startsWith('realtime:') ? topic.slice('realtime:'.length) : topic;
    if (name === '') throw new UsageError('A channel topic must not be empty.', { code: 'INVALID_TOPIC' });
    return new SupabaseChannelPort(`realtime:${name}`, config, sink, this.hub);
  }

  /** SQL over HTTP is a KalamDB capability. */
  sql(): never {
    throw new UnsupportedError(
      'Supabase Realtime has no SQL endpoint: client.query()/execute() are KalamDB-only. Read rows with liveRows({ table, filter }) (initial rows come from /rest/v1), write through supabase-js or your API.',
      { code: 'UNSUPPORTED', capability: 'sql' },
    );
  }

  dispose(): void {
    this.hubInstance?.dispose();
  }

  private get hub(): PhoenixHub {
    this.hubInstance ??= new PhoenixHub({
      refs: this.refs,
      timers: this.timers,
      now: this.now,
      token: this.host?.token,
      tokenMarginMs: this.options.tokenMarginMs ?? 30_000,
      connect: () => this.host?.connect(),
    });
    return this.hubInstance;
  }
}

export function supabaseDriver(options: SupabaseDriverOptions): SupabaseDriver {
  return new SupabaseDriver(options);
}
