/**
 * An in-memory channel server (presence + broadcast) shared by several clients: a stand-in for the
 * dev server's Supabase Realtime endpoint until that lands on main. Joins are accepted, presence
 * travels as Phoenix state/diffs and broadcasts fan out, each asynchronously (as over a socket).
 */
import type { ChannelConfig, ChannelPort, ChannelPortFactory, ChannelPush, ChannelSink, JoinRequest, PresenceWireMeta, PresenceWireState, PushDone, PushOptions } from '../../src/channel/ChannelPort.js';
import { ChannelRegistry } from '../../src/channel/ChannelRegistry.js';
import { resolveChannelRuntime } from '../../src/channel/channelRuntime.js';
import type { ChannelHandle, ChannelOptions } from '../../src/channel/types.js';
import { defaultTimers } from '../../src/connection/timers.js';
import { ChannelError } from '../../src/errors.js';

const later = (fn: () => void): void => void setTimeout(fn, 1);

class LoopPort implements ChannelPort {
  joinRef: string | undefined;
  config: ChannelConfig;
  tracked: PresenceWireMeta | undefined;

  constructor(
    private readonly hub: LoopbackHub,
    readonly topic: string,
    config: ChannelConfig,
    readonly sink: ChannelSink,
    readonly key: string,
  ) {
    this.config = config;
  }

  join(request: JoinRequest): void {
    const ref = (this.joinRef = this.hub.ref());
    this.config = request.config;
    this.hub.ports(this.topic).add(this);
    later(() => {
      if (this.joinRef !== ref) return;
      this.sink.joined(ref);
      if (this.config.presence.enabled) this.sink.presenceState(this.hub.state(this.topic), ref);
    });
  }

  leave(): void {
    this.hub.ports(this.topic).delete(this);
    if (this.tracked) this.hub.diff(this.topic, {}, { [this.key]: { metas: [this.tracked] } });
    this.tracked = undefined;
    this.joinRef = undefined;
  }

  push(message: ChannelPush, _options: PushOptions, done: PushDone): () => void {
    if (this.joinRef === undefined) {
      later(() => done(new ChannelError('not joined', { code: 'NOT_JOINED', topic: this.topic })));
      return () => {};
    }
    later(() => {
      if (message.kind === 'broadcast') {
        for (const port of this.hub.ports(this.topic)) {
          if (port !== this || this.config.broadcast.self) port.sink.broadcast({ event: message.event, payload: message.payload });
        }
      } else if (message.kind === 'track') {
        const previous = this.tracked;
        this.tracked = { phx_ref: this.hub.ref(), ...(previous ? { phx_ref_prev: previous.phx_ref } : {}), ...message.meta };
        this.hub.diff(this.topic, { [this.key]: { metas: [this.tracked] } }, previous ? { [this.key]: { metas: [previous] } } : {});
      } else if (this.tracked) {
        const previous = this.tracked;
        this.tracked = undefined;
        this.hub.diff(this.topic, {}, { [this.key]: { metas: [previous] } });
      }
      done();
    });
    return () => {};
  }
}

export class LoopbackHub {
  private readonly topics = new Map<string, Set<LoopPort>>();
  private n = 0;

  ref(): string {
    return String(++this.n);
  }

  ports(topic: string): Set<LoopPort> {
    let set = this.topics.get(topic);
    if (set === undefined) this.topics.set(topic, (set = new Set()));
    return set;
  }

  state(topic: string): PresenceWireState {
    const state: Record<string, { metas: PresenceWireMeta[] }> = {};
    for (const port of this.ports(topic)) if (port.tracked) (state[port.key] ??= { metas: [] }).metas.push(port.tracked);
    return state;
  }

  diff(topic: string, joins: PresenceWireState, leaves: PresenceWireState): void {
    for (const port of this.ports(topic)) {
      const ref = port.joinRef;
      if (ref !== undefined && port.config.presence.enabled) later(() => port.joinRef === ref && port.sink.presenceDiff({ joins, leaves }, ref));
    }
  }

  /** A `channel()` for one client, with presence key `key` unless the channel options name one. */
  channelFn(key: string): <M>(topic: string, options?: ChannelOptions) => ChannelHandle<M> {
    const factory: ChannelPortFactory = (topic, config, sink) => new LoopPort(this, topic, config, sink, config.presence.key || key);
    const registry = new ChannelRegistry(factory, resolveChannelRuntime({ timers: defaultTimers, now: () => Date.now(), graceMs: 50 }), 'loopback');
    return (topic, options) => registry.channel(topic, options);
  }
}
