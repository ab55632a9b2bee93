/** An in-memory ChannelPort: records what the channel asks for; the test answers through `sink`. */
import type { ChannelError } from '../../src/errors.js';
import type { ChannelConfig, ChannelPort, ChannelPush, ChannelSink, JoinRequest, PushDone, PushOptions } from '../../src/channel/ChannelPort.js';
import { ChannelRegistry } from '../../src/channel/ChannelRegistry.js';
import { resolveChannelRuntime } from '../../src/channel/channelRuntime.js';
import type { ChannelDiagnostic, ChannelRuntime } from '../../src/channel/channelRuntime.js';
import { defaultTimers } from '../../src/connection/timers.js';

export interface FakePush {
  readonly message: ChannelPush;
  readonly options: PushOptions;
  readonly joinRef: string | undefined;
  done: PushDone;
  cancelled: boolean;
  settled: boolean;
}

export class FakePort implements ChannelPort {
  joinRef: string | undefined;
  readonly joins: (JoinRequest & { ref: string })[] = [];
  leaves = 0;
  readonly pushes: FakePush[] = [];
  private nextRef = 0;

  constructor(
    readonly topic: string,
    readonly config: ChannelConfig,
    readonly sink: ChannelSink,
  ) {}

  join(request: JoinRequest): void {
    this.joinRef = `j${++this.nextRef}`;
    this.joins.push({ ...request, ref: this.joinRef });
  }

  leave(): void {
    this.leaves++;
    this.joinRef = undefined;
  }

  push(message: ChannelPush, options: PushOptions, done: PushDone): () => void {
    const p: FakePush = { message, options, joinRef: this.joinRef, done, cancelled: false, settled: false };
    p.done = (error?: ChannelError) => {
      if (p.cancelled || p.settled) return;
      p.settled = true;
      done(error);
    };
    this.pushes.push(p);
    return () => {
      p.cancelled = true;
    };
  }

  /** Accept the newest join. */
  acceptJoin(): string {
    const ref = this.joinRef!;
    this.sink.joined(ref);
    return ref;
  }

  /** Pushes neither settled nor cancelled. */
  open(): FakePush[] {
    return this.pushes.filter((p) => !p.cancelled && !p.settled);
  }

  /** Ack every open push (optionally only those of one kind). */
  ackAll(kind?: ChannelPush['kind']): number {
    const open = this.open().filter((p) => kind === undefined || p.message.kind === kind);
    for (const p of open) p.done();
    return open.length;
  }
}

export interface Harness {
  registry: ChannelRegistry;
  ports: FakePort[];
  port(topic?: string): FakePort;
  diagnostics: ChannelDiagnostic[];
  runtime: ChannelRuntime;
}

/** A registry over FakePorts with the real timers interface (use vi.useFakeTimers()). */
export function channelHarness(overrides: Partial<ChannelRuntime> = {}): Harness {
  const ports: FakePort[] = [];
  const diagnostics: ChannelDiagnostic[] = [];
  const runtime = resolveChannelRuntime({ timers: defaultTimers, now: () => Date.now(), onDiagnostic: (d) => diagnostics.push(d), ...overrides });
  const registry = new ChannelRegistry(
    (topic, config, sink) => {
      const port = new FakePort(topic, config, sink);
      ports.push(port);
      return port;
    },
    runtime,
    'fake',
  );
  return {
    registry,
    ports,
    diagnostics,
    runtime,
    port(topic) {
      const found = [...ports].reverse().find((p) => topic === undefined || p.topic === topic);
      if (!found) throw new Error(`no port for ${topic ?? 'any topic'}`);
      return found;
    },
  };
}
