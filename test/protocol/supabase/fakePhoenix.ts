/**
 * Test doubles for the Supabase driver: a recording Link per socket, a "connection" that opens and
 * drops sessions on demand, and a small in-memory Phoenix server (vsn 2.0.0 text) with one table,
 * postgres_changes fan-out to joined feed topics and a /rest/v1 fetch over the same table.
 */
import type { LivebindError } from '../../../src/errors.js';
import type { PhoenixSession } from '../../../src/protocol/supabase/PhoenixSession.js';
import type { Frame, Link } from '../../../src/protocol/supabase/seam.js';
import { defaultTimers } from '../../../src/connection/timers.js';
import type { DriverContext, TokenNeed } from '../../../src/protocol/driver.js';
import { supabaseDriver } from '../../../src/protocol/supabase/supabaseDriver.js';
import type { SupabaseDriver, SupabaseDriverOptions } from '../../../src/protocol/supabase/supabaseDriver.js';

export interface TestDriverOptions extends Partial<SupabaseDriverOptions> {
  readonly now?: () => number;
  /** The auth option's token source (default: the apikey, like a client without `auth`). */
  readonly token?: (need: TokenNeed) => Promise<string>;
}

/** A driver created the way createClient does, over a context whose connection only counts starts. */
export function testDriver(options: TestDriverOptions = {}): { driver: SupabaseDriver; starts: () => number } {
  let starts = 0;
  const apikey = options.apikey ?? 'anon';
  const context: DriverContext = {
    connection: {
      send: () => {},
      unqueue: () => false,
      start: () => {
        starts++;
      },
      isOpen: false,
      maxFrameBytes: 5_000_000,
      fatalError: undefined,
    },
    token: options.token ?? (async () => apikey),
    timers: defaultTimers,
    now: options.now ?? (() => Date.now()),
  };
  const factory = supabaseDriver({ url: 'http://127.0.0.1:1', ...options, apikey });
  return { driver: factory.create(context) as SupabaseDriver, starts: () => starts };
}

export type Wire = [string | null, string | null, string, string, Record<string, unknown>];

/** A minimal connection: one session at a time, opened and dropped by the test. */
export class FakeConnection {
  session: PhoenixSession | undefined;
  link: RecordingLink | undefined;
  connects = 0;
  constructor(
    private readonly driver: SupabaseDriver,
    private readonly onFrame: (conn: FakeConnection, frame: Frame) => void = () => {},
  ) {}

  open(token = ''): RecordingLink {
    this.link = new RecordingLink((frame) => this.onFrame(this, frame));
    this.session = this.driver.session(this.link);
    this.session.start(token);
    return this.link;
  }

  drop(): void {
    this.session?.closed();
    this.session = undefined;
  }

  deliver(message: Wire | string | Uint8Array): void {
    this.session?.receive(typeof message === 'string' || message instanceof Uint8Array ? message : JSON.stringify(message));
  }
}

export class RecordingLink implements Link {
  readonly sent: Frame[] = [];
  opens = 0;
  deadWith: LivebindError | undefined;
  brokenWith: LivebindError | undefined;
  constructor(private readonly tap: (frame: Frame) => void = () => {}) {}
  send(frame: Frame): void {
    this.sent.push(frame);
    this.tap(frame);
  }
  opened(): void {
    this.opens++;
  }
  sendFirst(frame: Frame): void {
    this.send(frame);
  }
  slowDown(): void {}
  frameTooLarge(): void {}
  rejected(): void {}
  broken(error: LivebindError): void {
    this.brokenWith = error;
  }
  dead(error: LivebindError): void {
    this.deadWith = error;
  }
  get messages(): Wire[] {
    return this.sent.filter((f): f is string => typeof f === 'string').map((f) => JSON.parse(f) as Wire);
  }
  last(event: string): Wire | undefined {
    return this.messages.filter((m) => m[3] === event).at(-1);
  }
}

/** Await pending promise callbacks (token lookups, fetch bodies). */
export async function flush(times = 20): Promise<void> {
  for (let i = 0; i < times; i++) await Promise.resolve();
}
