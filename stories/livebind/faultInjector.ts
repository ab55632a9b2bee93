import type { SocketLike, WebSocketConstructor } from '../../src/index.js';

/** What the fault controls are set to, plus counters; one immutable object per change. */
export interface FaultState {
  /** Added to every frame in both directions (and to the socket's open), in ms. Frame order is kept. */
  readonly latencyMs: number;
  /** New sockets fail at once with close code 1006, as with no network. */
  readonly offline: boolean;
  /** Frames in both directions are silently dropped (a stalled link); the sockets stay "open". */
  readonly stalled: boolean;
  readonly openSockets: number;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly droppedFrames: number;
  /** Sockets this injector killed (dropConnection / goOffline). */
  readonly drops: number;
}

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * Fault injection for a client's WebSocket: pass `injector.WebSocket` as `createClient({ WebSocket })`.
 * It wraps the browser's WebSocket and can add latency, stall the link (drop frames), kill the open
 * socket (the client sees close code 1006, like a network drop) and refuse new sockets (offline).
 * It is also a store (`subscribe`/`getSnapshot`) so React can show its state.
 */
export class FaultInjector {
  readonly WebSocket: WebSocketConstructor;
  private state: FaultState;
  private readonly listeners = new Set<() => void>();
  private readonly sockets = new Set<FaultySocket>();

  constructor(options: { latencyMs?: number; Native?: WebSocketConstructor } = {}) {
    this.state = {
      latencyMs: options.latencyMs ?? 0,
      offline: false,
      stalled: false,
      openSockets: 0,
      framesIn: 0,
      framesOut: 0,
      droppedFrames: 0,
      drops: 0,
    };
    const Native = options.Native ?? (globalThis.WebSocket as unknown as WebSocketConstructor);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const injector = this;
    this.WebSocket = class extends FaultySocket {
      constructor(url: string) {
        super(url, injector, Native);
      }
    };
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): FaultState => this.state;

  setLatency(latencyMs: number): void {
    this.update({ latencyMs: Math.max(0, latencyMs) });
  }

  setStalled(stalled: boolean): void {
    this.update({ stalled });
  }

  /** Kills every open socket now; the client reconnects by itself (new sockets are allowed). */
  dropConnection(): void {
    for (const socket of [...this.sockets]) socket.kill();
  }

  /**
   * What a restart of the server's side of the link looks like to the client: every open socket
   * closes with 1012 (service restart), and new sockets are refused for `downMs`, then accepted.
   */
  restartServerSide(downMs = 1500): void {
    this.update({ offline: true });
    for (const socket of [...this.sockets]) socket.kill(1012, 'service restart (fault injection)');
    setTimeout(() => this.goOnline(), downMs);
  }

  /** Kills every open socket and refuses new ones until `goOnline()`. */
  goOffline(): void {
    this.update({ offline: true });
    this.dropConnection();
  }

  goOnline(): void {
    this.update({ offline: false });
  }

  /** @internal bookkeeping from the sockets */
  count(field: 'framesIn' | 'framesOut' | 'droppedFrames' | 'drops'): void {
    this.update({ [field]: this.state[field] + 1 });
  }

  /** @internal */
  track(socket: FaultySocket, open: boolean): void {
    if (open) this.sockets.add(socket);
    else this.sockets.delete(socket);
    this.update({ openSockets: this.sockets.size });
  }

  private update(patch: Partial<FaultState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) listener();
  }
}

/** One wrapped socket. Events are re-timed through one ordered queue per direction. */
class FaultySocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  private state = 0; // CONNECTING
  private type = 'blob';
  private readonly real: SocketLike | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private inboundAt = 0;
  private outboundAt = 0;

  constructor(
    url: string,
    private readonly injector: FaultInjector,
    Native: WebSocketConstructor,
  ) {
    if (injector.getSnapshot().offline) {
      this.later(() => this.finish(1006, 'offline (fault injection)', true), 0);
      return;
    }
    const real = new Native(url);
    this.real = real;
    injector.track(this, true);
    real.onopen = (ev) => this.inbound(() => {
      this.state = OPEN;
      this.onopen?.(ev);
    });
    real.onmessage = (ev) => {
      if (injector.getSnapshot().stalled) return injector.count('droppedFrames');
      injector.count('framesIn');
      this.inbound(() => this.onmessage?.(ev));
    };
    real.onerror = (ev) => this.inbound(() => this.onerror?.(ev));
    real.onclose = (ev) => this.inbound(() => this.finish(ev.code, ev.reason, false));
  }

  get readyState(): number {
    return this.state;
  }

  get binaryType(): string {
    return this.type;
  }

  set binaryType(value: string) {
    this.type = value;
    if (this.real) this.real.binaryType = value;
  }

  send(data: string): void {
    if (this.state !== OPEN || !this.real) return;
    if (this.injector.getSnapshot().stalled) return this.injector.count('droppedFrames');
    this.injector.count('framesOut');
    const real = this.real;
    this.outboundAt = this.schedule(this.outboundAt, () => {
      if (real.readyState === OPEN) real.send(data);
    });
  }

  close(code?: number, reason?: string): void {
    if (this.state >= CLOSING) return;
    this.state = CLOSING;
    this.real?.close(code, reason);
  }

  /** A network drop: the server's side is closed, the client gets 1006 without a close frame. */
  kill(code = 1006, reason = 'connection dropped (fault injection)'): void {
    if (this.state === CLOSED) return;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const real = this.real;
    if (real) {
      real.onopen = real.onmessage = real.onerror = real.onclose = null;
      if (real.readyState < CLOSING) real.close(4000, 'dropped by fault injection');
    }
    this.injector.count('drops');
    this.state = CLOSING;
    this.later(() => this.finish(code, reason, code === 1006), 0);
  }

  private finish(code: number, reason: string, withError: boolean): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.injector.track(this, false);
    if (withError) this.onerror?.({ type: 'error' });
    this.onclose?.({ code, reason });
  }

  private inbound(fn: () => void): void {
    this.inboundAt = this.schedule(this.inboundAt, fn);
  }

  /** Runs `fn` after the current latency, never before the previous frame of the same direction. */
  private schedule(previousAt: number, fn: () => void): number {
    const now = Date.now();
    const latency = this.injector.getSnapshot().latencyMs;
    const at = Math.max(now + latency, previousAt);
    if (at <= now && this.timers.size === 0) {
      fn();
      return now;
    }
    this.later(fn, at - now);
    return at;
  }

  private later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}
