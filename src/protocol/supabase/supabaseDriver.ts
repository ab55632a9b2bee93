/**
 * The Supabase Realtime driver (`supabaseDriver({ url, apikey })`, passed as `createClient({ driver })`):
 * one Phoenix socket per client carrying postgres_changes feeds (liveRows/changes, initial rows over
 * /rest/v1) and channels (presence, broadcast). Protocol knowledge stays in this folder; the
 * connection (socket, backoff, queue), the channel and the live machinery are neutral.
 */
import type { ChannelConfig, ChannelPort, ChannelSink } from '../../channel/ChannelPort.js';
import { channelRegistry } from '../../channel/ChannelRegistry.js';
import { REJOIN_DELAYS_MS } from '../../channel/rejoinDelay.js';
import { UnsupportedError, UsageError } from '../../errors.js';
import type { LivebindError } from '../../errors.js';
import type { Driver, DriverContext, DriverFactory, DriverLimits, FeedSpec, SqlOutcome } from '../driver.js';
import { passwordLogin } from '../../connection/passwordLogin.js';
import { devServerLogin } from './devServerLogin.js';
import type { PostLike } from './devServerLogin.js';
import { feedSpec } from './feedSpec.js';
import type { FetchLike } from './loadRows.js';
import { parseFeedSql } from './parseFeedSql.js';
import { PhoenixHub } from './PhoenixHub.js';
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
  /** The project's API key (anon/publishable): `apikey` on the socket and on /rest/v1, and the token when there is no `auth`. */
  readonly apikey: string;
  /** Phoenix serializer: `2.0.0` (default; JSON arrays + binary broadcasts) or `1.0.0` (JSON objects, no binary). */
  readonly vsn?: PhoenixVsn;
  /** Heartbeat interval (25 000 ms); a heartbeat still unanswered when the next is due marks the socket dead. */
  readonly heartbeatMs?: number;
  /** Feed join reply timeout (10 000 ms). */
  readonly joinTimeoutMs?: number;
  /** Feed "Subscribed to PostgreSQL" timeout after the join (20 000 ms). */
  readonly readyTimeoutMs?: number;
  /** Feed rejoin delays per consecutive failure (1000, 2000, 5000, then 10 000 ms). */
  readonly rejoinDelaysMs?: readonly number[];
  /** Refresh the user token this long before its `exp` (30 000 ms). */
  readonly tokenMarginMs?: number;
  readonly fetch?: FetchLike & PostLike;
  readonly onHeartbeat?: HeartbeatObserver;
}

export const SUPABASE_MAX_FRAME_BYTES = 5_000_000;

const defaultFetch = ((url: string, init: RequestInit) => globalThis.fetch(url, init)) as FetchLike & PostLike;

export function supabaseDriver(options: SupabaseDriverOptions): DriverFactory {
  checkOptions(options);
  const fetch = options.fetch ?? defaultFetch;
  const limits: DriverLimits = { maxFrameBytes: SUPABASE_MAX_FRAME_BYTES, heartbeatMs: options.heartbeatMs ?? 25_000 };
  return {
    name: 'supabase',
    limits,
    // { user, password } needs no opt-in here: the dev-server login is small and this bundle is not the budgeted one.
    login: passwordLogin(devServerLogin(options.url, fetch)),
    anonymousToken: options.apikey,
    channels: channelRegistry,
    create: (context) => new SupabaseDriver(options, limits, fetch, context),
  };
}

export class SupabaseDriver implements Driver {
  readonly name = 'supabase';
  readonly serializer: PhoenixSerializer;
  private readonly refs = new RefCounter();
  private readonly hub: PhoenixHub;
  private feeds = 0;

  constructor(
    private readonly options: SupabaseDriverOptions,
    private readonly limits: DriverLimits,
    private readonly fetch: FetchLike,
    private readonly context: DriverContext,
  ) {
    this.serializer = serializerFor(options.vsn ?? '2.0.0');
    this.hub = new PhoenixHub({
      refs: this.refs,
      timers: context.timers,
      now: context.now,
      token: () => context.token('expired'),
      tokenMarginMs: options.tokenMarginMs ?? 30_000,
      connect: () => context.connection.start(),
    });
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
    return new PhoenixSession(link, this.hub, {
      serializer: this.serializer,
      refs: this.refs,
      now: this.context.now,
      onHeartbeat: this.options.onHeartbeat,
      maxFrameBytes: Math.min(this.limits.maxFrameBytes, this.context.connection.maxFrameBytes),
    });
  }

  stopped(error: LivebindError): void {
    this.hub.stopped(error);
  }

  /** liveRows (`load`) or changes of one table: `SELECT … FROM [schema.]table [WHERE simple filters]`. */
  liveFeed(spec: FeedSpec, sink: RowSink): FeedHandle {
    if (spec.lastRows !== undefined) {
      throw new UnsupportedError('lastRows is KalamDB-only: /rest/v1 reads have no "newest N" for a live feed. Use orderBy + limit on the client.', { code: 'UNSUPPORTED', capability: 'lastRows' });
    }
    const parsed = feedSpec({
      ...parseFeedSql(spec.sql),
      load: spec.load,
      ...(spec.key === undefined ? {} : { key: spec.key }),
      ...(spec.batchSize === undefined ? {} : { pageSize: spec.batchSize }),
    });
    this.feeds += 1;
    const feed = new PostgresFeed(`realtime:livebind-${parsed.table}-${String(this.feeds)}`, parsed, sink, this.hub, {
      timers: this.context.timers,
      joinTimeoutMs: this.options.joinTimeoutMs ?? 10_000,
      readyTimeoutMs: this.options.readyTimeoutMs ?? 20_000,
      rejoinDelaysMs: this.options.rejoinDelaysMs ?? REJOIN_DELAYS_MS,
      rest: { url: this.options.url, apikey: this.options.apikey, fetch: this.fetch, token: (refresh) => this.hub.joinToken(refresh) },
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
  sql(): Promise<SqlOutcome> {
    return Promise.reject(
      new UnsupportedError(
        'Supabase Realtime has no SQL endpoint: client.query()/execute() are KalamDB-only. Read live rows with client.liveRows("SELECT * FROM table WHERE col = $1", { params }) (initial rows come from /rest/v1); write through supabase-js or your own API.',
        { code: 'UNSUPPORTED', capability: 'sql' },
      ),
    );
  }

  close(): void {
    this.hub.dispose();
  }
}

function checkOptions(options: SupabaseDriverOptions): void {
  if (typeof options.url !== 'string' || !/^https?:\/\//.test(options.url)) {
    throw new UsageError(`url must be the project's http(s) URL (e.g. https://xyz.supabase.co); got ${JSON.stringify(options.url)}.`, { code: 'INVALID_OPTION' });
  }
  if (typeof options.apikey !== 'string' || options.apikey === '') {
    throw new UsageError('apikey is required (the project anon or publishable key; the dev server accepts any).', { code: 'INVALID_OPTION' });
  }
  const vsn = options.vsn ?? '2.0.0';
  if (vsn !== '1.0.0' && vsn !== '2.0.0') throw new UsageError(`vsn must be "1.0.0" or "2.0.0"; got ${JSON.stringify(vsn)}.`, { code: 'INVALID_OPTION' });
}
