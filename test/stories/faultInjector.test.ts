// FaultInjector (stories/livebind/faultInjector.ts) with a fake native socket and fake timers.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { SocketLike } from '../../src/index.js';
import { FaultInjector } from '../../stories/livebind/faultInjector.js';

class FakeNative implements SocketLike {
  static last: FakeNative | undefined;
  binaryType = 'blob';
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly sent: string[] = [];
  closedWith: number | undefined;
  constructor(readonly url: string) {
    FakeNative.last = this;
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(data: string): void {
    this.onmessage?.({ data });
  }
}

function connect(injector: FaultInjector) {
  const socket = new injector.WebSocket('ws://127.0.0.1:1/v1/ws');
  const events: string[] = [];
  socket.onopen = () => events.push('open');
  socket.onmessage = (ev) => events.push(`msg:${String(ev.data)}`);
  socket.onclose = (ev) => events.push(`close:${ev.code}`);
  socket.onerror = () => events.push('error');
  return { socket, events, native: FakeNative.last };
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeNative.last = undefined;
});
afterEach(() => vi.useRealTimers());

describe('FaultInjector', () => {
  test('without faults it passes events and frames straight through', () => {
    const injector = new FaultInjector({ Native: FakeNative });
    const { socket, events, native } = connect(injector);
    native!.open();
    native!.receive('a');
    socket.send('out');
    expect(events).toEqual(['open', 'msg:a']);
    expect(socket.readyState).toBe(1);
    expect(native!.sent).toEqual(['out']);
    expect(injector.getSnapshot()).toMatchObject({ openSockets: 1, framesIn: 1, framesOut: 1 });
  });

  test('latency delays both directions and keeps frame order', () => {
    const injector = new FaultInjector({ Native: FakeNative, latencyMs: 100 });
    const { socket, events, native } = connect(injector);
    native!.open();
    expect(socket.readyState).toBe(0);
    vi.advanceTimersByTime(100);
    expect(events).toEqual(['open']);
    native!.receive('1');
    vi.advanceTimersByTime(50);
    injector.setLatency(0);
    native!.receive('2'); // must not overtake frame 1
    socket.send('x');
    expect(events).toEqual(['open']);
    vi.advanceTimersByTime(50);
    expect(events).toEqual(['open', 'msg:1', 'msg:2']);
    vi.runAllTimers();
    expect(native!.sent).toEqual(['x']);
  });

  test('dropConnection kills the socket with 1006 and closes the real one', () => {
    const injector = new FaultInjector({ Native: FakeNative });
    const { socket, events, native } = connect(injector);
    native!.open();
    injector.dropConnection();
    native!.receive('late'); // detached: never delivered
    vi.runAllTimers();
    expect(events).toEqual(['open', 'error', 'close:1006']);
    expect(socket.readyState).toBe(3);
    expect(native!.closedWith).toBe(4000);
    expect(injector.getSnapshot()).toMatchObject({ openSockets: 0, drops: 1 });
  });

  test('offline refuses new sockets until goOnline', () => {
    const injector = new FaultInjector({ Native: FakeNative });
    injector.goOffline();
    const refused = connect(injector);
    expect(refused.native).toBeUndefined();
    vi.runAllTimers();
    expect(refused.events).toEqual(['error', 'close:1006']);
    injector.goOnline();
    const accepted = connect(injector);
    expect(accepted.native).toBeDefined();
  });

  test('a stalled link drops frames both ways', () => {
    const injector = new FaultInjector({ Native: FakeNative });
    const { socket, events, native } = connect(injector);
    native!.open();
    injector.setStalled(true);
    native!.receive('lost');
    socket.send('lost too');
    expect(events).toEqual(['open']);
    expect(native!.sent).toEqual([]);
    expect(injector.getSnapshot().droppedFrames).toBe(2);
  });

  test('notifies subscribers with a new snapshot per change', () => {
    const injector = new FaultInjector({ Native: FakeNative });
    const seen: number[] = [];
    const stop = injector.subscribe(() => seen.push(injector.getSnapshot().latencyMs));
    const before = injector.getSnapshot();
    injector.setLatency(250);
    stop();
    injector.setLatency(500);
    expect(seen).toEqual([250]);
    expect(injector.getSnapshot()).not.toBe(before);
  });
});
