/**
 * Test doubles for the Supabase driver: a recording Link per socket, a "connection" that opens and
 * drops sessions on demand, and a small in-memory Phoenix server (vsn 2.0.0 text) with one table,
 * postgres_changes fan-out to joined feed topics and a /rest/v1 fetch over the same table.
 */
import type { LivebindError } from '../../../src/errors.js';
import type { PhoenixSession } from '../../../src/protocol/supabase/PhoenixSession.js';
import type { Frame, Link } from '../../../src/protocol/supabase/seam.js';
import type { SupabaseDriver } from '../../../src/protocol/supabase/supabaseDriver.js';

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
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await Promise.resolve();
}
