/**
 * Sharing (as QueryRegistry does for live queries): one Channel per topic while it is in use, so
 * every `channel(topic)` caller shares one join, one presence state and one set of streams.
 * - Options are fixed per topic while it is in use: a call with different options throws UsageError
 *   (`CHANNEL_OPTIONS_CONFLICT`); a call without options accepts the existing ones. An idle
 *   channel with other options is replaced.
 * - An entry leaves `unusedTtlMs` after its channel went idle (last use ended + grace) or was
 *   created and never used; reused within that time, it is the same channel. A caller holding an
 *   evicted handle can still use it: it registers itself again if the topic is free.
 * - Without a channel-capable driver, `channel()` throws UnsupportedError at the call.
 */
import { UnsupportedError, UsageError } from '../errors.js';
import { Channel } from './Channel.js';
import type { ChannelConfig, ChannelPortFactory } from './ChannelPort.js';
import { resolveChannelRuntime } from './channelRuntime.js';
import type { ChannelRuntime } from './channelRuntime.js';
import type { ChannelHandle, ChannelOptions } from './types.js';

interface Entry {
  readonly channel: Channel;
  readonly key: string;
}

/** The `ChannelCore` a channel-capable driver hands to the client (src/protocol/driver.ts). */
export function channelRegistry(
  port: ChannelPortFactory,
  settings: Partial<ChannelRuntime>,
  backend: string,
): ChannelRegistry {
  return new ChannelRegistry(port, resolveChannelRuntime(settings), backend);
}

export class ChannelRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly unusedTimers = new Set<unknown>();
  private closed = false;

  constructor(
    private readonly factory: ChannelPortFactory | undefined,
    private readonly runtime: ChannelRuntime,
    /** Driver name for the UnsupportedError message. */
    private readonly backend: string,
    private readonly unusedTtlMs = 60_000,
  ) {}

  channel<M = Record<string, unknown>>(topic: string, options?: ChannelOptions): ChannelHandle<M> {
    if (this.closed) throw new UsageError('channel() was called after client.close(); create a new client.', { code: 'CLIENT_CLOSED' });
    if (!this.factory) {
      throw new UnsupportedError(`Channels (presence and broadcast) are not available over ${this.backend}; use a driver that supports them (e.g. Supabase Realtime).`, {
        code: 'UNSUPPORTED',
        capability: 'channel',
      });
    }
    if (typeof topic !== 'string' || topic.trim() === '') throw new UsageError(`channel() needs a non-empty topic; got ${JSON.stringify(topic)}.`, { code: 'INVALID_ARGUMENT' });
    const config = toConfig(options);
    const key = JSON.stringify(config);
    const existing = this.entries.get(topic);
    if (existing && (existing.key === key || options === undefined || existing.channel.status.status !== 'idle')) {
      if (existing.key !== key && options !== undefined) {
        throw new UsageError(
          `channel("${topic}") is already open with options ${existing.key}; got ${key}. Use the same options for one topic (or omit them to share the existing channel).`,
          { code: 'CHANNEL_OPTIONS_CONFLICT' },
        );
      }
      return existing.channel.handle as unknown as ChannelHandle<M>;
    }
    const factory = this.factory;
    const channel = new Channel(topic, config, factory, this.runtime, {
      onActive: (c) => {
        // A handle kept past its eviction registers itself again (when no newer channel took the topic).
        if (!this.entries.has(topic)) this.entries.set(topic, { channel: c, key });
      },
      onIdle: (c) => this.evictIfIdle(topic, c),
    });
    this.entries.set(topic, { channel, key });
    this.evictIfIdle(topic, channel);
    return channel.handle as unknown as ChannelHandle<M>;
  }

  /** Leave every channel and complete its observables (client.close()). */
  closeAll(): void {
    this.closed = true;
    for (const t of this.unusedTimers) this.runtime.timers.clearTimeout(t);
    this.unusedTimers.clear();
    for (const { channel } of [...this.entries.values()]) channel.dispose();
    this.entries.clear();
  }

  /** Drop the entry after `unusedTtlMs` unless its channel is in use by then. */
  private evictIfIdle(topic: string, channel: Channel): void {
    if (this.closed) return;
    const handle = this.runtime.timers.setTimeout(() => {
      this.unusedTimers.delete(handle);
      if (channel.status.status === 'idle' && this.entries.get(topic)?.channel === channel) this.entries.delete(topic);
    }, this.unusedTtlMs);
    this.unusedTimers.add(handle);
    (handle as { unref?: () => void } | null)?.unref?.();
  }
}

/** Options with defaults, in a fixed field order (their JSON is the identity for conflicts). */
function toConfig(options: ChannelOptions | undefined): ChannelConfig {
  const o = options ?? {};
  const bool = (value: unknown, name: string, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') throw new UsageError(`Channel option "${name}" must be a boolean; got ${JSON.stringify(value)}.`, { code: 'INVALID_OPTION' });
    return value;
  };
  const key = o.presence?.key ?? '';
  if (typeof key !== 'string') throw new UsageError(`Channel option "presence.key" must be a string; got ${JSON.stringify(key)}.`, { code: 'INVALID_OPTION' });
  return {
    broadcast: { ack: bool(o.broadcast?.ack, 'broadcast.ack', true), self: bool(o.broadcast?.self, 'broadcast.self', false) },
    presence: { key, enabled: false },
    private: bool(o.private, 'private', false),
  };
}
