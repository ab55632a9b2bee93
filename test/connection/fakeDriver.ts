/**
 * A scriptable protocol for seam tests (docs/SPEC.md §7): a driver whose sessions record what the
 * connection hands them and whose feeds expose their sinks, so tests drive the neutral core
 * without any real protocol. By default it has no handshake (like Phoenix: the link opens at once).
 */
import type { Driver, DriverContext, DriverFactory, FeedHandle, FeedSpec, Frame, Link, RowSink, Session } from '../../src/protocol/driver.js';
import type { LivebindError } from '../../src/errors.js';
import { passwordLogin } from '../../src/connection/passwordLogin.js';

export class FakeSession implements Session {
  received: Frame[] = [];
  tokens: string[] = [];
  closedCalls = 0;
  heartbeats = 0;
  /** When set, `receive` returns this promise for the next frame (an asynchronous decode). */
  hold: Promise<void> | undefined;

  constructor(
    readonly link: Link,
    private readonly handshake: boolean,
  ) {}

  start(token: string): void {
    this.tokens.push(token);
    if (this.handshake) this.link.sendFirst(`hello ${token}`);
    else this.link.opened();
  }

  receive(frame: Frame): void | Promise<void> {
    const hold = this.hold;
    this.hold = undefined;
    if (hold === undefined) {
      this.received.push(frame);
      return undefined;
    }
    return hold.then(() => void this.received.push(frame));
  }

  heartbeat(): Frame | undefined {
    return `hb-${++this.heartbeats}`;
  }

  tokenChanged(token: string): void {
    this.tokens.push(token);
  }

  closed(): void {
    this.closedCalls++;
  }
}

export interface FakeFeed {
  readonly spec: FeedSpec;
  readonly sink: RowSink;
  closed: boolean;
  cursor: bigint | undefined;
}

export interface FakeDriverOptions {
  readonly handshake?: boolean;
  readonly perSecond?: number;
  readonly heartbeatMs?: number;
  readonly anonymousToken?: string;
  /** Leave these members out (a backend without them). */
  readonly without?: readonly ('liveFeed' | 'sql' | 'login')[];
}

export interface FakeProtocol {
  readonly factory: DriverFactory;
  readonly sessions: FakeSession[];
  readonly feeds: FakeFeed[];
  readonly stopped: LivebindError[];
  context: DriverContext | undefined;
  readonly session: FakeSession;
}

export function fakeDriver(options: FakeDriverOptions = {}): FakeProtocol {
  const without = new Set(options.without ?? []);
  const p: FakeProtocol = {
    sessions: [],
    feeds: [],
    stopped: [],
    context: undefined,
    get session(): FakeSession {
      const s = this.sessions[this.sessions.length - 1];
      if (!s) throw new Error('no session yet');
      return s;
    },
    factory: {
      name: 'fake',
      limits: { perSecond: options.perSecond, maxFrameBytes: 1000, heartbeatMs: options.heartbeatMs ?? 0 },
      ...(without.has('login') ? {} : { login: passwordLogin({ login: async () => ({ accessToken: 'login-token', refreshToken: undefined }) }) }),
      ...(options.anonymousToken === undefined ? {} : { anonymousToken: options.anonymousToken }),
      create(context: DriverContext): Driver {
        p.context = context;
        const driver: Driver = {
          name: 'fake',
          socketUrl: () => 'ws://fake.test/socket',
          session: (link) => {
            const session = new FakeSession(link, options.handshake ?? false);
            p.sessions.push(session);
            return session;
          },
          stopped: (error) => void p.stopped.push(error),
        };
        if (!without.has('liveFeed')) {
          driver.liveFeed = (spec: FeedSpec, sink: RowSink): FeedHandle => {
            const feed: FakeFeed = { spec, sink, closed: false, cursor: undefined };
            p.feeds.push(feed);
            context.connection.start();
            return { id: `feed-${p.feeds.length}`, cursor: () => feed.cursor, close: () => void (feed.closed = true) };
          };
        }
        if (!without.has('sql')) driver.sql = async (text) => ({ rows: [{ text }], affected: 1 });
        return driver;
      },
    },
  };
  return p;
}
